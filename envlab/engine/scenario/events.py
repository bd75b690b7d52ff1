"""Typed events of scenario lessons (services, traffic, faults, measurements), in the runner's one stream."""

from __future__ import annotations

from dataclasses import dataclass, field

from envlab.engine.events import Event


@dataclass(frozen=True)
class ServiceStarted(Event):
    """A service of the topology is up: its replicas (or the balancer) run and answer."""

    service: str
    orchestrator: str  # docker, swarm or balancer
    replicas: int
    image: str
    detail: str = ""
    backend: str = ""  # for the load balancer: the service it spreads requests over


@dataclass(frozen=True)
class ClusterStepped(Event):
    """A step of starting the lesson's servers or of carrying an image to them ended."""

    node: str  # the server it happened on, "registry", or "" for the cluster as a whole
    what: str
    seconds: float


@dataclass(frozen=True)
class ConsoleReady(Event):
    """The learner's console on the lesson's servers runs: a shell may enter ``container``."""

    container: str
    abilities: tuple[str, ...]


@dataclass(frozen=True)
class ServerFaulted(Event):
    """A server of the lesson's cluster lost power, was powered on again or was drained, holding these replicas."""

    phase: str
    server: str
    action: str  # power-off, power-on or drain
    replicas: tuple[str, ...]
    at: float


@dataclass(frozen=True)
class ServersSeen(Event):
    """Who runs where: each server's state in the swarm and the replicas running on it."""

    servers: tuple[tuple[str, str, tuple[str, ...]], ...]  # (server, status, replicas)


@dataclass(frozen=True)
class PhaseStarted(Event):
    phase: str
    index: int
    say: str


@dataclass(frozen=True)
class ChangeApplied(Event):
    """A change to a service began (a rolling update, a scale, new settings)."""

    phase: str
    service: str
    what: str
    replicas: int | None = None  # the desired replicas after the change, when it sets them


@dataclass(frozen=True)
class ChangeSettled(Event):
    """A change finished: ``state`` is completed, rollback_completed, paused, ... as the engine says."""

    phase: str
    service: str
    state: str
    duration: float


@dataclass(frozen=True)
class FaultInjected(Event):
    phase: str
    service: str
    action: str
    replica: str
    at: float


@dataclass(frozen=True)
class ReplicaChanged(Event):
    """The engine reported a replica's state change (from the Docker events stream)."""

    service: str
    replica: str
    state: str  # start, die, kill, stop, healthy, unhealthy, ...
    at: float  # seconds since the phase's traffic started (or since the run started, between phases)
    container: str = ""


@dataclass(frozen=True)
class TrafficSample(Event):
    """One second of traffic: what the virtual users saw, and how many replicas were up."""

    phase: str
    second: int
    requests: int
    errors: int
    lost: int
    replicas: dict[str, int] = field(default_factory=dict)
    running: int = 0


@dataclass(frozen=True)
class TrafficSummary(Event):
    """A phase's traffic as a whole; ``timeline`` holds (second, running replicas) pairs."""

    phase: str
    requests: int
    duration: float
    rate: float
    errors: int
    lost: int
    page_requests: int
    distribution: dict[str, int] = field(default_factory=dict)
    versions: dict[str, int] = field(default_factory=dict)
    timeline: list[tuple[float, int]] = field(default_factory=list)
    desired: int = 0
    latency_p50_ms: float = 0.0
    latency_p95_ms: float = 0.0


@dataclass(frozen=True)
class MeasurementChecked(Event):
    """A measured outcome against the lesson's bound; ``value`` is None when it never happened."""

    phase: str
    metric: str
    value: float | None
    low: float | None
    high: float | None
    ok: bool
    title: str = ""
    detail: str = ""
    before_fix: bool = False  # a challenge's check before the solution: its bounds are meant not to hold yet


@dataclass(frozen=True)
class PhaseFinished(Event):
    phase: str
    ok: bool
    duration: float


@dataclass(frozen=True)
class KubernetesShown(Event):
    """The equivalent Kubernetes manifests next to the Swarm specs that actually ran, and the mapping."""

    lesson: str
    swarm: str  # the services as the engine reports them, as YAML
    manifests: str
    mapping: str


@dataclass(frozen=True)
class AutoscalerDecided(Event):
    """One look of the autoscaler's control loop: what it observed and the replica count it chose."""

    phase: str
    service: str
    at: float
    observed: float  # requests per second answered over the window
    per_replica: float
    target: float
    current: int
    desired: int
    reason: str


@dataclass(frozen=True)
class SolutionTyped(Event):
    """`envlab test` typed line ``index`` of the challenge's reference solution into the learner's console."""

    index: int
    line: str


@dataclass(frozen=True)
class ChallengeChecked(Event):
    """The challenge's check ran: before the solution (``fixed`` false: it must not hold yet, the system needs the
    learner), or after the learner's change or the solution (it must hold)."""

    phase: str
    ok: bool
    fixed: bool
