"""An in-memory runtime for UI and engine unit tests: drift setups, plain replicas and an orchestrator.

Every protocol of :mod:`envlab.runtime.contract` is modelled on what Docker does, mostly faster: a health
check passes ``HEALTH_DELAY`` after a start (or once the app's ``WARMUP_SECONDS`` are over) and fails after
its real ``interval × retries`` once the app is frozen; the orchestrator and restart policies react
``REACT_DELAY`` after an exit; a rolling update replaces one batch of tasks at a time on a thread of its own
and pauses or rolls back when a new task fails (the shop exits at start when ``REQUIRE_SETTING`` is set
without ``REQUIRED_SETTING``). Published ports are real HTTP servers on 127.0.0.1 that play the lesson's
balancer and shop (:mod:`envlab.runtime.fake.http`). Lesson proofs never use it: a lesson is proven
only on a real engine.

The package is split as :mod:`envlab.runtime.docker` is: :mod:`~envlab.runtime.fake.state` holds the
records, the lock, the events fan-out and the life of a container; :mod:`~envlab.runtime.fake.containers`
and :mod:`~envlab.runtime.fake.services` are the two halves of the contract, combined here.

Not modelled: resource limits, which networks can reach which, the shop's ``DRAIN_SECONDS`` and an
update's ``delay``; a stop is immediate whatever its grace period.
"""

from __future__ import annotations

from dataclasses import dataclass

from envlab.runtime.contract import Reservation, ServiceSpec
from envlab.runtime.fake.clusters import ClusterOps, FakeCluster
from envlab.runtime.fake.containers import ContainerOps
from envlab.runtime.fake.services import ServiceOps
from envlab.runtime.fake.state import (
    HEALTH_DELAY,
    HISTORY,
    REACT_DELAY,
    ROLL_TIMEOUT,
    SERVICE_ID,
    TASK_NAME,
    FakeContainer,
    FakeService,
    Subscriber,
)
from envlab.runtime.fake.transfer import TransferOps
from envlab.runtime.labels import KIND, LESSON, ROOM, ROOM_MEMORY, SESSION, Session

__all__ = [
    "HEALTH_DELAY",
    "HISTORY",
    "REACT_DELAY",
    "ROLL_TIMEOUT",
    "SERVICE_ID",
    "TASK_NAME",
    "FakeCluster",
    "FakeClusterEngine",
    "FakeContainer",
    "FakeRuntime",
    "FakeService",
    "Subscriber",
]


@dataclass
class FakeRuntime(ContainerOps, TransferOps, ServiceOps, ClusterOps):
    """A whole runtime in memory; commands run inside containers answer from a script.

    Its fields (``script``, ``images``, ``commands``, ``containers``, ``networks``, ``volumes``, ``built``,
    ``block``, ``services``, ``swarm``, ``leases``, ``clusters``) are described on
    :class:`~envlab.runtime.fake.state.FakeState`.
    """

    def hold_lease(self, session: Session) -> bool:
        """A session's lease is a name in :attr:`leases`, with a count of its holds."""
        with self._lock:
            self.leases.add(session.id)
            self._holds[session.id] = self._holds.get(session.id, 0) + 1
        return True

    def release_lease(self, session: Session) -> None:
        with self._lock:
            holds = self._holds.get(session.id, 0) - 1
            if holds > 0:
                self._holds[session.id] = holds
                return
            self._holds.pop(session.id, None)
            self.leases.discard(session.id)

    def live_sessions(self) -> set[str]:
        with self._lock:
            return set(self.leases)

    def reserve_room(self, session: Session, lesson: str, memory: int) -> Reservation:
        """A claim is a volume in :attr:`volumes`; claims queue in the order they were made."""
        with self._lock:
            name = f"envlab-{session.id}-{lesson}-room-{next(self._ids)}"
            self.volumes[name] = {**session.labels(lesson=lesson), KIND: ROOM, ROOM_MEMORY: str(memory)}
            return self._claim(name)

    def reservations(self) -> list[Reservation]:
        with self._lock:
            return [self._claim(name) for name, labels in self.volumes.items() if labels.get(KIND) == ROOM]

    def _claim(self, name: str) -> Reservation:
        labels = self.volumes[name]
        order = f"{list(self.volumes).index(name):09d}"
        return Reservation(name, labels[SESSION], labels[LESSON], int(labels[ROOM_MEMORY]), (order, name))


class FakeClusterEngine(FakeRuntime):
    """A cluster's nodes as the one engine a scenario deploys onto: an orchestrator of its own in memory, whose
    images are those the cluster's nodes hold (what :meth:`FakeRuntime.distribute_image` carried to them).
    Its replicas are said to run on the cluster's first node, a plain one placed on a node on that node."""

    def __init__(self, host: FakeRuntime, cluster: str) -> None:
        super().__init__(swarm="active")
        self._host, self._of_cluster = host, cluster
        self._placed: dict[str, str] = {}  # plain replica -> the node its spec placed it on

    def image_present(self, ref: str) -> bool:
        record = self._host.clusters.get(self._of_cluster)
        return record is not None and any(ref in held for held in record.images.values())

    def run_replica(self, spec: ServiceSpec, index: int, *, name: str | None = None) -> str:
        """A plain replica, on the node its spec places it on (else on the cluster's first node)."""
        container = super().run_replica(spec, index, name=name)
        if spec.server_of(index):
            self._placed[container] = spec.server_of(index)
        return container

    def node_powered(self, node: str, *, on: bool) -> None:
        """Its node lost power (its plain replicas exit with it) or runs again (its engine starts those whose
        restart policy says so; the others stay exited until someone starts them)."""
        with self._lock:
            for container, placed in self._placed.items():
                box = self.containers.get(container)
                if placed != node or box is None:
                    continue
                if not on and box.state == "running":
                    self._exit(container, 137)
                elif on and box.state == "exited" and box.spec.restart.split(":", 1)[0] in ("always", "unless-stopped"):
                    self._boot(container)

    def node_of(self, container: str) -> str:
        record = self._host.clusters.get(self._of_cluster)
        if container in self._placed:
            return self._placed[container]
        return record.spec.nodes[0].name if record is not None else ""

    def close(self) -> None:
        """Nothing to let go of: the cluster's services and replicas end with the cluster."""
