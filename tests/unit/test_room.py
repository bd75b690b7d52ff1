"""Room on a shared engine, on the fake runtime: what a run claims, the queue every process agrees on,
waiting (said, cancellable, first come first served) and the claim going with the teardown."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from envlab.engine.drift.run import DriftRun
from envlab.engine.events import ErrorRaised, Event, LessonFinished, WaitingForRoom
from envlab.engine.room import (
    MEMORY_VARIABLE,
    RUNS_VARIABLE,
    SYSTEM_MEMORY,
    Room,
    memory_need,
    place,
    room_of,
)
from envlab.errors import EnvlabError
from envlab.lessons.catalog import load_catalog
from envlab.lessons.loader import LoadedLesson
from envlab.runtime.contract import EngineInfo, Reservation
from envlab.runtime.labels import KIND, ROOM, Session
from tests.helpers import os_skew_runtime

MiB = 1 << 20


@pytest.fixture
def os_skew() -> LoadedLesson:
    return load_catalog().get("os-skew")


def info(memory: int, cpus: int) -> EngineInfo:
    return EngineInfo("20.10", "1.41", "linux", "x86_64", "6.1", memory=memory, cpus=cpus)


# the room and what a run needs ------------------------------------------------------------------
def test_the_room_is_the_engines_memory_less_the_systems_and_three_runs_per_cpu() -> None:
    assert room_of(info(8 << 30, 2), {}) == Room((8 << 30) - SYSTEM_MEMORY, 6)
    assert room_of(info(1 << 30, 1), {}) == Room(1 << 29, 3)  # a small machine keeps half, not nothing


def test_an_operator_sets_the_room_and_a_wrong_setting_is_refused() -> None:
    assert room_of(info(8 << 30, 2), {MEMORY_VARIABLE: "6g", RUNS_VARIABLE: "4"}) == Room(6 << 30, 4)
    with pytest.raises(EnvlabError, match="ENVLAB_ROOM_MEMORY='lots' is not a size"):
        room_of(info(8 << 30, 2), {MEMORY_VARIABLE: "lots"})
    with pytest.raises(EnvlabError, match="ENVLAB_MAX_RUNS='0' is not a count"):
        room_of(info(8 << 30, 2), {RUNS_VARIABLE: "0"})


def test_a_drift_run_needs_the_limits_of_its_setups(os_skew: LoadedLesson) -> None:
    setups = os_skew.lesson.setups  # type: ignore[union-attr]
    assert memory_need(os_skew.lesson) == 512 * MiB * len(setups)


def test_a_scenario_run_needs_its_largest_scale_one_more_replica_per_service_and_the_balancer() -> None:
    on_servers = load_catalog().get("autoscaling").lesson
    # on the engine itself, not on servers of its own (whose bounds would be the claim)
    topology = on_servers.topology.model_copy(update={"servers": [], "console": []})  # type: ignore[union-attr]
    lesson = on_servers.model_copy(update={"topology": topology})
    scaler = topology.autoscaler
    assert scaler is not None
    web = next(s for s in topology.services if s.name == scaler.service)
    need = memory_need(lesson)
    assert need >= (scaler.max + 1) * 128 * MiB  # the web service at its autoscaler's max, and one more
    assert need > (web.replicas + 1) * 128 * MiB


# the queue ---------------------------------------------------------------------------------------
def claim(name: str, session: str, memory: int = 100 * MiB) -> Reservation:
    return Reservation(name, session, "os-skew", memory, (name, name))


def test_a_claim_counts_only_live_claims_before_it() -> None:
    claims = [claim("a", "s1"), claim("b", "dead"), claim("c", "s2"), claim("d", "s3")]
    queue = place(claims, claims[2], {"s1", "s2", "s3"}, Room(1 << 30, 2))
    assert (queue.ahead, queue.memory) == (1, 200 * MiB) and queue.fits  # the dead session's claim is no one's
    assert not place(claims, claims[3], {"s1", "s2", "s3"}, Room(1 << 30, 2)).fits  # a third run at once
    assert not place(claims, claims[2], {"s1", "s2"}, Room(150 * MiB, 9)).fits  # not the memory


# runs -------------------------------------------------------------------------------------------
def ran(events: list[Event]) -> bool:
    """Whether the run went through: every setup judged as the lesson claims, no error on the way (the
    fake answers no check's command, so the checks' outcome is not the point here)."""
    last = events[-1]
    return (isinstance(last, LessonFinished) and not any(isinstance(e, ErrorRaised) for e in events)
            and last.verdicts == {"dev-laptop": "passed", "prod-server": "failed-as-expected", "container": "passed"})


def until(events: Iterator[Event], kind: type[Event]) -> list[Event]:
    seen = []
    for event in events:
        seen.append(event)
        if isinstance(event, kind):
            return seen
    raise AssertionError(f"the run ended before a {kind.__name__}: {seen}")


def test_a_second_run_waits_says_so_and_starts_when_the_first_is_torn_down(
        os_skew: LoadedLesson, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(RUNS_VARIABLE, "1")
    monkeypatch.setattr("envlab.engine.room.POLL", 0.05)
    fake = os_skew_runtime()
    first, second = DriftRun(os_skew, fake, session=Session()), DriftRun(os_skew, fake, session=Session())
    held = list(first.events(keep=True))  # learner one works with the running setups
    assert ran(held)

    stream = second.events()
    waiting = until(stream, WaitingForRoom)[-1]
    assert isinstance(waiting, WaitingForRoom) and not waiting.started and waiting.ahead == 1
    assert waiting.room_runs == 1
    started_by_second = [c for c in fake.containers.values() if c.spec.labels.get("io.envlab.session")
                         == second.session.id]
    assert started_by_second == []  # nothing of the second learner runs while it waits

    first.teardown()  # learner one leaves the lesson: the room is free
    rest = list(stream)
    assert isinstance(rest[0], WaitingForRoom) and rest[0].started
    assert ran(rest)
    assert fake.volumes == {} and fake.containers == {}  # both claims went with their runs


def test_a_run_cancelled_while_waiting_starts_nothing_and_gives_its_claim_back(
        os_skew: LoadedLesson, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(RUNS_VARIABLE, "1")
    monkeypatch.setattr("envlab.engine.room.POLL", 0.05)
    fake = os_skew_runtime()
    first = DriftRun(os_skew, fake, session=Session())
    list(first.events(keep=True))
    second = DriftRun(os_skew, fake, session=Session())
    stream = second.events()
    until(stream, WaitingForRoom)
    stream.close()  # Esc, or Ctrl+C, while waiting
    mine = [n for n, labels in fake.volumes.items() if labels.get("io.envlab.session") == second.session.id]
    assert mine == []
    assert all(c.spec.labels.get("io.envlab.session") == first.session.id for c in fake.containers.values())
    first.teardown()
    assert fake.volumes == {} and fake.containers == {}


def test_a_dead_sessions_claim_does_not_hold_the_room(os_skew: LoadedLesson,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(RUNS_VARIABLE, "1")
    fake = os_skew_runtime()
    crashed = Session()
    fake.reserve_room(crashed, "os-skew", 512 * MiB)  # a kiosk that lost power mid-run left its claim
    events = list(DriftRun(os_skew, fake, session=Session()).events())
    assert not any(isinstance(e, WaitingForRoom) for e in events)
    assert ran(events)
    assert [labels[KIND] for labels in fake.volumes.values()] == [ROOM]  # the sweep's to remove, not the run's


def test_a_lesson_bigger_than_the_whole_room_is_refused_before_anything_starts(
        os_skew: LoadedLesson, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(MEMORY_VARIABLE, "600m")
    fake = os_skew_runtime()
    events = list(DriftRun(os_skew, fake, session=Session()).events())
    errors = [e for e in events if isinstance(e, ErrorRaised)]
    assert errors and "may take 1536 MiB in all; this engine has room for 600 MiB" in errors[0].message
    assert fake.containers == {} and fake.volumes == {}


def test_claims_queue_first_come_first_served(os_skew: LoadedLesson, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(RUNS_VARIABLE, "1")
    monkeypatch.setattr("envlab.engine.room.POLL", 0.05)
    fake = os_skew_runtime()
    first = DriftRun(os_skew, fake, session=Session())
    list(first.events(keep=True))
    second, third = (DriftRun(os_skew, fake, session=Session()) for _ in range(2))
    second_stream, third_stream = second.events(keep=True), third.events(keep=True)
    assert until(second_stream, WaitingForRoom)[-1] == WaitingForRoom(1, 2 * 1536 * MiB, *room(fake))
    third_waiting = until(third_stream, WaitingForRoom)[-1]
    assert isinstance(third_waiting, WaitingForRoom) and third_waiting.ahead == 2
    first.teardown()
    done = threading.Event()
    third_events: list[Event] = []

    def drain_third() -> None:
        third_events.extend(third_stream)
        done.set()

    threading.Thread(target=drain_third, daemon=True).start()
    second_rest = list(second_stream)
    assert ran(second_rest)
    assert not done.is_set()  # the third still waits: the second holds the room (it keeps its setups)
    second.teardown()
    assert done.wait(10), "the third run never started after the second left"
    assert ran(third_events)
    third.teardown()
    assert fake.volumes == {} and fake.containers == {}


def room(fake: object) -> tuple[int, int]:
    from envlab.runtime.fake import FakeRuntime

    assert isinstance(fake, FakeRuntime)
    found = room_of(fake.engine_info())
    return found.memory, found.runs


def test_claims_the_engine_dates_to_the_same_second_queue_by_when_they_were_made() -> None:
    """A volume's CreatedAt has whole seconds only: within one, the claimant's nanoseconds decide, not the
    (random) name, so a later claim never sorts ahead of one already let in."""
    from envlab.runtime.docker.rooms import _reservation

    def volume(name: str, ns: int) -> dict[str, object]:
        return {"Name": name, "CreatedAt": "2026-12-02T07:00:00Z",
                "Labels": {"io.envlab.session": "s", "io.envlab.lesson": "l", "io.envlab.room-memory": "1",
                           "io.envlab.room-order": f"{ns:020d}"}}

    first = _reservation(volume("envlab-s-l-room-ffffff", 10))
    later = _reservation(volume("envlab-s-l-room-000000", 20))
    assert first is not None and later is not None
    assert sorted([later, first], key=lambda claim: claim.order) == [first, later]
