"""The fake runtime's clusters behave as the Docker ones do where a run will lean on them: the same steps,
images through the registry, tasks spread over nodes, a lost node's tasks started elsewhere, a teardown
(and the sweep) by label; and the images a cluster needs are declared like every other image."""

from __future__ import annotations

import pytest

from envlab.engine.images import NODE_PACKAGES, cluster_needs, node_image, registry_image
from envlab.errors import EnvlabError, ImageMissing
from envlab.runtime.cleanup import sweep_dead_sessions
from envlab.runtime.contract import REGISTRY_HOST, ClusterSpec, NodeSpec, registry_ref, wait_for
from envlab.runtime.fake import FakeRuntime
from envlab.runtime.labels import CLUSTER, KIND, Session

NODE = node_image()
REGISTRY = registry_image()
APP = "envlab-svc/web:abc"


def cluster(session: Session, *, registry: bool = True, workers: int = 2) -> ClusterSpec:
    nodes = (NodeSpec("node-1", NODE, "manager"), *(NodeSpec(f"node-{i}", NODE) for i in range(2, workers + 2)))
    return ClusterSpec(f"envlab-{session.id}-shop", session.labels(lesson="shop"), nodes,
                       REGISTRY if registry else None)


@pytest.fixture
def fake() -> FakeRuntime:
    return FakeRuntime(images={NODE, REGISTRY, APP})


@pytest.fixture
def session(fake: FakeRuntime) -> Session:
    mine = Session()
    fake.hold_lease(mine)
    return mine


def started(fake: FakeRuntime, spec: ClusterSpec) -> list[tuple[str, str]]:
    return [(step.node, step.what) for step in fake.start_cluster(spec)]


def test_a_cluster_starts_in_the_steps_a_learner_watches(fake: FakeRuntime, session: Session) -> None:
    spec = cluster(session)
    assert started(fake, spec) == [
        ("", "3 nodes started"), ("registry", "answers"), ("node-1", "answers"), ("node-2", "answers"),
        ("node-3", "answers"), ("node-1", "initialized the swarm"), ("node-2", "joined the swarm as a worker"),
        ("node-3", "joined the swarm as a worker"), ("", "every node is ready in the swarm"),
        ("", "the cluster is ready"),
    ]
    nodes = fake.cluster_nodes(spec.name)
    assert [(n.name, n.role, n.running, n.status, n.leader) for n in nodes] == [
        ("node-1", "manager", True, "ready", True), ("node-2", "worker", True, "ready", False),
        ("node-3", "worker", True, "ready", False)]
    kinds = sorted((r.kind, r.labels.get(KIND, "")) for r in fake.list_resources({CLUSTER: spec.name}))
    assert kinds == [("container", "node")] * 3 + [("container", "registry"), ("network", ""),
                                                   ("volume", "node"), ("volume", "node"), ("volume", "node")]


def test_nothing_starts_without_a_manager_or_its_images(fake: FakeRuntime, session: Session) -> None:
    workers_only = ClusterSpec("c", session.labels(), (NodeSpec("node-1", NODE),))
    with pytest.raises(EnvlabError, match="no manager"):
        started(fake, workers_only)
    fake.images.discard(REGISTRY)
    with pytest.raises(ImageMissing, match="envlab-registry"):
        started(fake, cluster(session))
    assert fake.list_resources({CLUSTER: "c"}) == []


def test_an_abandoned_start_leaves_nothing(fake: FakeRuntime, session: Session) -> None:
    spec = cluster(session)
    steps = fake.start_cluster(spec)
    next(steps)
    steps.close()
    assert fake.list_resources({CLUSTER: spec.name}) == []


def test_an_image_goes_through_the_registry_and_services_spread(fake: FakeRuntime, session: Session) -> None:
    spec = cluster(session)
    started(fake, spec)
    steps = [(s.node, s.what) for s in fake.distribute_image(spec.name, APP)]
    assert steps == [("node-1", f"loaded {APP}"), ("node-1", f"pushed {APP} to {REGISTRY_HOST}"),
                     ("node-2", f"pulled {registry_ref(APP)}"), ("node-3", f"pulled {registry_ref(APP)}")]
    fake.create_cluster_service(spec.name, "web", registry_ref(APP), replicas=6)
    tasks = fake.cluster_tasks(spec.name)
    assert [t.name for t in tasks] == [f"web-{i}" for i in range(1, 7)]
    assert sorted(t.node for t in tasks) == ["node-1", "node-1", "node-2", "node-2", "node-3", "node-3"]
    with pytest.raises(EnvlabError, match="already exists"):
        fake.create_cluster_service(spec.name, "web", registry_ref(APP), replicas=1)


def test_without_a_registry_the_image_is_loaded_into_every_node(fake: FakeRuntime, session: Session) -> None:
    spec = cluster(session, registry=False)
    started(fake, spec)
    assert [(s.node, s.what) for s in fake.distribute_image(spec.name, APP)] == [
        ("node-1", f"loaded {APP}"), ("node-2", f"loaded {APP}"), ("node-3", f"loaded {APP}")]
    with pytest.raises(EnvlabError, match="can pull"):
        fake.create_cluster_service(spec.name, "web", registry_ref(APP), replicas=2)
    with pytest.raises(ImageMissing):
        list(fake.distribute_image(spec.name, "absent:1"))


def test_a_stopped_node_is_down_and_its_tasks_run_on_the_others(fake: FakeRuntime, session: Session) -> None:
    spec = cluster(session)
    started(fake, spec)
    list(fake.distribute_image(spec.name, APP))
    fake.create_cluster_service(spec.name, "web", registry_ref(APP), replicas=6)
    fake.stop_node(spec.name, "node-3")

    def moved() -> bool:
        return all(t.node != "node-3" for t in fake.cluster_tasks(spec.name))

    assert wait_for(moved, timeout=5, every=0.01), fake.cluster_tasks(spec.name)
    assert len(fake.cluster_tasks(spec.name)) == 6
    assert {n.name: (n.running, n.status) for n in fake.cluster_nodes(spec.name)}["node-3"] == (False, "down")
    fake.start_node(spec.name, "node-3")

    def back() -> bool:
        return {n.name: n.status for n in fake.cluster_nodes(spec.name)}["node-3"] == "ready"

    assert wait_for(back, timeout=5, every=0.01)
    assert all(t.node != "node-3" for t in fake.cluster_tasks(spec.name)), "Swarm does not rebalance"


def test_without_a_running_manager_the_swarm_cannot_be_asked(fake: FakeRuntime, session: Session) -> None:
    spec = cluster(session)
    started(fake, spec)
    fake.stop_node(spec.name, "node-1")
    with pytest.raises(EnvlabError, match="no manager"):
        fake.cluster_tasks(spec.name)
    assert {n.status for n in fake.cluster_nodes(spec.name)} == {""}


def test_teardown_and_the_sweep_remove_a_cluster_by_label(fake: FakeRuntime, session: Session) -> None:
    spec = cluster(session)
    started(fake, spec)
    fake.remove_cluster(spec.name)
    assert fake.list_resources({CLUSTER: spec.name}) == []
    started(fake, spec)
    fake.release_lease(session)  # its process died
    sweep_dead_sessions(fake, Session())
    assert fake.list_resources({CLUSTER: spec.name}) == []


def test_a_cluster_needs_its_bases_node_images_and_a_registry() -> None:
    needs = cluster_needs(["debian:bookworm-slim", "debian:trixie-slim", "debian:bookworm-slim"], registry=True,
                          lessons=("servers",))
    assert [(n.tag, n.kind, n.base) for n in needs] == [
        ("debian:bookworm-slim", "base", ""), ("debian:trixie-slim", "base", ""),
        (node_image("debian:bookworm-slim"), "host", "debian:bookworm-slim"),
        (node_image("debian:trixie-slim"), "host", "debian:trixie-slim"),
        (registry_image("debian:bookworm-slim"), "host", "debian:bookworm-slim")]
    node = needs[2]
    assert node.packages == NODE_PACKAGES and node.dockerfile is not None
    assert "rdepends" in node.dockerfile and "tini" in node.dockerfile and "command -v dockerd" in node.dockerfile
    registry = needs[-1].dockerfile or ""
    assert "docker-registry" in registry and "auth" not in registry and "USER docker-registry" in registry
    assert {n.lessons for n in needs} == {("servers",)}
    assert [n.kind for n in cluster_needs(["debian:bookworm-slim"], registry=False)] == ["base", "host"]
