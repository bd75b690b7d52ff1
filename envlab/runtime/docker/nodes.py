"""Cluster nodes on a Docker engine: the one kind of container envlab does not harden like the others, and
how envlab runs its own commands on a node's engine.

A node runs a Docker Engine (``dockerd``) in a container, which it cannot do
with every capability dropped: it keeps Docker's default capabilities plus ``SYS_ADMIN``, ``NET_ADMIN``
and ``SYS_PTRACE``, runs without seccomp and AppArmor profiles, and shares the host's cgroup hierarchy
(writable, as its engine makes cgroups for its tasks). That is about root on the host, so a node is never
a learner's to touch: nothing in the runtime contract runs a learner's command in a node, and no node's
API is on any network — not even on loopback. envlab sets a cluster up by running the node's own
``docker`` CLI with a fixed argument list (never a shell line) through the host engine's exec API. Memory,
CPUs and processes are still bounded; the node's engine puts its tasks' cgroups below the node's own, so
the node's limits bound its tasks too, and removing the node removes them.

To deploy a scenario onto a cluster, envlab itself speaks to each node's engine API as it speaks to the
host's: each engine also listens on a socket in a folder of the host's temporary files that only the user
running envlab may enter (:func:`engines_folder`), with that user's group. No TCP port is opened and no
container is given any of these sockets; whoever can use them could already use the host's engine.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import docker
import docker.errors
from docker.utils.socket import frames_iter

from envlab.errors import EnvlabError
from envlab.runtime.contract import NS, REGISTRY_HOST, ClusterSpec, NodeSpec, wait_for
from envlab.runtime.docker.errors import translating
from envlab.runtime.labels import CLUSTER, KIND, NODE, NODE_KIND, ROLE

#: Where a node's container sees the host's folder of engine sockets.
ENGINES_MOUNT = "/envlab-engines"
#: The name of each node engine's socket in its own folder of :func:`engines_folder`.
NODE_SOCKET = "docker.sock"


def node_command(node: str) -> list[str]:
    """The node's command: its engine, with its tasks' cgroups below the node's own (read from /proc, as the
    node shares the host's cgroup namespace), storing images and containers with the driver it picks itself
    (overlay2 where the node's volume's filesystem allows it, which saves copying every layer per container
    as vfs does; vfs where it does not), trusting the registry beside it over plain HTTP, listening on
    its own socket and on one in its folder of the host's folder of engine sockets (group: the user running
    envlab's)."""
    return [
        "/bin/sh", "-c",
        'parent=$(sed -n "s/^[0-9]*:memory:\\(.*\\)$/\\1/p" /proc/self/cgroup); '
        f'exec dockerd --insecure-registry={REGISTRY_HOST} --log-level=warn '
        f"-H unix:///var/run/docker.sock -H unix://{ENGINES_MOUNT}/{node}/{NODE_SOCKET} --group {os.getgid()} "
        '--cgroup-parent="${parent:-/envlab-node}/node"',  # not "tasks": a cgroup v1 folder has a file of that name
    ]


NODE_PIDS = 2048
#: Seconds a node's engine has to answer after its container starts (measured: under 2 s on 2 cores).
ANSWER_TIMEOUT = 60.0


def engines_folder(cluster: str) -> Path:
    """The host folder where the cluster's node engines listen, each in a folder of its own
    (``node-1/docker.sock``), which a console's filter is given whole: a node started again makes a new socket."""
    return Path(tempfile.gettempdir()) / f"{cluster}-engines"


def node_folder(cluster: str, node: str) -> Path:
    """The folder of :func:`engines_folder` where ``node``'s engine listens."""
    return engines_folder(cluster) / node


def make_engines_folder(cluster: str, nodes: Iterable[str]) -> Path:
    """Create :func:`engines_folder` for the user running envlab alone (an old one is replaced), with a folder
    for each node that the user's group may enter (where the filter of a console, in that group, connects)."""
    remove_engines_folder(cluster)
    folder = engines_folder(cluster)
    folder.mkdir(mode=0o700)
    for node in nodes:
        node_folder(cluster, node).mkdir()
        node_folder(cluster, node).chmod(0o750)  # whatever the umask
    return folder


def remove_engines_folder(cluster: str) -> None:
    """Remove :func:`engines_folder` with its sockets (gone already is fine): the cluster's last piece."""
    shutil.rmtree(engines_folder(cluster), ignore_errors=True)


def node_socket(cluster: str, node: str) -> str:
    """The address of a node's engine for a Docker client."""
    return f"unix://{node_folder(cluster, node)}/{NODE_SOCKET}"


def node_container(spec: ClusterSpec, node: NodeSpec) -> str:
    """The engine-wide name of a node's container."""
    return f"{spec.name}-{node.name}"


def node_labels(spec: ClusterSpec, node: NodeSpec) -> dict[str, str]:
    """The labels of a node's container and volume: the session's, the cluster's and the node's."""
    return {**spec.labels, CLUSTER: spec.name, NODE: node.name, ROLE: node.role, KIND: NODE_KIND}


def node_kwargs(spec: ClusterSpec, node: NodeSpec, network: str, volume: str) -> dict[str, Any]:
    """``containers.create`` arguments of a node: see the module's docstring for why they are what they are."""
    return {
        "name": node_container(spec, node), "hostname": node.name, "labels": node_labels(spec, node),
        "command": node_command(node.name), "detach": True, "init": True, "network": network,
        # SYS_PTRACE: the node's runc enters a task running as a user other than root (a health check, an
        # exec) only if it may trace it; without it every health check of such a task fails at setns.
        "cap_add": ["SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE"],
        "security_opt": ["seccomp=unconfined", "apparmor=unconfined"],
        "cgroupns": "host",
        "volumes": {volume: {"bind": "/var/lib/docker", "mode": "rw"},
                    "/sys/fs/cgroup": {"bind": "/sys/fs/cgroup", "mode": "rw"},
                    str(engines_folder(spec.name)): {"bind": ENGINES_MOUNT, "mode": "rw"}},
        "mem_limit": node.memory, "memswap_limit": node.memory, "nano_cpus": int(node.cpus * NS),
        "pids_limit": NODE_PIDS, "stop_signal": "SIGTERM",
        "ports": {f"{port}/tcp": ("127.0.0.1", None) for port in node.ports},
        # The engine's pid files and sockets: a node started again after a kill must not find stale ones.
        "tmpfs": {"/run": "rw,nosuid,nodev,mode=755"},
    }


class NodeCommandFailed(EnvlabError):
    """A command envlab ran on a node's engine failed."""


def run_in_node(api: docker.APIClient, container: str, argv: list[str], *, doing: str) -> str:
    """Run the node's ``argv`` (no shell) and return its standard output.

    Raises:
        NodeCommandFailed: It exited non-zero; the message ends with what it wrote to standard error.
    """
    with translating(doing):
        exec_id = api.exec_create(container, argv, stdout=True, stderr=True)["Id"]
        out, err = api.exec_start(exec_id, demux=True)
        code = api.exec_inspect(exec_id).get("ExitCode")
    if code != 0:
        detail = (err or out or b"").decode(errors="replace").strip()[-400:]
        raise NodeCommandFailed(f"{doing} failed ({code}): {detail}")
    return (out or b"").decode(errors="replace")


def feed_node(api: docker.APIClient, container: str, argv: list[str], chunks: Iterable[bytes], *, doing: str) -> str:
    """Run the node's ``argv`` with ``chunks`` as its standard input (``docker load``); return its output.

    The exec's connection is hijacked: the archive goes up it, half-closing it ends the command's input, and
    its output comes back in the engine's stream frames.

    Raises:
        NodeCommandFailed: It exited non-zero.
    """
    with translating(doing):
        exec_id = api.exec_create(container, argv, stdin=True, stdout=True, stderr=True)["Id"]
        sock = api.exec_start(exec_id, socket=True)
        raw: socket.socket = getattr(sock, "_sock", sock)
        try:
            for chunk in chunks:
                raw.sendall(chunk)
            raw.shutdown(socket.SHUT_WR)
            output = b"".join(data for _stream, data in frames_iter(sock, tty=False))
        finally:
            with contextlib.suppress(OSError):
                sock.close()

        def ended() -> bool:
            return api.exec_inspect(exec_id).get("Running") is False

        if not wait_for(ended, timeout=30, every=0.1):
            raise NodeCommandFailed(f"{doing} did not end within 30s")
        code = api.exec_inspect(exec_id).get("ExitCode")
    text = output.decode(errors="replace")
    if code != 0:
        raise NodeCommandFailed(f"{doing} failed ({code}): {text.strip()[-400:]}")
    return text


def json_lines(text: str) -> Iterator[dict[str, Any]]:
    """The objects of the CLI's ``--format '{{json .}}'`` output, one a line."""
    for line in text.splitlines():
        if line.strip():
            yield json.loads(line)


def engine_answers(api: docker.APIClient, container: str) -> bool:
    """Whether the node's engine answers its own CLI."""
    try:
        run_in_node(api, container, ["docker", "version", "--format", "{{.Server.Version}}"],
                    doing="asking a node's engine")
    except EnvlabError:
        return False
    return True


def wait_until_answering(api: docker.APIClient, container: str, name: str) -> None:
    """Wait until the node's engine answers.

    Raises:
        EnvlabError: It did not answer within :data:`ANSWER_TIMEOUT` seconds (with the end of its log).
    """
    if wait_for(lambda: engine_answers(api, container), timeout=ANSWER_TIMEOUT, every=0.2):
        return
    log = ""
    with contextlib.suppress(docker.errors.DockerException):
        log = api.logs(container, tail=10).decode(errors="replace").strip()
    raise EnvlabError(f"node {name}'s engine did not answer within {ANSWER_TIMEOUT:g}s: {log or 'no log'}",
                      hint="`envlab doctor` shows the engine; a node needs cgroups and iptables from the host")
