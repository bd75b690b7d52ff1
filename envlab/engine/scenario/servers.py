"""A scenario lesson's own servers during a run: started as a cluster, images carried to them, who runs where,
a server powered off or drained, and the learner's console on them.

:class:`~envlab.engine.scenario.topology.Deployment` deploys onto :attr:`Servers.engine` instead of the engine
itself when the lesson declares ``topology.servers``; everything else it does is the same.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from envlab.engine.events import Event
from envlab.engine.images import console_image, node_image, registry_image, server_base
from envlab.engine.scenario.events import ClusterStepped, ConsoleReady, ServersSeen
from envlab.engine.scenario.live import slot_order
from envlab.engine.wording import Words
from envlab.lessons.scenario import Topology
from envlab.runtime.contract import (
    CONTAINER_ABILITIES,
    ClusterEngine,
    ClusterNode,
    ClusterSpec,
    ClusterStep,
    ConsoleSpec,
    NodeSpec,
    Replica,
    Runtime,
    registry_ref,
)
from envlab.runtime.labels import Session

Emit = Callable[[Event], None]


@dataclass
class Servers:
    """A lesson's servers while a run uses them.

    Attributes:
        runtime: The engine the servers run on.
        cluster: Their cluster's name.
        engine: The cluster as one engine, which the services are deployed onto.
        registry: Whether images travel through the cluster's registry.
        console: The learner's console's container ("" when the lesson has none).
    """

    runtime: Runtime
    cluster: str
    engine: ClusterEngine
    registry: bool
    console: str = ""

    def carry(self, ref: str, emit: Emit) -> str:
        """Make the engine's image ``ref`` present on every running server, each step shown; return the name
        the servers know it by."""
        for step in self.runtime.distribute_image(self.cluster, ref):
            emit(stepped(step))
        return registry_ref(ref) if self.registry else ref

    def fault(self, server: str, action: str, running: list[Replica]) -> list[Replica]:
        """Power ``server`` off or on, or drain it; return those of ``running`` it held (what the swarm must move;
        a server powered on holds nothing yet)."""
        if action == "power-on":
            self.runtime.start_node(self.cluster, server)
            return []
        held = [replica for replica in running if self.engine.node_of(replica.id) == server]
        if action == "power-off":
            self.runtime.stop_node(self.cluster, server)
        else:
            self.runtime.drain_node(self.cluster, server)
        return held

    def seen(self, replicas: list[Replica]) -> ServersSeen:
        """Each server's state in the swarm and those of ``replicas`` running on it."""
        on: dict[str, list[str]] = {}
        for replica in replicas:
            if replica.state == "running":
                on.setdefault(self.engine.node_of(replica.id), []).append(replica.label or replica.service)
        return ServersSeen(tuple((node.name, server_state(node), tuple(sorted(on.get(node.name, []), key=slot_order)))
                                 for node in self.runtime.cluster_nodes(self.cluster)))

    def placement(self, replicas: list[Replica]) -> dict[str, dict[str, int]]:
        """How many of ``replicas`` are ready on each server, per service."""
        counts: dict[str, dict[str, int]] = {}
        for replica in replicas:
            if replica.ready:
                on = counts.setdefault(self.engine.node_of(replica.id), {})
                on[replica.service] = on.get(replica.service, 0) + 1
        return counts

    def close(self) -> None:
        """Let go of the servers' engines (the servers themselves go with the run's teardown)."""
        self.engine.close()


def start_servers(runtime: Runtime, topology: Topology, session: Session, lesson: str, emit: Emit) -> Servers:
    """Start ``topology``'s servers as a cluster (and the learner's console on them, when it has one), each
    step shown as it ends. The first manager publishes the balancer's port: the balancer runs there."""
    name = cluster_name(session, lesson)
    labels = session.labels(lesson=lesson)
    front = (topology.balancer.port,) if topology.balancer is not None else ()
    nodes = tuple(NodeSpec(server.name, node_image(server_base(server.debian)), server.role, dict(server.labels),
                           ports=front if server.role == "manager" else ()) for server in topology.servers)
    base = server_base(topology.servers[0].debian)  # where the registry and the console's filter run from
    spec = ClusterSpec(name, labels, nodes, registry_image(base) if topology.registry else None)
    for step in runtime.start_cluster(spec):
        emit(stepped(step))
    servers = Servers(runtime, name, runtime.cluster_engine(name), topology.registry)
    if topology.console:
        manager = next(server for server in topology.servers if server.role == "manager")
        abilities = ("read", *(a for a in topology.console if a != "read"))
        # a plain container is on one server: a console that may look after them reaches every server
        looks_after = bool(set(abilities) & set(CONTAINER_ABILITIES))
        others = tuple(server.name for server in topology.servers if server is not manager) if looks_after else ()
        servers.console = runtime.start_console(ConsoleSpec(
            name, manager.name, abilities, node_image(server_base(manager.debian)), console_image(base), labels,
            others))
        emit(ConsoleReady(servers.console, abilities))
    return servers


def cluster_name(session: Session, lesson: str) -> str:
    """The engine-wide name of the cluster a run of ``lesson`` starts for its servers."""
    return f"envlab-{session.id}-{lesson}-cluster"


def server_state(node: ClusterNode) -> str:
    """A server's state as a learner needs it: the swarm's word, ``drained`` when it takes no tasks, or whether
    its machine runs when no manager answers."""
    if node.status == "ready" and node.availability == "drain":
        return "drained"
    return node.status or ("running" if node.running else "off")


def stepped(step: ClusterStep) -> ClusterStepped:
    """A cluster step as the event a face shows."""
    return ClusterStepped(step.node, cluster_words(step), round(step.seconds, 2))


def cluster_words(step: ClusterStep) -> Words:
    """A cluster step's few words (``joined the swarm as a worker``), to be said in the learner's language."""
    return Words(f"cluster.{step.kind}", **dict(step.values))
