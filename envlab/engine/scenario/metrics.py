"""Measured outcomes of a phase, computed from the traffic record and the replica timeline."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from envlab.engine.scenario.traffic import PAGE, Request


@dataclass(frozen=True)
class Sample:
    """How many replicas of a service were up at one moment (seconds since the traffic started)."""

    at: float
    up: int


@dataclass
class PhaseRecord:
    """Everything measured during one phase."""

    requests: list[Request] = field(default_factory=list)
    samples: dict[str, list[Sample]] = field(default_factory=dict)  # per service
    desired: dict[str, int] = field(default_factory=dict)  # per service, at the phase's end
    first_fault: float | None = None
    detections: list[float] = field(default_factory=list)  # seconds at which the engine saw a fault
    update_state: str = ""
    changed_at: float | None = None  # monotonic time a timed change began
    duration: float = 0.0
    placed: dict[str, dict[str, int]] = field(default_factory=dict)  # server → service → ready replicas, at the end


@dataclass(frozen=True)
class Measured:
    """One metric's value; ``values`` holds per-replica values for replica_share."""

    value: float | None
    values: dict[str, float] = field(default_factory=dict)
    detail: str = ""


def error_rate(requests: Sequence[Request]) -> float:
    return sum(r.failed for r in requests) / len(requests) if requests else 0.0


def lost_share(requests: Sequence[Request]) -> float:
    pages = [r for r in requests if r.kind == PAGE and not r.failed]
    return sum(r.lost_session for r in pages) / len(pages) if pages else 0.0


def distribution(requests: Sequence[Request]) -> dict[str, int]:
    """Answers per replica, for requests some replica answered."""
    return dict(sorted(Counter(r.replica for r in requests if r.replica).items()))


def versions(requests: Sequence[Request]) -> dict[str, int]:
    return dict(sorted(Counter(r.version for r in requests if r.version).items()))


def latency_ms(requests: Sequence[Request], quantile: float) -> float:
    answered = sorted(r.latency for r in requests if not r.failed)
    if not answered:
        return 0.0
    if len(answered) == 1:
        return round(answered[0] * 1000, 1)
    cuts = statistics.quantiles(answered, n=100, method="inclusive")
    return round(cuts[max(0, min(98, int(quantile * 100) - 1))] * 1000, 1)


def recovery_time(samples: Sequence[Sample], desired: int, fault_at: float | None) -> float | None:
    """Seconds from the fault until the service is back at its desired replicas after dropping below.

    0 when the count never dropped below the desired number; ``None`` when it never came back.
    """
    if fault_at is None:
        return None
    dropped = False
    for sample in samples:
        if sample.at < fault_at:
            continue
        if sample.up < desired:
            dropped = True
        elif dropped:
            return round(sample.at - fault_at, 2)
    return None if dropped else 0.0


def per_second(requests: Sequence[Request], second: int) -> list[Request]:
    return [r for r in requests if second <= r.at < second + 1]


def timeline(samples: Sequence[Sample], *, step: float = 1.0, end: float | None = None) -> list[tuple[float, int]]:
    """Replicas up, one value per ``step`` seconds (the lowest seen in each step: a dip is not hidden)."""
    if not samples:
        return []
    last = end if end is not None else samples[-1].at
    out: list[tuple[float, int]] = []
    t = 0.0
    while t <= last:
        inside = [s.up for s in samples if t <= s.at < t + step]
        if inside:
            out.append((t, min(inside)))
        elif out:
            out.append((t, out[-1][1]))
        t += step
    return out


UPDATE_STATES = {"completed": 1.0, "rollback_completed": 2.0}


def measure(metric: str, record: PhaseRecord, service: str, server: str = "") -> Measured:
    """The value of ``metric`` for ``service`` (and, for server_replicas, ``server``) in a phase."""
    requests = record.requests
    samples = record.samples.get(service, [])
    desired = record.desired.get(service, 0)
    if metric == "error_rate":
        failed = sum(r.failed for r in requests)
        return Measured(round(error_rate(requests), 4), detail=f"{failed} of {len(requests)} requests failed")
    if metric == "failed_requests":
        return Measured(float(sum(r.failed for r in requests)))
    if metric == "requests":
        return Measured(float(len(requests)))
    if metric == "lost_session_share":
        pages = [r for r in requests if r.kind == PAGE and not r.failed]
        lost = sum(r.lost_session for r in pages)
        return Measured(round(lost_share(requests), 4), detail=f"{lost} of {len(pages)} page requests")
    if metric == "replica_share":
        counts = distribution(requests)
        total = sum(counts.values()) or 1
        shares = {name: round(n / total, 4) for name, n in counts.items()}
        return Measured(min(shares.values()) if shares else None, shares,
                        ", ".join(f"{k} {v:.0%}" for k, v in shares.items()))
    if metric == "replicas_seen":
        return Measured(float(len(distribution(requests))), detail=", ".join(distribution(requests)))
    if metric == "versions_seen":
        return Measured(float(len(versions(requests))), detail=", ".join(versions(requests)))
    if metric == "min_running":
        return Measured(float(min((s.up for s in samples), default=0)))
    if metric == "max_running":
        return Measured(float(max((s.up for s in samples), default=0)))
    if metric == "final_running":
        return Measured(float(samples[-1].up) if samples else 0.0)
    if metric == "recovery_time":
        value = recovery_time(samples, desired, record.first_fault)
        return Measured(value, detail="never recovered" if value is None else "")
    if metric == "detection_time":
        if record.first_fault is None or not record.detections:
            return Measured(None, detail="no fault was seen")
        return Measured(round(min(record.detections) - record.first_fault, 2))
    if metric == "update_state":
        return Measured(UPDATE_STATES.get(record.update_state, 0.0), detail=record.update_state or "no update")
    if metric == "server_replicas":
        on = record.placed.get(server, {})
        where = ", ".join(f"{name} {placed.get(service, 0)}" for name, placed in sorted(record.placed.items()))
        return Measured(float(on.get(service, 0)), detail=where)
    raise ValueError(f"unknown metric {metric}")


def within(measured: Measured, low: float | None, high: float | None) -> bool:
    """Whether the value (every per-replica value for shares) is inside the bounds; None never is."""
    values = list(measured.values.values()) or ([measured.value] if measured.value is not None else [])
    if not values:
        return False
    return all((low is None or v >= low) and (high is None or v <= high) for v in values)
