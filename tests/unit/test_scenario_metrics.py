"""Measured outcomes: rates, shares, replicas over time, detection and recovery."""

from __future__ import annotations

from envlab.engine.scenario.metrics import (
    Measured,
    PhaseRecord,
    Sample,
    latency_ms,
    measure,
    recovery_time,
    timeline,
    within,
)
from envlab.engine.scenario.traffic import LOGIN, PAGE, Request


def req(at: float, status: int = 200, replica: str = "web-1", kind: str = PAGE, version: str = "v1") -> Request:
    return Request(at, 0, kind, status, 0.01, replica if status else "", version if status else "")


def samples(*ups: int, step: float = 0.5) -> list[Sample]:
    return [Sample(i * step, up) for i, up in enumerate(ups)]


def test_error_rate_counts_5xx_and_no_answer_but_not_401() -> None:
    record = PhaseRecord(requests=[req(0), req(0.1, 503), req(0.2, 0), req(0.3, 401)])
    assert measure("error_rate", record, "web").value == 0.5
    assert measure("failed_requests", record, "web").value == 2


def test_lost_session_share_is_over_answered_page_requests() -> None:
    record = PhaseRecord(requests=[req(0, kind=LOGIN), req(0.1, 401), req(0.2), req(0.3), req(0.4, 0)])
    measured = measure("lost_session_share", record, "web")
    assert measured.value == round(1 / 3, 4) and "1 of 3" in measured.detail


def test_replica_share_bounds_apply_to_every_replica() -> None:
    record = PhaseRecord(requests=[req(0, replica="web-1")] * 5 + [req(0, replica="web-2")] * 4
                         + [req(0, replica="web-3")])
    measured = measure("replica_share", record, "web")
    assert measured.values == {"web-1": 0.5, "web-2": 0.4, "web-3": 0.1}
    assert not within(measured, 0.2, 0.5)
    assert within(measured, 0.1, 0.5)


def test_recovery_is_measured_from_the_fault_to_the_desired_count_again() -> None:
    assert recovery_time(samples(3, 3, 2, 2, 2, 3, 3), 3, 0.6) == 1.9
    assert recovery_time(samples(3, 3, 3), 3, 0.5) == 0.0  # never dipped
    assert recovery_time(samples(3, 2, 2, 2), 3, 0.2) is None  # never came back
    assert recovery_time(samples(3, 3), 3, None) is None


def test_a_value_that_never_happened_fails_every_bound() -> None:
    assert not within(Measured(None), None, 10)


def test_detection_and_update_state() -> None:
    record = PhaseRecord(first_fault=2.0, detections=[6.5, 4.25], update_state="rollback_completed")
    assert measure("detection_time", record, "web").value == 2.25
    assert measure("update_state", record, "web").value == 2
    assert measure("detection_time", PhaseRecord(), "web").value is None


def test_timeline_keeps_the_lowest_count_of_each_second() -> None:
    points = timeline(samples(3, 3, 3, 1, 2, 3), end=2.5)
    assert points == [(0.0, 3), (1.0, 1), (2.0, 2)]


def test_versions_and_replicas_seen() -> None:
    record = PhaseRecord(requests=[req(0, version="v1"), req(0, replica="web-2", version="v2")])
    assert measure("versions_seen", record, "web").value == 2
    assert measure("replicas_seen", record, "web").value == 2


def test_running_counts_come_from_the_service_samples() -> None:
    record = PhaseRecord(samples={"web": samples(3, 2, 3), "sessions": samples(1, 1, 1)}, desired={"web": 3})
    assert measure("min_running", record, "web").value == 2
    assert measure("final_running", record, "web").value == 3
    assert measure("min_running", record, "sessions").value == 1


def test_latency_quantiles_ignore_failures() -> None:
    requests = [Request(0, 0, PAGE, 200, t / 1000) for t in range(1, 101)] + [Request(0, 0, PAGE, 0, 9.0)]
    assert 49 <= latency_ms(requests, 0.5) <= 51
    assert latency_ms(requests, 0.95) <= 96
