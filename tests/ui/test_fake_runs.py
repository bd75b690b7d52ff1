"""Both kinds of lesson driven through the TUI on the in-memory runtime: no Docker at all.

The fake engine keeps services and replicas, replaces a crashed task, streams the engine's events and
serves a real load balancer on loopback, so a scenario lesson's phases, faults and live panel run as
they would on Docker.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from envlab.engine.scenario.events import FaultInjected, PhaseFinished
from envlab.runtime.labels import SESSION, Session
from envlab.ui.messages import ChecksVerified, RunFinished
from envlab.ui.screens.home_screen import HomeScreen
from envlab.ui.screens.lesson_screen import LessonScreen
from envlab.ui.widgets.live_panel import LivePanel
from envlab.ui.widgets.setup_panes import SetupPanes
from tests.helpers import CURRICULUM
from tests.ui.support import Harness, async_test, build, fake_with_images, fixture_curriculum, settle, wait_until

SIZE = (120, 40)
#: The tiny drift lesson's hosts as the fake plays them: `old` lacks the greeting, every other setup has it.
GREETING = {("old", r"cat /etc/greeting"): (1, ["cat: /etc/greeting: No such file or directory"]),
            ("*", r"cat /etc/greeting"): (0, ["hello"])}


@async_test
async def test_a_scenario_lesson_runs_its_phases_and_faults_through_the_tui(tmp_path: Path) -> None:
    curriculum = fixture_curriculum()
    fake = fake_with_images(curriculum)
    h = build(tmp_path, fake=fake, catalog=curriculum)
    async with h.app.run_test(size=SIZE, message_hook=h.seen.append) as pilot:
        await settle(pilot)
        h.app.call_later(h.app.open_lesson, "tiny-scenario")  # on the app's own loop, as a key would
        await pilot.pause()
        screen = h.app.screen
        assert isinstance(screen, LessonScreen)
        await pilot.press("r")
        await settle(pilot)  # the run worker ends when both phases are done
        [finished] = h.posted(RunFinished)
        summary = finished.summary
        assert summary.ok is True, summary.failures
        assert [p.phase for p in summary.phases] == ["steady", "one-crashes"]
        assert all(p.ok for p in summary.phases)
        screen.query_one(SetupPanes).drain()
        panel = screen.query_one(LivePanel)
        replicas = str(panel.query_one("#live-replicas", Static).render())
        assert "web 2/2 up" in replicas
        assert "↻1" in replicas, "the crashed task was replaced in its slot"
        assert "phase 2: one-crashes" in str(panel.query_one("#live-phase", Static).render())
        pane = screen.query_one(SetupPanes).pane("scenario")
        assert pane.state == "passed"
        assert any(line.startswith("⚡") and "kill web-" in line for line in pane.lines)
        assert fake.list_resources(), "the services stay up until the learner leaves"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(h.app.screen, HomeScreen)
    assert fake.list_resources() == []


@async_test
async def test_the_fixture_drift_lesson_runs_is_fixed_and_verified_on_the_fake(tmp_path: Path) -> None:
    curriculum = fixture_curriculum()
    fake = fake_with_images(curriculum)
    fake.script = dict(GREETING)
    h = build(tmp_path, fake=fake, catalog=curriculum, fix_in_shell=False)

    def learner_fixes_it(container: str, setup: str) -> int:
        fake.put_files(container, [("/etc/greeting", b"hello\n", 0o644)])  # what the learner typed
        del fake.script[("old", r"cat /etc/greeting")]  # ...so the file is there to read now
        return 0

    h.app.shell = learner_fixes_it
    async with h.app.run_test(size=SIZE, message_hook=h.seen.append) as pilot:
        await open_and_run(h, pilot)
        [finished] = h.posted(RunFinished)
        assert finished.summary.verdicts == {"new": "passed", "old": "failed-as-expected", "container": "passed"}
        assert [(c.check, c.passed, c.expected) for c in finished.summary.checks] == [
            ("greeting-present", False, False)]
        await pilot.press("f")
        await settle(pilot)
        [verified] = h.posted(ChecksVerified)
        assert verified.ok and [r.check for r in verified.results] == ["greeting-present"]
        # The fixed host's pane no longer shows the broken host's error: its probe again, passing.
        pane = h.app.screen.query_one(SetupPanes).pane("old")
        await wait_until(pilot, lambda: pane.state == "passed")
        assert pane.lines[0] == "After your fix, old runs the same command again:"
        assert "  hello" in pane.lines and not any("No such file" in line for line in pane.lines)
        assert not any(isinstance(e, FaultInjected | PhaseFinished) for e in h.seen)
        await pilot.press("escape")
        await settle(pilot)
    assert fake.list_resources() == []


@async_test
async def test_a_full_engine_makes_the_learner_wait_for_room_and_says_so(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another learner's run holds the engine's only run slot: the lesson says it waits for room and
    starts nothing; when that run ends, the notice goes and the run goes through on its own."""
    monkeypatch.setenv("ENVLAB_MAX_RUNS", "1")
    monkeypatch.setattr("envlab.engine.room.POLL", 0.05)
    curriculum = fixture_curriculum()
    fake = fake_with_images(curriculum)
    fake.script = dict(GREETING)
    other = Session()
    fake.hold_lease(other)
    fake.reserve_room(other, "tiny-drift", 1 << 20)  # a run at the next kiosk
    h = build(tmp_path, fake=fake, catalog=curriculum, fix_in_shell=False)
    async with h.app.run_test(size=SIZE, message_hook=h.seen.append) as pilot:
        await settle(pilot)
        h.app.call_later(h.app.open_lesson, "tiny-drift")
        await pilot.pause()
        await pilot.press("r")
        screen = h.app.screen
        notice = screen.query_one("#lesson-room", Static)
        await wait_until(pilot, lambda: notice.display)
        assert "Waiting for room on the engine" in str(notice.render())
        assert "1 other run(s) come first" in str(notice.render())
        assert not [c for c in fake.containers.values() if c.spec.labels.get(SESSION) != other.id]
        fake.release_lease(other)  # that learner's envlab ended: its claim no longer counts
        await settle(pilot)
        [finished] = h.posted(RunFinished)
        assert finished.summary.verdicts == {"new": "passed", "old": "failed-as-expected", "container": "passed"}
        assert not notice.display
        await pilot.press("escape")
        await settle(pilot)
    assert [r.labels.get(SESSION) for r in fake.list_resources()] == [other.id]  # only the other's claim


@async_test
async def test_a_host_whose_main_process_the_learner_killed_is_explained_with_the_key_that_starts_again(
        tmp_path: Path) -> None:
    """In the shell the learner kills the host's PID 1: the check that runs a command in it says the host has
    stopped (no engine error, no container id) and the lesson says x starts it again; f then opens no shell
    in it and says so again."""
    pack = tmp_path / "pack"
    shutil.copytree(CURRICULUM / "assets" / "tiny-drift", pack / "assets" / "tiny-drift")
    text = (CURRICULUM / "tiny-drift.yaml").read_text(encoding="utf-8")
    check = "    type: file\n    path: /etc/greeting\n    contains: hello\n"
    assert check in text
    (pack / "tiny-drift.yaml").write_text(
        text.replace(check, "    type: command\n    run: cat /etc/greeting\n    output: hello\n"), encoding="utf-8")
    curriculum = fixture_curriculum(pack)
    fake = fake_with_images(curriculum)
    fake.script = dict(GREETING)
    h = build(tmp_path, fake=fake, catalog=curriculum, fix_in_shell=False)

    shells: list[str] = []

    def learner_kills_pid_1(container: str, setup: str) -> int:
        shells.append(setup)
        fake.crash(container)  # `kill -9 1`: the container exits
        return 137

    h.app.shell = learner_kills_pid_1
    async with h.app.run_test(size=SIZE, message_hook=h.seen.append) as pilot:
        await open_and_run(h, pilot)
        await pilot.press("f")
        await settle(pilot)
        [verified] = h.posted(ChecksVerified)
        [result] = verified.results
        assert not verified.ok and result.stopped and not result.passed
        assert result.detail.startswith("old has stopped (its main process ended)")
        assert any(n.startswith("A host has stopped: old has stopped") and "Press x to start the lesson again" in n
                   for n in h.notices()), h.notices()
        stopped = [n for n in h.notices() if n.startswith("A host has stopped")]
        await pilot.press("f")  # again: no shell opens in a stopped host (Docker would only print its error)
        await settle(pilot)
        assert shells == ["old"]
        assert [n for n in h.notices() if n.startswith("A host has stopped")] == [*stopped, stopped[-1]]
        await pilot.press("escape")
        await settle(pilot)
    assert fake.list_resources() == []


async def open_and_run(h: Harness, pilot: Pilot[int]) -> None:
    """Open the tiny drift lesson from home and run it to its end."""
    await settle(pilot)
    h.app.call_later(h.app.open_lesson, "tiny-drift")
    await pilot.pause()
    await pilot.press("r")
    await settle(pilot)
