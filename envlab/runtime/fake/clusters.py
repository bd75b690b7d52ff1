"""Clusters in memory: nodes are fake containers on a fake network, each with a volume, and the swarm
between them is a small model of Swarm's.

The swarm spreads a service's tasks over the ready nodes that can get its image (the fewest tasks first),
marks a stopped node down ``REACT_DELAY`` after it stopped and starts its tasks on the others then, and a
node started again is ready after the same delay, without taking tasks back (Swarm does not rebalance).
Images move as on Docker: loaded into a node, or pushed by one node to the registry and pulled by the
others. Not modelled: placement constraints, resource limits, several managers' quorum.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from envlab.errors import EnvlabError, ImageMissing
from envlab.runtime.contract import (
    PREPARE_HINT,
    REGISTRY_HOST,
    ClusterEngine,
    ClusterNode,
    ClusterSpec,
    ClusterStep,
    ClusterTask,
    ConsoleSpec,
    ContainerSpec,
    Resource,
    check_cluster,
    registry_ref,
)
from envlab.runtime.fake.state import REACT_DELAY, FakeState
from envlab.runtime.labels import CLUSTER, KIND, NODE, NODE_KIND, REGISTRY_KIND, ROLE


@dataclass
class FakeCluster:
    """What one cluster's swarm and registry hold.

    Attributes:
        spec: How it was started.
        down: The nodes the swarm lists as down.
        drained: The nodes taken out of service (``drain_node``): they take no tasks.
        images: The images each node has, by node.
        registry: The images pushed to its registry.
        tasks: Each service's tasks: the node of each slot (1-based), in slot order.
        images_of: Each service's image.
    """

    spec: ClusterSpec
    down: set[str] = field(default_factory=set)
    drained: set[str] = field(default_factory=set)
    images: dict[str, set[str]] = field(default_factory=dict)
    registry: set[str] = field(default_factory=set)
    tasks: dict[str, list[str]] = field(default_factory=dict)
    images_of: dict[str, str] = field(default_factory=dict)
    engine: Any = None  # the FakeClusterEngine a scenario deploys onto, once asked for


class ClusterOps(FakeState):
    """The :class:`~envlab.runtime.contract.Clusters` part of :class:`~envlab.runtime.fake.FakeRuntime`."""

    if TYPE_CHECKING:
        def image_present(self, ref: str) -> bool: ...
        def list_resources(self, labels: dict[str, str] | None = None) -> list[Resource]: ...
        def remove(self, resource: Resource) -> None: ...

    def start_cluster(self, spec: ClusterSpec) -> Iterator[ClusterStep]:
        """The same steps as on Docker, each at once."""
        check_cluster(spec, self.image_present)
        try:
            yield from self._start(spec)
        except BaseException:
            self.remove_cluster(spec.name)
            raise

    def _start(self, spec: ClusterSpec) -> Iterator[ClusterStep]:
        labels = {**spec.labels, CLUSTER: spec.name}
        with self._lock:
            self.networks[spec.name] = dict(labels)
            if spec.registry:
                self._create(ContainerSpec(f"{spec.name}-registry", spec.registry, {**labels, KIND: REGISTRY_KIND},
                                           "registry", network=spec.name, aliases=["registry"]))
            for node in spec.nodes:
                own = {**labels, NODE: node.name, ROLE: node.role, KIND: NODE_KIND}
                self.volumes[f"{spec.name}-{node.name}-data"] = own
                self._create(ContainerSpec(f"{spec.name}-{node.name}", node.image, own, node.name, network=spec.name))
            self.clusters[spec.name] = FakeCluster(spec, images={n.name: set() for n in spec.nodes})
        yield ClusterStep.of("", "started", 0.0, n=str(len(spec.nodes)))
        for name in [*(["registry"] if spec.registry else []), *(n.name for n in spec.nodes)]:
            yield ClusterStep.of(name, "answers", 0.0)
        managers = [n for n in spec.nodes if n.role == "manager"]
        yield ClusterStep.of(managers[0].name, "initialized", 0.0)
        for node in [*managers[1:], *(n for n in spec.nodes if n.role != "manager")]:
            yield ClusterStep.of(node.name, "joined", 0.0, role=node.role)
        yield ClusterStep.of("", "nodes_ready", 0.0)
        yield ClusterStep.of("", "ready", 0.0)

    def distribute_image(self, cluster: str, ref: str) -> Iterator[ClusterStep]:
        """Loaded into a manager, pushed and pulled with a registry; loaded into each node without one."""
        if not self.image_present(ref):
            raise ImageMissing(f"image {ref} is not on this engine", hint=PREPARE_HINT)
        with self._lock:
            record = self._cluster(cluster)
            nodes = [n.name for n in record.spec.nodes if self._node_up(cluster, n.name)]
            if not nodes:
                raise EnvlabError(f"cluster {cluster} has no running node")
            steps: list[ClusterStep] = []
            if record.spec.registry is None:
                for name in nodes:
                    record.images[name].add(ref)
                    steps.append(ClusterStep.of(name, "loaded", 0.0, ref=ref))
            else:
                first = next((n.name for n in record.spec.nodes if n.role == "manager" and n.name in nodes), nodes[0])
                record.images[first] |= {ref, registry_ref(ref)}
                record.registry.add(registry_ref(ref))
                steps += [ClusterStep.of(first, "loaded", 0.0, ref=ref),
                          ClusterStep.of(first, "pushed", 0.0, ref=ref, registry=REGISTRY_HOST)]
                for name in nodes:
                    if name != first:
                        record.images[name].add(registry_ref(ref))
                        steps.append(ClusterStep.of(name, "pulled", 0.0, ref=registry_ref(ref)))
        yield from steps

    def create_cluster_service(self, cluster: str, name: str, image: str, *, replicas: int,
                               command: list[str] | None = None) -> None:
        """Spread ``replicas`` tasks over the ready nodes that have ``image`` or can pull it."""
        with self._lock:
            record = self._cluster(cluster)
            self._manager(cluster)
            if name in record.tasks:
                raise EnvlabError(f"service {name} already exists on cluster {cluster}")
            record.images_of[name] = image
            record.tasks[name] = []
            for _ in range(replicas):
                record.tasks[name].append(self._place(record, name))

    def cluster_nodes(self, cluster: str) -> list[ClusterNode]:
        with self._lock:
            record = self._cluster(cluster)
            leader = next(n.name for n in record.spec.nodes if n.role == "manager")
            answers = self._node_up(cluster, leader)
            return [ClusterNode(n.name, n.role, self._node_up(cluster, n.name),
                                ("down" if n.name in record.down else "ready") if answers else "",
                                answers and n.name == leader,
                                ("drain" if n.name in record.drained else "active") if answers else "")
                    for n in record.spec.nodes]

    def cluster_tasks(self, cluster: str) -> list[ClusterTask]:
        with self._lock:
            record = self._cluster(cluster)
            self._manager(cluster)
            return [ClusterTask(service, f"{service}-{slot}", node, "running")
                    for service in sorted(record.tasks) for slot, node in enumerate(record.tasks[service], 1)]

    def stop_node(self, cluster: str, node: str) -> None:
        """The node's container exits, and the plain containers on it; the swarm notices ``REACT_DELAY`` later."""
        with self._lock:
            cid = self._node(cluster, node)
            if self.containers[cid].state == "running":
                self._exit(cid, 137)
            self._later(REACT_DELAY, functools.partial(self._node_lost, cluster, node))
            engine = self._cluster(cluster).engine
        if engine is not None:
            engine.node_powered(node, on=False)

    def start_node(self, cluster: str, node: str) -> None:
        with self._lock:
            cid = self._node(cluster, node)
            if self.containers[cid].state != "running":
                self._boot(cid)
            self._later(REACT_DELAY, functools.partial(self._node_back, cluster, node))
            engine = self._cluster(cluster).engine
        if engine is not None:
            engine.node_powered(node, on=True)

    def drain_node(self, cluster: str, node: str) -> None:
        """The node takes no tasks; the swarm moves its tasks ``REACT_DELAY`` later."""
        with self._lock:
            self._node(cluster, node)
            self._later(REACT_DELAY, functools.partial(self._node_drained, cluster, node))

    def start_console(self, spec: ConsoleSpec) -> str:
        """The workstation as a fake container of the cluster (the filter is not modelled)."""
        for image in (spec.workstation, spec.filter):
            if not self.image_present(image):
                raise ImageMissing(f"image {image} is not on this engine", hint=PREPARE_HINT)
        with self._lock:
            for server in spec.servers:
                self._node(spec.cluster, server)
            labels = {**spec.labels, CLUSTER: spec.cluster, KIND: "console"}
            return self._create(ContainerSpec(f"{spec.cluster}-console", spec.workstation, labels, "console",
                                              command=["sleep", "infinity"]))

    def cluster_engine(self, cluster: str) -> ClusterEngine:
        """A :class:`~envlab.runtime.fake.FakeClusterEngine` of the cluster (one per cluster, kept with it)."""
        from envlab.runtime.fake import FakeClusterEngine, FakeRuntime

        with self._lock:
            record = self._cluster(cluster)
            if record.engine is None:
                assert isinstance(self, FakeRuntime)
                record.engine = FakeClusterEngine(self, cluster)
            engine: ClusterEngine = record.engine
            return engine

    def remove_cluster(self, cluster: str) -> None:
        for resource in sorted(self.list_resources({CLUSTER: cluster}), key=lambda r: r.kind != "container"):
            self.remove(resource)
        with self._lock:
            self.clusters.pop(cluster, None)

    # the swarm (under the lock) --------------------------------------------------------------
    def _node_lost(self, cluster: str, node: str) -> None:
        record = self.clusters.get(cluster)
        if record is None or self._node_up(cluster, node):
            return
        record.down.add(node)
        self._move_tasks(record, node)

    def _node_drained(self, cluster: str, node: str) -> None:
        record = self.clusters.get(cluster)
        if record is None:
            return
        record.drained.add(node)  # no task goes there again while it is drained
        self._move_tasks(record, node)

    def _move_tasks(self, record: FakeCluster, node: str) -> None:
        """Each of the node's tasks goes to another node (it is down or drained: it takes none)."""
        for service, nodes in record.tasks.items():
            for slot, placed in enumerate(nodes):
                if placed == node:
                    nodes[slot] = self._place(record, service)

    def _node_back(self, cluster: str, node: str) -> None:
        record = self.clusters.get(cluster)
        if record is not None and self._node_up(cluster, node):
            record.down.discard(node)

    def _place(self, record: FakeCluster, service: str) -> str:
        """The ready node with the fewest tasks that can get the service's image."""
        image = record.images_of[service]
        able = [n.name for n in record.spec.nodes if n.name not in record.down and n.name not in record.drained
                and self._node_up(record.spec.name, n.name)
                and (image in record.images[n.name] or image in record.registry)]
        if not able:
            raise EnvlabError(f"no ready node of cluster {record.spec.name} has or can pull {image}")
        load = {name: sum(nodes.count(name) for nodes in record.tasks.values()) for name in able}
        return min(able, key=lambda name: load[name])

    def _cluster(self, cluster: str) -> FakeCluster:
        record = self.clusters.get(cluster)
        if record is None:
            raise EnvlabError(f"no cluster {cluster}")
        return record

    def _node(self, cluster: str, node: str) -> str:
        for cid, box in self.containers.items():
            labels = box.spec.labels
            if labels.get(CLUSTER) == cluster and labels.get(KIND) == NODE_KIND and labels.get(NODE) == node:
                return cid
        raise EnvlabError(f"cluster {cluster} has no node {node}")

    def _node_up(self, cluster: str, node: str) -> bool:
        try:
            return self.containers[self._node(cluster, node)].state == "running"
        except EnvlabError:
            return False

    def _manager(self, cluster: str) -> str:
        record = self._cluster(cluster)
        for node in record.spec.nodes:
            if node.role == "manager" and self._node_up(cluster, node.name):
                return node.name
        raise EnvlabError(f"no manager of cluster {cluster} is running",
                          hint="a swarm without a running manager cannot be asked or changed")
