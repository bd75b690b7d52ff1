"""A learner's console on a real cluster cannot be used to escape: through its API filter the docker CLI reads
the swarm and scales and drains as allowed, and every way out is refused — a container of the node's own
(privileged or not), a bind mount, an added capability, the host's network, the same asked in JSON spelled to
slip past a filter (escapes, another case, a Unicode letter that folds to an ASCII one, a chunked or
over-long body) — and the host's engine is not reachable from it at all.

One cluster (a manager with a registry beside it) and one console serve the module; everything carries a
session of its own and is removed afterwards, whatever happens.
"""

from __future__ import annotations

import base64
import json
import socket
from collections.abc import Iterator

import docker
import pytest

from envlab.engine.images import cluster_needs, console_image, node_image, registry_image
from envlab.engine.prepare import prepare_all
from envlab.runtime.contract import (
    ClusterSpec,
    ConsoleSpec,
    ExecResult,
    NodeSpec,
    ServiceSpec,
    registry_ref,
    wait_for,
)
from envlab.runtime.docker import DockerRuntime
from envlab.runtime.docker.console import MAX_BODY, REFUSED
from envlab.runtime.docker.nodes import node_socket
from envlab.runtime.labels import CLUSTER, SESSION, Session

pytestmark = pytest.mark.engine
BASE = "debian:bookworm-slim"


@pytest.fixture(scope="module")
def engine(docker_client: docker.DockerClient) -> DockerRuntime:
    runtime = DockerRuntime(docker_client)
    failed = [f"{r.need.tag}: {r.message}" for r in prepare_all(
        runtime, cluster_needs([BASE], registry=True, console=True), lambda *_: None) if r.action == "failed"]
    assert not failed, failed
    return runtime


@pytest.fixture(scope="module")
def console(engine: DockerRuntime) -> Iterator[tuple[ClusterSpec, str]]:
    owner = Session()
    engine.hold_lease(owner)
    spec = ClusterSpec(f"envlab-{owner.id}-console", owner.labels(lesson="engine-console"),
                       (NodeSpec("node-1", node_image(), "manager"),), registry_image())
    try:
        list(engine.start_cluster(spec))
        list(engine.distribute_image(spec.name, BASE))
        engine.create_cluster_service(spec.name, "web", registry_ref(BASE), replicas=1, command=["sleep", "infinity"])
        workstation = engine.start_console(ConsoleSpec(spec.name, "node-1", ("read", "scale", "drain", "create"),
                                                       node_image(), console_image(), spec.labels))
        yield spec, workstation
    finally:
        engine.remove_cluster(spec.name)
        assert engine.list_resources({SESSION: owner.id, CLUSTER: spec.name}) == []
        engine.release_lease(owner)


def run(engine: DockerRuntime, workstation: str, command: str) -> ExecResult:
    return engine.exec(workstation, command, on_line=lambda _line: None, timeout=60)


def refused(result: ExecResult) -> bool:
    return result.exit_code != 0 and REFUSED in result.output


def test_the_console_reads_the_swarm_and_scales_and_drains_through_the_filter(
        engine: DockerRuntime, console: tuple[ClusterSpec, str]) -> None:
    spec, workstation = console
    listed = run(engine, workstation, "docker service ls --format '{{.Name}}'")
    assert listed.exit_code == 0 and listed.output.split() == ["web"], listed.output
    assert "node-1" in run(engine, workstation, "docker node ls --format '{{.Hostname}}'").output
    scaled = run(engine, workstation, "docker service scale --detach web=2")
    assert scaled.exit_code == 0, scaled.output

    def two() -> bool:
        return sum(1 for t in engine.cluster_tasks(spec.name) if t.state == "running") == 2

    assert wait_for(two, timeout=60, every=0.5), engine.cluster_tasks(spec.name)
    assert "web.2" in run(engine, workstation, "docker service ps web --format '{{.Name}}'").output
    kept = run(engine, workstation, "docker node update --availability active node-1")
    assert kept.exit_code == 0, kept.output


@pytest.mark.parametrize("command", [
    "docker ps",
    "docker run --rm --privileged debian:bookworm-slim true",
    "docker run --rm -v /:/host debian:bookworm-slim true",
    "docker image ls",
    "docker network ls",
    "docker volume create spare",
    "docker swarm join-token manager",
])
def test_nothing_but_the_swarm_s_services_and_nodes_is_reachable(
        engine: DockerRuntime, console: tuple[ClusterSpec, str], command: str) -> None:
    assert refused(run(engine, console[1], command))


@pytest.mark.parametrize(("create", "update"), [
    ("--mount type=bind,source=/,target=/host", "--mount-add type=bind,source=/,target=/host"),
    ("--mount type=volume,source=spare,target=/data", "--mount-add type=volume,source=spare,target=/data"),
    ("--cap-add ALL", "--cap-add SYS_PTRACE"),
    ("--cap-add SYS_ADMIN", "--cap-add SYS_ADMIN"),
    ("--network host", "--network-add host"),
    ("--sysctl net.ipv4.ip_forward=1", "--sysctl-add net.ipv4.ip_forward=1"),
])
def test_no_service_can_ask_for_more_than_the_swarm_s_own_containers(
        engine: DockerRuntime, console: tuple[ClusterSpec, str], create: str, update: str) -> None:
    spec, workstation = console
    created = run(engine, workstation, f"docker service create --detach --name escape {create} "
                                       f"{registry_ref(BASE)} true")
    assert refused(created), created.output
    updated = run(engine, workstation, f"docker service update --detach {update} web")
    assert refused(updated), updated.output
    services = engine_services(engine, spec)
    assert [s["Spec"]["Name"] for s in services] == ["web"]  # type: ignore[index]
    held = json.dumps(services[0]["Spec"])
    assert "Mounts" not in held and "CapabilityAdd" not in held and "Sysctls" not in held, held


def engine_services(engine: DockerRuntime, spec: ClusterSpec) -> list[dict[str, object]]:
    """The swarm's services as the manager's engine itself holds them (not through the console)."""
    client = docker.DockerClient(base_url=node_socket(spec.name, "node-1"), timeout=20)
    try:
        return list(client.api.services())
    finally:
        client.close()


def _raw(body: str, *, headers: str = "", path: str = "/v1.41/services/create") -> str:
    """A command sending ``body`` as ``POST path`` straight to the filter, printing the status line (bash, for
    its /dev/tcp; the script travels as base64, so no quoting of the body can go wrong)."""
    length = len(body.encode())
    request = (f"POST {path} HTTP/1.1\r\nHost: engine\r\nContent-Type: application/json\r\n"
               f"{headers or f'Content-Length: {length}'}\r\nConnection: close\r\n\r\n{body}")
    script = f"exec 3<>/dev/tcp/engine/2375 && echo {_b64(request)} | base64 -d >&3 && head -n 1 <&3"
    return f"echo {_b64(script)} | base64 -d | bash"


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


MOUNT = '[{"Type":"bind","Source":"/","Target":"/host"}]'


@pytest.mark.parametrize(("key", "headers"), [
    ("Mounts", ""),
    ("mounts", ""),
    ("MOUNTS", ""),
    ("Mo\\u0075nts", ""),
    ("Mount\u017f", ""),  # LATIN SMALL LETTER LONG S: Go's JSON folds it to "s" when it matches a key
    ("Mounts", "Transfer-Encoding: chunked"),
])
def test_a_mount_spelled_to_slip_past_a_filter_is_refused(engine: DockerRuntime, console: tuple[ClusterSpec, str],
                                                          key: str, headers: str) -> None:
    spec, workstation = console
    body = ('{"Name":"escape","TaskTemplate":{"ContainerSpec":{"Image":"' + registry_ref(BASE) + '","Command":'
            '["true"],"' + key + '":' + MOUNT + "}}}")
    if headers:
        body = f"{len(body.encode()):x}\r\n{body}\r\n0\r\n\r\n"
    status = run(engine, workstation, _raw(body, headers=headers))
    assert " 403 " in status.output, status.output
    assert [s["Spec"]["Name"] for s in engine_services(engine, spec)] == ["web"]  # type: ignore[index]


def test_a_body_too_long_to_be_read_whole_is_refused(engine: DockerRuntime, console: tuple[ClusterSpec, str]) -> None:
    padding = "x" * (MAX_BODY + 1)
    body = '{"Name":"escape","Labels":{"pad":"' + padding + '"},"TaskTemplate":{"ContainerSpec":{"Image":"a"}}}'
    status = run(engine, console[1], _raw(body))
    assert " 403 " in status.output, status.output


def test_the_host_s_engine_is_not_reachable_from_the_console(engine: DockerRuntime,
                                                             console: tuple[ClusterSpec, str]) -> None:
    workstation = console[1]
    assert run(engine, workstation, "test -e /var/run/docker.sock || test -e /run/docker.sock").exit_code != 0
    routes = [line.split() for line in run(engine, workstation, "cat /proc/net/route").output.splitlines()[1:]]
    gateways = {socket.inet_ntoa(bytes.fromhex(r[2])[::-1]) for r in routes if r[2] != "00000000"}
    for target in [*(f"tcp://{g}:{p}" for g in sorted(gateways) for p in (2375, 2376)), "unix:///var/run/docker.sock"]:
        reached = run(engine, workstation, f"timeout 5 docker -H {target} version --format '{{{{.Server.Version}}}}'")
        assert reached.exit_code != 0, (target, reached.output)


def test_the_same_request_without_what_is_refused_goes_through(engine: DockerRuntime,
                                                               console: tuple[ClusterSpec, str]) -> None:
    """The control of the refusals above: the filter refuses what they ask for, not every raw request."""
    spec, workstation = console
    body = ('{"Name":"harmless","TaskTemplate":{"ContainerSpec":{"Image":"' + registry_ref(BASE) + '",'
            '"Command":["true"],"Labels":{}}}}')
    status = run(engine, workstation, _raw(body))
    assert " 201 " in status.output, status.output
    client = docker.DockerClient(base_url=node_socket(spec.name, "node-1"), timeout=20)
    try:
        client.api.remove_service("harmless")
    finally:
        client.close()


# a console on plain containers: read them, restart them, change their restart policy, and nothing more --------
@pytest.fixture(scope="module")
def plain(engine: DockerRuntime) -> Iterator[tuple[ClusterSpec, str]]:
    """Two servers, each running one plain container placed on it by hand (``web-1`` on node-1, ``web-2`` on
    node-2), and a console that may read and restart containers on both."""
    owner = Session()
    engine.hold_lease(owner)
    spec = ClusterSpec(f"envlab-{owner.id}-plain", owner.labels(lesson="engine-console"),
                       (NodeSpec("node-1", node_image(), "manager"), NodeSpec("node-2", node_image())))
    try:
        list(engine.start_cluster(spec))
        list(engine.distribute_image(spec.name, BASE))
        server = engine.cluster_engine(spec.name)
        try:
            network = server.create_network("plain", spec.labels)
            web = ServiceSpec("web", "web", BASE, spec.labels, network, command=["sleep", "infinity"],
                              servers=("node-1", "node-2"))
            assert [server.node_of(server.run_replica(web, index)) for index in (1, 2)] == ["node-1", "node-2"]
        finally:
            server.close()
        workstation = engine.start_console(ConsoleSpec(spec.name, "node-1", ("read", "containers", "restart"),
                                                       node_image(), console_image(), spec.labels, ("node-2",)))
        yield spec, workstation
    finally:
        engine.remove_cluster(spec.name)
        assert engine.list_resources({SESSION: owner.id, CLUSTER: spec.name}) == []
        engine.release_lease(owner)


def node_container(spec: ClusterSpec, name: str) -> dict[str, object]:
    """A container as the node's engine itself holds it (not through the console)."""
    client = docker.DockerClient(base_url=node_socket(spec.name, "node-1"), timeout=20)
    try:
        return dict(client.api.inspect_container(name))
    finally:
        client.close()


def test_the_console_lists_restarts_and_gives_a_restart_policy_to_plain_containers(
        engine: DockerRuntime, plain: tuple[ClusterSpec, str]) -> None:
    spec, workstation = plain
    listed = run(engine, workstation, "docker ps -a --format '{{.Names}}'")
    assert listed.exit_code == 0 and listed.output.split() == ["web-1"], listed.output
    assert run(engine, workstation, "docker inspect --format '{{.State.Status}}' web-1").output.strip() == "running"
    assert run(engine, workstation, "docker logs web-1").exit_code == 0
    updated = run(engine, workstation, "docker update --restart always web-1")
    assert updated.exit_code == 0, updated.output
    assert node_container(spec, "web-1")["HostConfig"]["RestartPolicy"]["Name"] == "always"  # type: ignore[index]
    started = node_container(spec, "web-1")["State"]["StartedAt"]  # type: ignore[index]
    restarted = run(engine, workstation, "docker restart -t 1 web-1")
    assert restarted.exit_code == 0, restarted.output
    state = node_container(spec, "web-1")["State"]
    assert state["Running"] and state["StartedAt"] != started, state  # type: ignore[index]
    stopped = run(engine, workstation, "docker stop -t 1 web-1 && docker start web-1")
    assert stopped.exit_code == 0, stopped.output


def test_the_console_reaches_each_server_by_its_context_even_after_the_server_was_powered_off_and_on(
        engine: DockerRuntime, plain: tuple[ClusterSpec, str]) -> None:
    spec, workstation = plain
    there = run(engine, workstation, "docker --context node-2 ps -a --format '{{.Names}}'")
    assert there.exit_code == 0 and there.output.split() == ["web-2"], there.output
    assert refused(run(engine, workstation, "docker --context node-2 run --rm --privileged debian:bookworm-slim true"))

    def in_swarm() -> str:
        return next(node.status for node in engine.cluster_nodes(spec.name) if node.name == "node-2")

    def answers() -> bool:
        return run(engine, workstation, "docker --context node-2 ps -a").exit_code == 0

    engine.stop_node(spec.name, "node-2")
    assert wait_for(lambda: run(engine, workstation, "docker --context node-2 version").exit_code != 0, timeout=30)
    assert wait_for(lambda: in_swarm() == "down", timeout=60, every=0.5)  # the swarm notices, as in a power cut
    engine.start_node(spec.name, "node-2")
    assert wait_for(answers, timeout=60, every=0.5)  # its engine listens on a new socket: the filter finds it
    # back in the swarm, so that a container on the swarm's network can attach to it again
    assert wait_for(lambda: in_swarm() == "ready", timeout=60, every=0.5), in_swarm()
    state = run(engine, workstation, "docker --context node-2 inspect --format '{{.State.Status}}' web-2")
    assert state.output.strip() == "exited", state.output  # no restart policy: it stays down with its server
    started = run(engine, workstation, "docker --context node-2 start web-2")
    assert started.exit_code == 0, started.output
    assert run(engine, workstation, "docker --context node-2 inspect --format '{{.State.Status}}' web-2"
               ).output.strip() == "running"


@pytest.mark.parametrize("command", [
    "docker run --rm --privileged debian:bookworm-slim true",
    "docker create debian:bookworm-slim",
    "docker exec web-1 true",
    "docker cp web-1:/etc/hostname -",
    "docker commit web-1",
    "docker rm -f web-1",
    "docker image ls",
])
def test_a_console_on_plain_containers_cannot_make_or_enter_one(engine: DockerRuntime,
                                                                plain: tuple[ClusterSpec, str], command: str) -> None:
    spec, workstation = plain
    assert refused(run(engine, workstation, command))
    assert node_container(spec, "web-1")["State"]["Running"]  # type: ignore[index]


@pytest.mark.parametrize(("path", "body"), [
    # an old API version's start still reads a host config from its body
    ("/v1.23/containers/web-1/start", '{"Privileged":true}'),
    ("/v1.23/containers/web-1/start", '{"Binds":["/:/host"]}'),
    ("/v1.41/containers/web-1/update", '{"CgroupParent":"/"}'),
    ("/v1.41/containers/web-1/update", '{"Devices":[{"PathOnHost":"/dev/sda","PathInContainer":"/dev/sda"}]}'),
])
def test_a_body_that_asks_a_plain_container_for_more_is_refused(
        engine: DockerRuntime, plain: tuple[ClusterSpec, str], path: str, body: str) -> None:
    spec, workstation = plain
    status = run(engine, workstation, _raw(body, path=path))
    assert " 403 " in status.output, status.output
    host = node_container(spec, "web-1")["HostConfig"]
    assert not host["Privileged"] and not host["Binds"] and not host["CgroupParent"], host  # type: ignore[index]
