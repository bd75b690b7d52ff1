"""The live picture of a scenario lesson, folded from events: a real recording and hand-made sequences."""

from __future__ import annotations

from envlab.engine.scenario.events import (
    ChangeApplied,
    PhaseStarted,
    ReplicaChanged,
    ServiceStarted,
    TrafficSample,
)
from envlab.engine.scenario.live import LiveState, sparkline
from tests.helpers import recorded


def fold(*events: object) -> LiveState:
    state = LiveState()
    for event in events:
        state.apply(event)  # type: ignore[arg-type]
    return state


def test_a_recorded_self_healing_run_ends_with_every_slot_healthy_again() -> None:
    """Recorded on a real engine: two replicas crash, one hangs; Swarm replaces all three."""
    state = fold(*recorded("self-healing"))
    web = state.of("web")
    assert [r.label for r in web] == ["web-1", "web-2", "web-3"]
    assert [r.state for r in web] == ["healthy"] * 3
    assert [r.restarts for r in web] == [1, 1, 1]  # each slot now shows a new container
    assert state.up("web") == 3 and state.desired("web") == 3
    assert state.balanced == "web"
    assert state.phase == "one-hangs" and state.phase_index == 2
    assert state.last_fault is not None and state.last_fault.action == "hang"
    assert len(state.seconds) == 14 and state.requests == sum(state.per_second()) > 0
    assert sum(state.answered.values()) == state.requests - state.errors


def test_the_recording_passes_through_the_states_a_learner_should_see() -> None:
    state = LiveState()
    seen: dict[str, list[str]] = {}
    for event in recorded("self-healing"):
        state.apply(event)
        for replica in state.replicas.values():
            trail = seen.setdefault(replica.label, [])
            if not trail or trail[-1] != replica.state:
                trail.append(replica.state)
    assert seen["web-1"] == ["starting", "running", "healthy", "dead", "starting", "running", "healthy"]
    assert seen["web-2"] == ["starting", "running", "healthy", "unhealthy", "stopping", "dead", "stopped",
                             "starting", "running", "healthy"]


def test_a_restart_policy_brings_the_same_container_back() -> None:
    state = fold(ServiceStarted("web", "docker", 2, "img"),
                 ReplicaChanged("web", "web-1", "start", 0.1, "aaa"),
                 ReplicaChanged("web", "web-1", "die", 1.0, "aaa"))
    assert state.up("web") == 0 and state.of("web")[0].state == "dead"
    state.apply(ReplicaChanged("web", "web-1", "start", 1.5, "aaa"))
    assert state.of("web")[0].restarts == 1 and state.up("web") == 1


def test_news_of_a_replaced_container_does_not_overwrite_its_successor() -> None:
    """A start-first rolling update: the new task starts before the old one is stopped and removed."""
    state = fold(ReplicaChanged("web", "web-1", "start", 0.0, "old"),
                 ReplicaChanged("web", "web-1", "create", 2.0, "new"),
                 ReplicaChanged("web", "web-1", "start", 2.1, "new"),
                 ReplicaChanged("web", "web-1", "kill", 2.5, "old"),
                 ReplicaChanged("web", "web-1", "die", 2.6, "old"),
                 ReplicaChanged("web", "web-1", "destroy", 3.0, "old"))
    replica = state.of("web")[0]
    assert (replica.container, replica.state, replica.restarts) == ("new", "running", 1)


def test_events_without_a_service_or_of_no_interest_change_nothing() -> None:
    state = LiveState()
    assert not state.apply(ReplicaChanged("", "x", "start", 0.0, "c"))
    assert not state.apply(ReplicaChanged("web", "web-1", "exec_die", 0.0, "c"))
    assert not state.apply(ReplicaChanged("web", "web-1", "destroy", 0.0, "c"))
    assert state.replicas == {}


def test_a_new_phase_starts_the_charts_afresh_and_scaling_moves_the_desired_count() -> None:
    state = fold(ServiceStarted("web", "swarm", 1, "img"),
                 PhaseStarted("ramp", 0, ""),
                 TrafficSample("ramp", 0, 50, 1, 0, {"web-1": 49}, 1),
                 ChangeApplied("ramp", "web", "scale to 3", 3))
    assert state.per_second() == [50] and state.errors == 1 and state.desired("web") == 3
    assert state.answered == {"web-1": 49}
    state.apply(PhaseStarted("calm", 1, ""))
    assert state.per_second() == [] and state.requests == 0 and not state.answered


def test_replicas_sort_by_number_not_by_text() -> None:
    state = fold(*(ReplicaChanged("web", f"web-{n}", "start", 0.0, str(n)) for n in (10, 2, 1)))
    assert [r.label for r in state.of("web")] == ["web-1", "web-2", "web-10"]


def test_the_replica_chart_is_scaled_from_zero_to_the_desired_count() -> None:
    assert sparkline([3, 2, 0, 3], 3) == "█▆ █"
    assert sparkline([], 3) == ""


def test_the_headless_face_tells_the_replicas_after_each_phase() -> None:
    from io import StringIO

    from rich.console import Console

    from envlab.headless import RichRenderer

    out = StringIO()
    render = RichRenderer(Console(file=out, width=120, color_system=None))
    for event in recorded("self-healing"):
        render(event)
    printed = out.getvalue()
    assert "web 3/3 up  web-1 healthy  web-2 healthy  web-3 healthy" in printed  # after the steady phase
    assert printed.rstrip().count("web 3/3 up  web-1 healthy ↻1  web-2 healthy ↻1  web-3 healthy ↻1") == 1
    assert "sessions 1/1 up  sessions-1 running" in printed
