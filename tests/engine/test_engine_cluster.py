"""Clusters on the real engine: three nodes and a registry form a real swarm, an image goes through the
registry, a replicated service spreads over the nodes, a lost node's tasks come back on the others, and a
teardown leaves nothing.

One cluster serves the module (starting one takes seconds, tearing it down more); the tests that change it
come last. Everything it creates carries a session of its own, removed afterwards whatever happens.
"""

from __future__ import annotations

import collections
import os
import stat
from collections.abc import Iterator

import docker
import pytest

from envlab.engine.images import cluster_needs, node_image, registry_image
from envlab.engine.prepare import prepare_all
from envlab.runtime.contract import REGISTRY_HOST, ClusterSpec, NodeSpec, registry_ref, wait_for
from envlab.runtime.docker import DockerRuntime
from envlab.runtime.docker.nodes import engines_folder, node_socket, run_in_node
from envlab.runtime.labels import CLUSTER, KIND, SESSION, Session

pytestmark = pytest.mark.engine
BASE = "debian:bookworm-slim"
REPLICAS = 6


def _prepare_images(runtime: DockerRuntime) -> None:
    """Make the node and registry images present the way `envlab images prepare` does for a lesson with servers."""
    failed = [f"{result.need.tag}: {result.message}"
              for result in prepare_all(runtime, cluster_needs([BASE], registry=True), lambda *_: None)
              if result.action == "failed"]
    assert not failed, failed


@pytest.fixture(scope="module")
def engine(docker_client: docker.DockerClient) -> DockerRuntime:
    runtime = DockerRuntime(docker_client)
    _prepare_images(runtime)
    return runtime


@pytest.fixture(scope="module")
def owner(engine: DockerRuntime) -> Iterator[Session]:
    mine = Session()
    engine.hold_lease(mine)
    yield mine
    for resource in sorted(engine.list_resources({SESSION: mine.id}), key=lambda r: r.kind != "container"):
        engine.remove(resource)
    engine.release_lease(mine)


@pytest.fixture(scope="module")
def cluster(engine: DockerRuntime, owner: Session) -> Iterator[ClusterSpec]:
    spec = ClusterSpec(f"envlab-{owner.id}-cluster", owner.labels(lesson="engine-cluster"),
                       (NodeSpec("node-1", node_image(), "manager", {"zone": "a"}),
                        NodeSpec("node-2", node_image(), labels={"zone": "b"}), NodeSpec("node-3", node_image())),
                       registry_image())
    steps = list(engine.start_cluster(spec))
    assert steps[-1].what == "the cluster is ready", steps
    yield spec
    engine.remove_cluster(spec.name)


def node_ids(engine: DockerRuntime, spec: ClusterSpec) -> dict[str, str]:
    return {r.labels["io.envlab.node"]: r.id for r in engine.list_resources({CLUSTER: spec.name, KIND: "node"})
            if r.kind == "container"}


def test_three_nodes_form_a_swarm_with_one_leader(engine: DockerRuntime, cluster: ClusterSpec) -> None:
    nodes = engine.cluster_nodes(cluster.name)
    assert [(n.name, n.role, n.running, n.status) for n in nodes] == [
        ("node-1", "manager", True, "ready"), ("node-2", "worker", True, "ready"),
        ("node-3", "worker", True, "ready")]
    assert [n.name for n in nodes if n.leader] == ["node-1"]
    ids = node_ids(engine, cluster)
    labels = run_in_node(engine.api, ids["node-1"], ["docker", "node", "inspect", "node-2", "--format",
                                                     "{{json .Spec.Labels}}"], doing="reading a node's labels")
    assert labels.strip() == '{"zone":"b"}'


def test_no_node_engine_is_published_on_the_host(engine: DockerRuntime, cluster: ClusterSpec) -> None:
    for name, cid in node_ids(engine, cluster).items():
        attrs = engine.api.inspect_container(cid)
        assert not attrs["HostConfig"]["PortBindings"], name
        assert not attrs["NetworkSettings"]["Ports"], name
        assert list(attrs["NetworkSettings"]["Networks"]) == [cluster.name], name
        listening = run_in_node(engine.api, cid, ["cat", "/proc/net/tcp", "/proc/net/tcp6"], doing="reading sockets")
        sockets = [_address(line.split()[1]) for line in listening.splitlines()
                   if len(line.split()) > 3 and line.split()[3] == "0A"]  # 0A: listening
        # Nothing serves an engine API on any address; on the network only the swarm's own ports (2377 for
        # managers, 7946 for gossip). Loopback is the node's own (containerd's stream server picks a port there).
        assert not {port for _, port in sockets} & {2375, 2376}, f"{name} listens for an engine API: {sockets}"
        outside = {port for loopback, port in sockets if not loopback}
        assert outside <= {2377, 7946}, f"{name} listens beyond loopback on TCP ports {sorted(outside)}"


def _address(local: str) -> tuple[bool, int]:
    """Whether a /proc/net/tcp{,6} local address is loopback, and its port (the kernel writes hex, each 32-bit
    word in host order: 127.0.0.1 is 0100007F, ::1 ends in 01000000, ::ffff:127.x in ...7F)."""
    address, port = local.split(":")
    loopback = address.endswith("7F") if len(address) == 8 else (
        address == "0" * 24 + "01000000" or (address.startswith("0" * 16 + "FFFF0000") and address.endswith("7F")))
    return loopback, int(port, 16)


def test_each_node_engine_answers_envlab_on_a_socket_only_its_user_may_enter(engine: DockerRuntime,
                                                                              cluster: ClusterSpec) -> None:
    folder = engines_folder(cluster.name)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700 and folder.stat().st_uid == os.getuid()
    assert sorted(p.name for p in folder.iterdir()) == ["node-1", "node-2", "node-3"]
    for own in folder.iterdir():  # each engine's folder: for the user's group (a console's filter) to enter
        assert stat.S_IMODE(own.stat().st_mode) == 0o750 and [p.name for p in own.iterdir()] == ["docker.sock"]
    for node in ("node-1", "node-2", "node-3"):
        client = docker.DockerClient(base_url=node_socket(cluster.name, node), timeout=10)
        try:
            assert client.info()["Name"] == node
        finally:
            client.close()


@pytest.fixture(scope="module")
def distributed(engine: DockerRuntime, cluster: ClusterSpec) -> list[tuple[str, str]]:
    return [(step.node, step.what) for step in engine.distribute_image(cluster.name, BASE)]


def test_an_image_goes_through_the_registry_to_every_node(engine: DockerRuntime, cluster: ClusterSpec,
                                                          distributed: list[tuple[str, str]]) -> None:
    assert distributed[:2] == [("node-1", f"loaded {BASE}"), ("node-1", f"pushed {BASE} to {REGISTRY_HOST}")]
    assert sorted(distributed[2:]) == [("node-2", f"pulled {registry_ref(BASE)}"),
                                       ("node-3", f"pulled {registry_ref(BASE)}")]
    for name, cid in node_ids(engine, cluster).items():
        present = run_in_node(engine.api, cid, ["docker", "image", "ls", "--format", "{{.Repository}}:{{.Tag}}"],
                              doing="listing a node's images").split()
        assert registry_ref(BASE) in present, name


@pytest.fixture(scope="module")
def service(engine: DockerRuntime, cluster: ClusterSpec, distributed: list[tuple[str, str]]) -> str:
    engine.create_cluster_service(cluster.name, "web", registry_ref(BASE), replicas=REPLICAS,
                                  command=["sleep", "infinity"])
    return "web"


def running_per_node(engine: DockerRuntime, cluster: ClusterSpec) -> collections.Counter[str]:
    return collections.Counter(t.node for t in engine.cluster_tasks(cluster.name) if t.state == "running")


def test_a_replicated_service_spreads_over_the_nodes(engine: DockerRuntime, cluster: ClusterSpec,
                                                     service: str) -> None:
    def spread() -> bool:
        return running_per_node(engine, cluster) == {"node-1": 2, "node-2": 2, "node-3": 2}

    assert wait_for(spread, timeout=90, every=0.5), engine.cluster_tasks(cluster.name)
    assert [t.name for t in engine.cluster_tasks(cluster.name)] == [f"web-{i}" for i in range(1, REPLICAS + 1)]


def test_the_cluster_as_one_engine_finds_every_replica_on_the_node_that_holds_it(
        engine: DockerRuntime, cluster: ClusterSpec, service: str) -> None:
    on = engine.cluster_engine(cluster.name)
    try:
        def listed() -> list[tuple[str, str]]:
            found = on.replicas({"com.docker.swarm.service.name": service})
            return [(on.node_of(r.id), r.label) for r in found if r.state == "running"]

        assert wait_for(lambda: len(listed()) == REPLICAS, timeout=90, every=0.5), listed()
        truth = {(t.node, t.name) for t in engine.cluster_tasks(cluster.name)}
        assert set(listed()) == truth
    finally:
        on.close()


def test_a_lost_node_s_tasks_come_back_on_the_others(engine: DockerRuntime, cluster: ClusterSpec,
                                                     service: str) -> None:
    assert wait_for(lambda: sum(running_per_node(engine, cluster).values()) == REPLICAS, timeout=90, every=0.5)
    engine.stop_node(cluster.name, "node-3")

    def recovered() -> bool:
        per_node = running_per_node(engine, cluster)
        return "node-3" not in per_node and sum(per_node.values()) == REPLICAS

    assert wait_for(recovered, timeout=90, every=0.5), engine.cluster_tasks(cluster.name)
    assert {n.name: (n.running, n.status) for n in engine.cluster_nodes(cluster.name)}["node-3"] == (False, "down")
    engine.start_node(cluster.name, "node-3")

    def rejoined() -> bool:
        return {n.name: n.status for n in engine.cluster_nodes(cluster.name)}["node-3"] == "ready"

    assert wait_for(rejoined, timeout=60, every=0.5), engine.cluster_nodes(cluster.name)


def test_a_cluster_without_a_registry_loads_images_and_its_teardown_leaves_nothing(
        engine: DockerRuntime, owner: Session) -> None:
    spec = ClusterSpec(f"envlab-{owner.id}-pair", owner.labels(lesson="engine-cluster"),
                       (NodeSpec("node-1", node_image(), "manager"), NodeSpec("node-2", node_image())))
    list(engine.start_cluster(spec))
    try:
        assert sorted(s.node for s in engine.distribute_image(spec.name, BASE)) == ["node-1", "node-2"]
        kinds = sorted(r.kind for r in engine.list_resources({CLUSTER: spec.name}))
        assert kinds == ["container", "container", "network", "volume", "volume"]
    finally:
        engine.remove_cluster(spec.name)
    assert engine.list_resources({CLUSTER: spec.name}) == []
    assert not engines_folder(spec.name).exists()
    client = engine.client
    assert not client.containers.list(all=True, filters={"name": spec.name})
    assert not client.networks.list(names=[spec.name])
    assert not [v for v in client.volumes.list() if v.name.startswith(spec.name)]
