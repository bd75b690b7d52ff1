"""A learner's console on a cluster: a shell with the docker CLI whose only way out is an API filter in
front of one manager's engine (and of the other servers' the lesson lets it reach).

Two containers on a network of their own with no way out of it (``internal``):

- the **filter**, HAProxy from Debian (the socket-proxy pattern), given the folder of each reached server's
  engine socket and nothing else (the manager's on :data:`FILTER_PORT`, each other server's on a port of its
  own, which the workstation names as a docker context of the server's name): it lets through only the
  requests :func:`filter_config` lists for the lesson's abilities, and refuses, before any path is looked
  at, every request whose body could ask for more than a container
  of the swarm's own (a bind or volume mount, an added capability, the host's network, an SELinux label, a
  sysctl, privileges, a device, a cgroup of its own, a log driver) — spelled any way Docker's JSON decoder
  would still read it (its keys match whatever their case, and Unicode folding lets ``ſ`` stand for ``s``:
  escapes and non-ASCII bytes are refused outright, as are bodies too long to be read whole and chunked
  ones); a container's start, stop and restart go through only with no body;
- the **workstation**, an ordinary hardened container (every capability dropped, no new privileges) of
  the node image, for its ``docker`` CLI, with ``DOCKER_HOST`` set to the filter.

Neither is given the host engine's socket, and the workstation's network reaches nothing but the filter.
"""

from __future__ import annotations

import json
import os
from typing import Any, NamedTuple

from envlab.runtime.contract import CONSOLE_ABILITIES, NS, ContainerSpec
from envlab.runtime.docker.nodes import NODE_SOCKET, node_folder
from envlab.runtime.labels import CLUSTER, KIND

CONSOLE_KIND = "console"  # the kind of a console's two containers and its network
#: What the filter answers a request it refuses (a learner reads it as the CLI's "Error response from daemon").
REFUSED = "the envlab console does not allow this"
FILTER_PORT = 2375
#: Where the filter sees the folder of each server's engine socket (each bound whole: a server started again
#: makes a new socket in it).
ENGINES = "/run/engines"
#: The longest request body the filter reads whole (every CLI request of the allowed kinds is far shorter).
MAX_BODY = 16384

_VERSION = r"(/v[0-9]+\.[0-9]+)?"
_ID = r"[A-Za-z0-9_.-]+"


class Rule(NamedTuple):
    """Requests one ability lets through: these methods on a path matching ``path``; ``bodiless``: only with no
    body (an old API version's ``start`` still reads a host config from it)."""

    methods: str
    path: str
    bodiless: bool = False


#: What each ability lets through.
ALLOWED: dict[str, tuple[Rule, ...]] = {
    "read": (Rule("GET HEAD", rf"^{_VERSION}/(_ping|version|info)$"),
             Rule("GET HEAD", rf"^{_VERSION}/(services|tasks|nodes)(/{_ID})?$"),
             Rule("GET HEAD", rf"^{_VERSION}/(services|tasks)/{_ID}/logs$"),
             Rule("GET HEAD", rf"^{_VERSION}/distribution/[A-Za-z0-9_./:@-]+/json$")),
    "scale": (Rule("POST", rf"^{_VERSION}/services/{_ID}/update$"),),
    "drain": (Rule("POST", rf"^{_VERSION}/nodes/{_ID}/update$"),),
    "create": (Rule("POST", rf"^{_VERSION}/services/create$"), Rule("DELETE", rf"^{_VERSION}/services/{_ID}$")),
    "containers": (Rule("GET HEAD", rf"^{_VERSION}/containers/json$"),
                   Rule("GET HEAD", rf"^{_VERSION}/containers/{_ID}/(json|logs|top)$")),
    # an update changes resources within the node's own bounds and the restart policy, nothing else
    "restart": (Rule("POST", rf"^{_VERSION}/containers/{_ID}/(start|stop|restart)$", bodiless=True),
                Rule("POST", rf"^{_VERSION}/containers/{_ID}/update$")),
}
#: Bodies refused whatever the path: what a container could use to reach its node (keys matched in any case).
REFUSED_BODIES = (
    ("mounts", r'"mounts"[[:space:]]*:[[:space:]]*\[[[:space:]]*\{'),
    ("capabilities", r'"capabilityadd"[[:space:]]*:[[:space:]]*\[[[:space:]]*"'),
    ("the host network", r'"target"[[:space:]]*:[[:space:]]*"host"'),
    ("an SELinux label", r'"selinuxcontext"[[:space:]]*:[[:space:]]*\{'),
    ("sysctls", r'"sysctls"[[:space:]]*:[[:space:]]*\{[[:space:]]*"'),
    ("privileges", r'"privileged"[[:space:]]*:[[:space:]]*true'),
    ("devices", r'"device(s|requests)"[[:space:]]*:[[:space:]]*\[[[:space:]]*\{'),
    ("device rules", r'"devicecgrouprules"[[:space:]]*:[[:space:]]*\[[[:space:]]*"'),
    ("a cgroup of its own", r'"cgroupparent"[[:space:]]*:[[:space:]]*"[^"]'),
    ("a log driver", r'"logdriver"[[:space:]]*:[[:space:]]*\{'),  # one could send logs anywhere
)


def filter_config(abilities: tuple[str, ...], servers: tuple[str, ...] = ("node-1",)) -> str:
    """The filter's HAProxy configuration for a console with ``abilities`` (``read`` is always among them) that
    reaches ``servers``: the first on :data:`FILTER_PORT`, each other on the next port (:func:`server_port`)."""
    unknown = sorted(set(abilities) - set(CONSOLE_ABILITIES))
    if unknown:
        raise ValueError(f"unknown console abilities: {', '.join(unknown)}")
    wanted = ["read", *(a for a in CONSOLE_ABILITIES if a in abilities and a != "read")]
    lines = [
        "global", "    maxconn 64", f"    tune.bufsize {MAX_BODY * 2}",
        "defaults", "    mode http", "    timeout connect 2s", "    timeout client 120s",
        "    timeout server 120s", "    timeout tunnel 120s",
        "frontend api", *(f"    bind :{server_port(index)}" for index in range(len(servers))),
        "    option http-buffer-request",
        "    acl chunked req.hdr(transfer-encoding) -m found",
        f"    acl too_long req.hdr_val(content-length) gt {MAX_BODY}",
        "    acl escaped req.body -m sub '\\u'",
        "    acl not_ascii req.body -m reg '[^[:ascii:]]'",
    ]
    lines += [f"    acl refused_{index} req.body -m reg -i '{pattern}'"
              for index, (_what, pattern) in enumerate(REFUSED_BODIES)]
    lines += [f"    {_refuse('a chunked or too long request body')} if chunked or too_long",
              f"    {_refuse('escapes or non-ASCII characters in a request body')} if escaped or not_ascii"]
    lines += [f"    {_refuse(what)} if refused_{index}" for index, (what, _p) in enumerate(REFUSED_BODIES)]
    lines.append("    acl has_body req.body_len gt 0")
    for ability in wanted:
        for number, rule in enumerate(ALLOWED[ability]):
            name = f"{ability}_{number}"
            lines += [f"    acl {name}_method method {rule.methods}", f"    acl {name}_path path_reg '{rule.path}'",
                      f"    http-request allow if {name}_method {name}_path{' !has_body' if rule.bodiless else ''}"]
    lines.append(f"    {_refuse('the console may only ' + ', '.join(wanted))}")
    lines += [f"    use_backend server_{name} if {{ dst_port {server_port(index)} }}"
              for index, name in enumerate(servers) if index]
    lines.append(f"    default_backend server_{servers[0]}")
    for name in servers:
        lines += [f"backend server_{name}", f"    server engine {ENGINES}/{name}/{NODE_SOCKET}"]
    return "\n".join(lines) + "\n"


def server_port(index: int) -> int:
    """The filter's port for the ``index``-th server a console reaches (0: the one it speaks to by default)."""
    return FILTER_PORT + index


def _refuse(what: str) -> str:
    """The rule that refuses a request, saying why in the engine's own error shape (the CLI prints it)."""
    body = json.dumps({"message": f"{REFUSED}: {what}"})
    return f"http-request deny deny_status 403 content-type application/json string '{body}'"


def filter_kwargs(cluster: str, labels: dict[str, str], image: str, network: str, abilities: tuple[str, ...],
                  servers: tuple[str, ...]) -> dict[str, Any]:
    """``containers.create`` arguments of the filter: see the module's docstring."""
    return {
        "name": f"{cluster}-console-filter", "hostname": "engine", "detach": True, "init": True,
        "labels": {**labels, CLUSTER: cluster, KIND: CONSOLE_KIND},
        "user": f"65534:{os.getgid()}",  # nobody, in the group the node engines' folders and sockets belong to
        "environment": {"FILTER_CONFIG": filter_config(abilities, servers)},
        "command": ["/bin/sh", "-c", 'printf "%s" "$FILTER_CONFIG" > /tmp/filter.cfg '
                                     "&& exec haproxy -W -db -f /tmp/filter.cfg"],
        "cap_drop": ["ALL"], "security_opt": ["no-new-privileges:true"], "read_only": True,
        "tmpfs": {"/tmp": "rw,nosuid,nodev,size=1m"},
        "mem_limit": "64m", "memswap_limit": "64m", "nano_cpus": int(0.5 * NS), "pids_limit": 64,
        "network": network,
        "volumes": {str(node_folder(cluster, name)): {"bind": f"{ENGINES}/{name}", "mode": "rw"} for name in servers},
    }


def context_lines(servers: tuple[str, ...]) -> list[str]:
    """The workstation's commands that name each server as a docker context (``docker --context node-2 ps``)."""
    return [f"docker context create {name} --docker host=tcp://engine:{server_port(index)} >/dev/null"
            for index, name in enumerate(servers)]


def workstation_spec(cluster: str, labels: dict[str, str], image: str, network: str) -> ContainerSpec:
    """The learner's workstation: a hardened container whose docker CLI speaks to the filter."""
    return ContainerSpec(
        name=f"{cluster}-console", image=image, labels={**labels, CLUSTER: cluster, KIND: CONSOLE_KIND},
        hostname="console", command=["sleep", "infinity"], network=network,
        env={"DOCKER_HOST": f"tcp://engine:{FILTER_PORT}"}, memory="128m", cpus=0.5, pids=128)
