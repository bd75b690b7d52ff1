"""The orphan sweep on the in-memory runtime: only sessions without a lease lose their resources."""

from __future__ import annotations

import pytest

from envlab.runtime.cleanup import by_session, sweep_dead_sessions
from envlab.runtime.contract import ContainerSpec
from envlab.runtime.fake import FakeRuntime
from envlab.runtime.labels import Session


def started(fake: FakeRuntime, session: Session, name: str) -> str:
    return fake.start(ContainerSpec(name=f"envlab-{session.id}-{name}", image="base", hostname=name,
                                    labels=session.labels(lesson="l", setup=name)))


def test_the_sweep_spares_live_sessions_whatever_their_pid_or_clock_says() -> None:
    fake = FakeRuntime(images={"base"})
    # A session in another PID namespace, started "in the future" by a clock that jumped: still alive.
    elsewhere = Session(pid=1, hostname="kiosk-7", started=4_000_000_000)
    ended, me = Session(), Session()
    fake.hold_lease(elsewhere)
    kept, gone = started(fake, elsewhere, "a"), started(fake, ended, "b")
    removal = sweep_dead_sessions(fake, me)
    assert [r.id for r in removal.removed] == [gone]
    assert kept in fake.containers and gone not in fake.containers


class StartsARunMidSweep(FakeRuntime):
    """A fake on which another learner's run starts (lease, then a container) right after the sweep
    has asked who is alive: the moment between the sweep's two questions."""

    newcomer: Session | None = None

    def live_sessions(self) -> set[str]:
        live = super().live_sessions()
        if self.newcomer is None:
            self.newcomer = Session()
            self.hold_lease(self.newcomer)
            started(self, self.newcomer, "c")
        return live


def test_a_run_that_starts_while_a_sweep_looks_is_not_taken_for_a_dead_one() -> None:
    fake = StartsARunMidSweep(images={"base"})
    ended = Session()
    gone = started(fake, ended, "b")
    sweep_dead_sessions(fake, Session())
    assert fake.newcomer is not None
    assert [c.spec.labels["io.envlab.session"] for c in fake.containers.values()] == [fake.newcomer.id]
    assert gone not in fake.containers


def test_a_clean_lists_no_run_that_starts_while_it_looks_as_dead() -> None:
    fake = StartsARunMidSweep(images={"base"})
    listed = by_session(fake)
    assert fake.newcomer is not None and not [s for s in listed if not s.live]


def test_sessions_are_listed_live_first_with_whose_they_are() -> None:
    fake = FakeRuntime(images={"base"})
    alive, ended = Session(hostname="kiosk-1", pid=42), Session(hostname="kiosk-2", pid=7)
    fake.hold_lease(alive)
    started(fake, ended, "x")
    started(fake, alive, "y")
    found = by_session(fake)
    assert [(s.session, s.live) for s in found] == [(alive.id, True), (ended.id, False)]
    assert found[0].owner.startswith("kiosk-1, pid 42, since ")
    assert found[0].lessons == ["l"]


def test_a_swarm_envlab_made_is_left_when_the_last_session_using_it_ends() -> None:
    from envlab.engine.images import image_needs
    from envlab.engine.outcome import RunSummary
    from envlab.engine.run import open_run
    from envlab.lessons.catalog import load_checked
    from tests.helpers import CURRICULUM

    loaded = load_checked(CURRICULUM / "tiny-scenario.yaml")
    fake = FakeRuntime(images={need.tag for need in image_needs([loaded])})
    other = Session()
    fake.hold_lease(other)  # another learner is still at work: the swarm stays
    assert RunSummary.of(open_run(loaded, fake).events()).ok
    assert fake.swarm == "active"
    fake.release_lease(other)
    assert RunSummary.of(open_run(loaded, fake).events()).ok
    assert fake.swarm == "inactive", "the engine is left as it was found"


def test_a_users_own_swarm_is_never_left() -> None:
    from envlab.engine.images import image_needs
    from envlab.engine.outcome import RunSummary
    from envlab.engine.run import open_run
    from envlab.lessons.catalog import load_checked
    from tests.helpers import CURRICULUM

    loaded = load_checked(CURRICULUM / "tiny-scenario.yaml")
    fake = FakeRuntime(images={need.tag for need in image_needs([loaded])}, swarm="active")
    assert RunSummary.of(open_run(loaded, fake).events()).ok
    assert fake.swarm == "active"


def test_a_clean_leaves_no_swarm_a_live_session_is_about_to_use(monkeypatch: pytest.MonkeyPatch) -> None:
    """A learner's run has its lease and the swarm, but no service yet: `envlab clean` must not pull the
    swarm from under it (its next call, creating the overlay network, would fail). Once no session is live,
    the same clean leaves the swarm envlab made."""
    import argparse

    from rich.console import Console

    from envlab.cli.commands import clean

    fake = FakeRuntime(images={"base"})
    learner = Session()
    fake.hold_lease(learner)
    assert fake.ensure_swarm() is True
    monkeypatch.setattr(clean, "open_runtime", lambda sweep=True: fake)
    console = Console(record=True, width=200)
    assert clean.run(argparse.Namespace(yes=False), console) == 0
    assert fake.swarm == "active", console.export_text()

    fake.release_lease(learner)
    assert clean.run(argparse.Namespace(yes=False), console) == 0
    assert fake.swarm == "inactive" and "left the single-node swarm" in console.export_text()
