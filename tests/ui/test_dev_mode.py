"""Author mode (`envlab dev`) on the fake runtime: a save shows at once, checks re-run against the running
setups, a setup change restarts them, and a broken save is shown at file:line:col while the last good
version stays in use. The lesson's folder is really watched: the test edits files, as an author would."""

from __future__ import annotations

import shutil
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Static

from envlab.engine.drift.run import DriftRun
from envlab.engine.progress import ProgressStore
from envlab.lessons.catalog import Catalog, display_path, load_checked
from envlab.ui.app import make_app
from envlab.ui.messages import ChecksRechecked, LessonSaved, RunFinished
from envlab.ui.screens.dev_screen import DevLessonScreen
from envlab.ui.widgets.checks_panel import ChecksPanel
from tests.helpers import CURRICULUM
from tests.ui.support import OFFLINE, Harness, async_test, fake_with_images, guide_of, wait_until

SIZE = (120, 40)
NARRATIVE = "The `old` host has no greeting file."
NEW_CHECK = """\
  - name: new-greets
    target: new
    type: command
    run: cat /etc/greeting
    output: hello
    title: new still greets
"""


def pack(tmp_path: Path) -> Path:
    """A copy of the fixture drift lesson and its assets, to edit."""
    folder = tmp_path / "pack"
    shutil.copytree(CURRICULUM / "assets" / "tiny-drift", folder / "assets" / "tiny-drift")
    shutil.copy(CURRICULUM / "tiny-drift.yaml", folder / "tiny-drift.yaml")
    return folder / "tiny-drift.yaml"


def dev_app(tmp_path: Path, lesson: Path) -> Harness:
    loaded = load_checked(lesson)
    fake = fake_with_images(Catalog(lessons=[loaded]))
    fake.script = {("old", r"cat /etc/greeting"): (1, ["cat: /etc/greeting: No such file or directory"]),
                   ("*", r"cat /etc/greeting"): (0, ["hello"])}
    store = ProgressStore(tmp_path / "progress.sqlite3")
    app = make_app(runtime=fake, dev=loaded, store=store, lang="en", network=lambda: OFFLINE)
    return Harness(app, fake, store)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


async def watching(pilot: Pilot[int], h: Harness) -> DevLessonScreen:
    """The author-mode screen, once the lesson's folders are watched and the engine is there."""
    screen = h.app.screen
    assert isinstance(screen, DevLessonScreen)
    await wait_until(pilot, lambda: screen.watching.is_set() and h.app.runtime is not None)
    return screen


def problems_text(screen: DevLessonScreen) -> str:
    panel = screen.query_one("#dev-problems", Static)
    return str(panel.render()) if panel.display else ""


@async_test
async def test_a_save_updates_the_guide_and_reruns_the_checks_against_the_running_setups(tmp_path: Path) -> None:
    lesson = pack(tmp_path)
    h = dev_app(tmp_path, lesson)
    async with h.app.run_test(size=SIZE, message_hook=h.seen.append) as pilot:
        screen = await watching(pilot, h)
        await pilot.press("r")
        await wait_until(pilot, lambda: len(h.posted(RunFinished)) == 1)
        run = screen.run
        assert isinstance(run, DriftRun)
        running = dict(run.containers)
        assert set(running) == {"new", "old", "container"}

        # Text: the guide shows the new narrative, and nothing restarts.
        edit(lesson, NARRATIVE, "The `old` host was set up by hand in 2019.")
        await wait_until(pilot, lambda: "set up by hand in 2019" in guide_of(screen))
        assert screen.run is run and run.containers == running

        # A check added: it runs against the containers already up, with the old ones.
        commands_before = len(h.fake.commands)
        edit(lesson, "challenge:\n", NEW_CHECK + "challenge:\n")
        await wait_until(pilot, lambda: any("new-greets" in [r.check for r in m.results]
                                            for m in h.posted(ChecksRechecked)))
        [*_, rechecked] = h.posted(ChecksRechecked)
        assert [(r.check, r.passed, r.expected) for r in rechecked.results] == [
            ("greeting-present", False, False), ("new-greets", True, True)]
        assert ("new", "cat /etc/greeting") in h.fake.commands[commands_before:]
        assert screen.run is run and run.containers == running
        assert len(h.posted(RunFinished)) == 1, "no setup was started again"
        panel = screen.query_one(ChecksPanel).text
        assert "new still greets" in panel and "version 2" in panel

        # A broken save: its problem at file:line:col; the last good version stays in use.
        good = screen.loaded
        edit(lesson, "chapter: 1", "chapter: zero")
        await wait_until(pilot, lambda: "problem(s)" in problems_text(screen))
        shown = problems_text(screen)
        assert f"{display_path(lesson)}:4:10: chapter: input should be a valid integer" in shown
        assert "last good version stays in use" in shown and "What to do" in shown
        assert screen.loaded is good and "set up by hand in 2019" in guide_of(screen)
        assert run.loaded is good and run.containers == running

        # Mended, with a setup changed: the setups start again from scratch.
        edit(lesson, "chapter: zero", "chapter: 1")
        edit(lesson, 'content: "hello\\n"', 'content: "hello there\\n"')
        await wait_until(pilot, lambda: len(h.posted(RunFinished)) == 2)
        assert problems_text(screen) == ""
        restarted = screen.run
        assert isinstance(restarted, DriftRun) and restarted is not run
        assert set(restarted.containers) == set(running)
        assert not set(restarted.containers.values()) & set(running.values()), "every container is new"
        assert all(c not in {b for b in h.fake.containers} for c in running.values()), "the old ones are gone"
        assert any(m.loaded is None for m in h.posted(LessonSaved))

        await pilot.press("escape")  # author mode has no home screen: it quits, containers first
        await wait_until(pilot, lambda: not h.app.is_running, timeout=10)
    assert h.fake.list_resources() == []
    assert screen.unwatched.wait(5), "the watcher stops with the app"


@async_test
async def test_a_save_before_any_run_only_redraws(tmp_path: Path) -> None:
    lesson = pack(tmp_path)
    h = dev_app(tmp_path, lesson)
    async with h.app.run_test(size=SIZE, message_hook=h.seen.append) as pilot:
        screen = await watching(pilot, h)
        edit(lesson, "- name: old\n", "- name: older\n")
        edit(lesson, "target: old\n", "target: older\n")
        edit(lesson, "  target: old\n", "  target: older\n")
        await wait_until(pilot, lambda: bool(screen.query("#pane-older")))
        assert not screen.query("#pane-old"), "the panes are those of the new setups"
        assert h.posted(RunFinished) == [] and h.fake.list_resources() == []
