"""The live state of a scenario lesson, folded from its events: replicas, traffic per second, the phase.

The runner reports what the Docker events stream says about each container (:class:`ReplicaChanged`)
and what the traffic generator saw each second (:class:`TrafficSample`). :class:`LiveState` keeps
the picture a learner watches: which replicas of which service are up, how many requests per second
got answered, how many failed, and how many replicas were up over time. Both faces can draw it; it
knows nothing about either.
"""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass, field

from envlab.engine.events import Event
from envlab.engine.scenario.events import (
    AutoscalerDecided,
    ChangeApplied,
    FaultInjected,
    PhaseStarted,
    ReplicaChanged,
    ServerFaulted,
    ServersSeen,
    ServiceStarted,
    TrafficSample,
)

#: The seconds of traffic a live view keeps (a phase is shorter; older seconds scroll out).
HISTORY = 300

#: Docker event → the state a learner reads. Events not listed (exec, attach, rename...) change nothing.
STATES = {
    "create": "starting",
    "start": "running",
    "restart": "running",
    "unpause": "running",
    "healthy": "healthy",
    "unhealthy": "unhealthy",
    "pause": "paused",
    "kill": "stopping",  # a signal was sent: SIGTERM asks, SIGKILL ends it at once; ``die`` follows
    "oom": "dead",
    "die": "dead",
    "stop": "stopped",
    "destroy": "removed",
}
#: States in which a replica can take traffic.
UP = frozenset({"running", "healthy"})
#: States that end a container; a new container in the same slot replaces it.
ENDED = frozenset({"dead", "stopped", "removed"})


@dataclass
class ReplicaView:
    """One slot of a service (``web-2``) and the container that currently fills it.

    Swarm replaces a dead task with a new container in the same slot; a restart policy starts the
    same container again. Either way the slot stays one row, and :attr:`restarts` counts the returns.
    """

    label: str
    service: str
    container: str
    state: str = "starting"
    since: float = 0.0
    restarts: int = 0

    @property
    def up(self) -> bool:
        return self.state in UP


@dataclass
class ServiceView:
    """A service of the topology and how many replicas it should have."""

    name: str
    orchestrator: str
    desired: int
    image: str = ""


@dataclass
class LiveState:
    """What a scenario lesson looks like right now. Feed it every event with :meth:`apply`."""

    phase: str = ""
    phase_index: int = -1
    services: dict[str, ServiceView] = field(default_factory=dict)
    replicas: dict[str, ReplicaView] = field(default_factory=dict)
    seconds: deque[TrafficSample] = field(default_factory=lambda: deque(maxlen=HISTORY))
    requests: int = 0  # this phase, so far
    errors: int = 0
    lost: int = 0
    answered: Counter[str] = field(default_factory=Counter)  # requests per replica, this phase
    last_fault: FaultInjected | None = None
    last_server_fault: ServerFaulted | None = None
    #: Who runs where on the lesson's servers: (server, its state in the swarm, the replicas on it).
    servers: tuple[tuple[str, str, tuple[str, ...]], ...] = ()
    last_decision: AutoscalerDecided | None = None
    clock: float = 0.0  # seconds into the current phase's traffic, as far as the events tell
    balanced: str = ""  # the service behind the load balancer (traffic's replica counts are of it)

    def apply(self, event: Event) -> bool:
        """Fold one event in; return whether the picture changed."""
        if isinstance(event, ReplicaChanged):
            return self._replica(event)
        if isinstance(event, TrafficSample):
            self.seconds.append(event)
            self.requests += event.requests
            self.errors += event.errors
            self.lost += event.lost
            self.answered.update(event.replicas)
            self.clock = max(self.clock, float(event.second + 1))
            return True
        if isinstance(event, ServiceStarted):
            self.services[event.service] = ServiceView(event.service, event.orchestrator, event.replicas, event.image)
            if event.backend or not self.balanced:
                self.balanced = event.backend or event.service
            return True
        if isinstance(event, PhaseStarted):
            self.phase, self.phase_index = event.phase, event.index
            self.seconds.clear()
            self.requests = self.errors = self.lost = 0
            self.answered.clear()
            self.last_fault, self.last_server_fault, self.last_decision, self.clock = None, None, None, 0.0
            return True
        if isinstance(event, ChangeApplied) and event.replicas is not None and event.service in self.services:
            self.services[event.service].desired = event.replicas
            return True
        if isinstance(event, FaultInjected):
            self.last_fault = event
            return True
        if isinstance(event, ServerFaulted):
            self.last_server_fault = event
            return True
        if isinstance(event, ServersSeen):
            self.servers = event.servers
            return True
        if isinstance(event, AutoscalerDecided):
            self.last_decision = event
            return True
        return False

    def _replica(self, event: ReplicaChanged) -> bool:
        state = STATES.get(event.state)
        if state is None or not event.service or not event.replica:
            return False
        slot = self.replicas.get(event.replica)
        if slot is None:
            if state == "removed":
                return False  # a container that ended before this view began
            self.replicas[event.replica] = ReplicaView(event.replica, event.service, event.container, state, event.at)
            return True
        if event.container and event.container != slot.container:
            if state not in ("starting", "running"):
                return False  # news of a container this slot no longer shows (Swarm removing an old task)
            slot.container = event.container
            slot.restarts += 1
        elif state == "running" and slot.state in ENDED:
            slot.restarts += 1  # the same container started again: a restart policy at work
        slot.state, slot.since = state, event.at
        self.clock = max(self.clock, event.at)
        return True

    # what the faces draw ------------------------------------------------------------------------
    def of(self, service: str) -> list[ReplicaView]:
        """The slots of one service, in replica order (``web-2`` before ``web-10``)."""
        return sorted((r for r in self.replicas.values() if r.service == service), key=lambda r: slot_order(r.label))

    def desired(self, service: str) -> int:
        found = self.services.get(service)
        return found.desired if found else 0

    def up(self, service: str) -> int:
        return sum(1 for r in self.of(service) if r.up)

    def per_second(self) -> list[int]:
        return [s.requests for s in self.seconds]

    def errors_per_second(self) -> list[int]:
        return [s.errors for s in self.seconds]

    def running_over_time(self) -> list[int]:
        """Replicas up behind the load balancer, one value per second of traffic."""
        return [s.running for s in self.seconds]

    def rate(self) -> int:
        """Requests answered or failed in the last full second of traffic."""
        return self.seconds[-1].requests if self.seconds else 0


# small text charts, for both faces -----------------------------------------------------------------
BARS = "▁▂▃▄▅▆▇█"


def sparkline(values: list[int], top: int) -> str:
    """One character per value on a scale from 0 to ``top`` (or the largest value); 0 is a gap.

    Unlike a min-to-max scale, a dip from 3 replicas to 2 reads as a third lower, not as empty.
    """
    top = max([top, *values, 1])
    return "".join(" " if v <= 0 else BARS[min(len(BARS) - 1, round(v / top * (len(BARS) - 1)))] for v in values)


def bar(share: float, width: int = 24) -> str:
    """A horizontal bar ``width`` characters long, filled to ``share`` (0 to 1)."""
    filled = round(share * width)
    return "█" * filled + "·" * (width - filled)


def slot_order(label: str) -> tuple[str, int]:
    """How replicas sort: by service, then by number (``web-2`` before ``web-10``)."""
    name, _, number = label.rpartition("-")
    return (name, int(number)) if number.isdigit() else (label, 0)
