"""A started cluster as one engine for a scenario's services (:class:`~envlab.runtime.contract.ClusterEngine`).

envlab talks to each node's engine through its socket in the host's folder of engine sockets
(:func:`~envlab.runtime.docker.nodes.engines_folder`) with the same code that talks to the host's engine:
services and networks on a running manager; replicas listed on every running node, each hit on the node that
holds it; events merged from every node running when they were asked for; a published port reached on
the host's loopback through the node's own (:attr:`~envlab.runtime.contract.NodeSpec.ports`). A node
that is down is left out rather than failing the whole picture: that is what a server that died looks like.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import docker

from envlab.errors import EnvlabError
from envlab.runtime.contract import Health, Replica, ServiceSpec, Update
from envlab.runtime.docker.containers import ContainerOps
from envlab.runtime.docker.errors import translating
from envlab.runtime.docker.nodes import node_socket
from envlab.runtime.docker.services import ServiceOps

if TYPE_CHECKING:
    from envlab.runtime.docker.clusters import ClusterOps

#: Seconds one call to a node's engine may take: a node that stops mid-call must not hold a run up.
NODE_TIMEOUT = 20


class NodeRuntime(ContainerOps, ServiceOps):
    """One node's engine, spoken to like the host's; a port is published on the same port of the node."""

    on_node = True


class NodesEngine:
    """The cluster named ``cluster`` of the host runtime ``host``, as one engine."""

    def __init__(self, host: ClusterOps, cluster: str) -> None:
        self._host = host
        self.cluster = cluster
        self._engines: dict[str, NodeRuntime] = {}
        self._owners: dict[str, str] = {}  # container id -> node name
        self._lock = threading.Lock()

    # the nodes -------------------------------------------------------------------------------
    def _running(self) -> list[tuple[str, str]]:
        """``(name, role)`` of every node whose container runs, in the order they were started."""
        return [(n.name, n.role) for n in self._host.running_nodes(self.cluster)]

    def _engine(self, node: str) -> NodeRuntime:
        with self._lock:
            engine = self._engines.get(node)
            if engine is None:
                client = docker.DockerClient(base_url=node_socket(self.cluster, node), timeout=NODE_TIMEOUT)
                engine = self._engines[node] = NodeRuntime(client)
            return engine

    def _manager(self) -> NodeRuntime:
        for name, role in self._running():
            if role == "manager":
                return self._engine(name)
        raise EnvlabError(f"no manager of cluster {self.cluster} is running",
                          hint="a swarm without a running manager cannot be asked or changed")

    def _owner(self, container: str) -> tuple[str, NodeRuntime]:
        """The node holding ``container`` (asked of each running node the first time)."""
        known = self._owners.get(container)
        if known is not None:
            return known, self._engine(known)
        for name, _role in self._running():
            engine = self._engine(name)
            with contextlib.suppress(EnvlabError), translating(f"asking node {name} for a container"):
                if engine.api.containers(all=True, filters={"id": container}):
                    self._owners[container] = name
                    return name, engine
        raise EnvlabError(f"no running node of cluster {self.cluster} holds container {container[:12]}")

    def node_of(self, container: str) -> str:
        return self._owner(container)[0]

    # the swarm -------------------------------------------------------------------------------
    def ensure_swarm(self) -> bool:
        return False  # the cluster formed its swarm when it started

    def leave_swarm_if_ours(self) -> bool:
        return False  # the swarm goes with the nodes

    def create_network(self, name: str, labels: dict[str, str], *, overlay: bool = False) -> str:
        return self._manager().create_network(name, labels, overlay=True)

    def create_service(self, spec: ServiceSpec) -> str:
        return self._manager().create_service(spec)

    def update_service(self, service: str, *, env: dict[str, str] | None = None, replicas: int | None = None,
                       health: Health | bool | None = True, update: Update | None = None, force: bool = False) -> None:
        self._manager().update_service(service, env=env, replicas=replicas, health=health, update=update, force=force)

    def service_spec(self, service: str) -> dict[str, Any]:
        return self._manager().service_spec(service)

    def update_status(self, service: str) -> str:
        return self._manager().update_status(service)

    def service_env(self, service: str) -> dict[str, str]:
        return self._manager().service_env(service)

    # replicas --------------------------------------------------------------------------------
    def run_replica(self, spec: ServiceSpec, index: int, *, name: str | None = None) -> str:
        """A plain container on the node the spec places replica ``index`` on, else on the first running manager
        (the balancer: it stays put while workers fail)."""
        running = self._running()
        placed = spec.server_of(index)
        node = placed or next((n for n, role in running if role == "manager"), None)
        if node is None:
            raise EnvlabError(f"no manager of cluster {self.cluster} is running")
        if placed and placed not in {n for n, _role in running}:
            raise EnvlabError(f"server {placed} of cluster {self.cluster} is not running",
                              hint=f"{spec.alias}-{index} is placed on it by hand, and nothing places it elsewhere")
        container = self._engine(node).run_replica(spec, index, name=name)
        self._owners[container] = node
        return container

    def published_port(self, container: str, port: int) -> tuple[str, int]:
        node, engine = self._owner(container)
        _any, on_node = engine.published_port(container, port)
        return self._host.node_port(self.cluster, node, on_node)

    def replicas(self, labels: dict[str, str]) -> list[Replica]:
        """Every replica on the nodes that run now; a node that stops while asked is left out."""
        found: list[Replica] = []
        for name, _role in self._running():
            try:
                replicas = self._engine(name).replicas(labels)
            except EnvlabError:
                continue
            for replica in replicas:
                self._owners.setdefault(replica.id, name)
            found += replicas
        return found

    def remove_container(self, container: str, *, stop_grace: float = 10) -> None:
        self._owner(container)[1].remove_container(container, stop_grace=stop_grace)

    def crash(self, container: str) -> None:
        self._owner(container)[1].crash(container)

    def hang(self, container: str) -> None:
        self._owner(container)[1].hang(container)

    def stop(self, container: str, *, timeout: float = 10) -> None:
        self._owner(container)[1].stop(container, timeout=timeout)

    # events ----------------------------------------------------------------------------------
    def container_events(self, labels: dict[str, str], stop: threading.Event) -> Iterator[dict[str, Any]]:
        """Every running node's container events for ``labels``, in the order they arrive, until ``stop``.

        A node's stream that ends (the node died) ends quietly: the others go on.
        """
        arrived: queue.Queue[dict[str, Any]] = queue.Queue()

        def follow(engine: NodeRuntime) -> None:
            # whatever ends one node's stream (its engine gone mid-read included) ends that stream alone
            with contextlib.suppress(Exception):
                for event in engine.container_events(labels, stop):
                    arrived.put(event)

        for name, _role in self._running():
            threading.Thread(target=follow, args=(self._engine(name),), daemon=True,
                             name=f"envlab-events-{name}").start()
        while not stop.is_set():
            try:
                yield arrived.get(timeout=0.2)
            except queue.Empty:
                continue

    def close(self) -> None:
        """Close every connection to a node's engine."""
        with self._lock:
            engines, self._engines = list(self._engines.values()), {}
        for engine in engines:
            with contextlib.suppress(Exception):
                engine.client.close()
