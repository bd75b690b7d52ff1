"""The lesson screen in author mode (`envlab dev`): every save is validated and shown at once.

A thread worker watches the lesson's folders (:mod:`envlab.lessons.watch`) and validates the file on each
save, off the UI thread; the screen then takes the new version:

- refused: its problems are shown at file:line:col and the last good version stays in use;
- its setups unchanged (:func:`envlab.lessons.revision.setup_digest`): the guide (narrative, hints), the
  quiz and the checks come from the new version, and the checks run again against the running setups;
- its setups changed: the panes are built again and, if the lesson was running, it restarts.
"""

from __future__ import annotations

import threading
import time
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.markup import escape
from textual.widgets import Static

from envlab.engine.drift.run import DriftRun
from envlab.engine.events import CheckFinished, ErrorRaised
from envlab.errors import EnvlabError
from envlab.lessons.catalog import display_path, load_one
from envlab.lessons.loader import LoadedLesson
from envlab.lessons.model import DriftLesson, ScenarioLesson
from envlab.lessons.problems import Problem
from envlab.lessons.revision import setup_digest
from envlab.lessons.text import pick
from envlab.lessons.watch import watch_lesson
from envlab.ui.guide import guide_steps, guide_text
from envlab.ui.inline import inline_plain
from envlab.ui.messages import ChecksRechecked, ChecksVerified, LessonSaved, RunFinished
from envlab.ui.screens.lesson_screen import LessonScreen
from envlab.ui.widgets.checks_panel import ChecksPanel
from envlab.ui.widgets.key_bar import KeyBar

Lesson = DriftLesson | ScenarioLesson


class DevLessonScreen(LessonScreen):
    """A lesson under edit: watched, validated on each save, its checks re-run against what is running.

    Attributes:
        digest: What the current version's setups are made of (known after the first save; the watcher
            works it out for the version it starts with, off the UI thread: it reads the assets).
        revision: How many saved versions have been taken (0: the one the screen opened with).
        watching: Set once the lesson's folders are watched.
        unwatched: Set once the watcher has stopped (after the screen is left, or the app quits).
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "recheck", "Checks"),
        Binding("escape", "leave", "Quit"),
        # As a watching server does, Ctrl+C ends author mode (elsewhere Textual only says how to quit):
        # through the app's quit, which removes the containers first, mid-run or not.
        Binding("ctrl+c", "leave", "Quit", show=False, priority=True),
    ]

    def __init__(self, loaded: LoadedLesson) -> None:
        super().__init__(loaded)
        self.digest = ""
        self.revision = 0
        self.watching = threading.Event()
        self.unwatched = threading.Event()
        self._read_at = _mtime(loaded)  # a save before the watch starts is caught up once it has
        self._stop = threading.Event()
        self._restart_pending = False
        self._recheck_pending = False
        self._fixed = False  # the author verified a fix: checks re-run as after it

    def compose(self) -> ComposeResult:
        for widget in super().compose():
            if isinstance(widget, KeyBar):
                yield Static(id="dev-problems")
            yield widget

    # Textual calls a message's handler of every class up the MRO, this one's first: the lesson screen's
    # own on_mount, on_unmount, on_run_finished and on_checks_verified run after these without a super().
    def on_mount(self) -> None:
        self._show_warnings(self.loaded)
        self.notify(self.say("dev_watching", file=display_path(self.loaded.path)), timeout=8)
        self.call_after_refresh(self.envlab.start_background_work)
        self.watch_files(self._stop)

    def on_unmount(self) -> None:
        self._stop.set()  # the watcher ends within its poll interval

    # watching ----------------------------------------------------------------------------------
    @work(thread=True, exclusive=True, exit_on_error=False, group="dev-watch")
    def watch_files(self, stop: threading.Event, digest: str = "") -> None:
        """Validate the lesson again on each change of its folders; post what came of it, and whether its
        setups changed since the last good version (``digest``: that version's, worked out here if not given)."""
        loaded = self.loaded
        digest = digest or setup_digest(loaded)
        try:
            for _changed in watch_lesson(loaded.path, loaded.lesson.assets, loaded.lesson.id, stop=stop,
                                         ready=self.watching, since=self._read_at):
                saved = time.monotonic()
                result = load_one(loaded.path)
                if isinstance(result, list):
                    self.post_message(LessonSaved(None, problems=result, saved_at=saved))
                    continue
                new = setup_digest(result)
                self.post_message(LessonSaved(result, new, setups_changed=new != digest, saved_at=saved))
                digest = new
        except Exception as exc:  # the watch cannot go on (no inotify watches left, a folder unreadable): say so
            self.app.call_from_thread(self.notify, self.say("dev_watch_failed", why=f"{type(exc).__name__}: {exc}"),
                                      severity="error", timeout=30)
        finally:
            if stop is self._stop:  # the last watch, not one replaced by _watch_again
                self.unwatched.set()

    def _watch_again(self) -> None:
        """Watch the folders of the current version (its id or assets folder may have moved)."""
        self._stop.set()
        self._stop = threading.Event()
        self.watching.clear()
        self.watch_files(self._stop, self.digest)

    async def on_lesson_saved(self, message: LessonSaved) -> None:
        if message.loaded is None:
            self._show_problems(message.problems)
            return
        moved = (message.loaded.lesson.id, message.loaded.lesson.assets) != (self.lesson.id, self.lesson.assets)
        changed = message.setups_changed
        self.step = self._edited_step(message.loaded)
        self.loaded, self.lesson, self.digest = message.loaded, message.loaded.lesson, message.digest
        self._read_at = _mtime(message.loaded)
        self.revision += 1
        self.refresh_bindings()  # a lesson may gain or lose its quiz, hints, challenge or manifests
        if changed:
            await self._setups_changed()
        else:
            self.show_step(self.step)  # the guide: narrative, steps and hints of the new version
            self._recheck_soon()
        # after any new panes, so the title goes to the header the rebuild mounted (ui/widgets/title_header.py
        # copes with the one it removed)
        self.sub_title = inline_plain(pick(self.lesson.title, self.envlab.lang))
        self._show_warnings(self.loaded)
        if moved:
            self._watch_again()

    def _edited_step(self, new: LoadedLesson) -> int:
        """The guide step to show after a save: this one, unless only another step's text changed."""
        lang, hints = self.envlab.lang, self.hints_shown
        old_steps, new_steps = guide_steps(self.lesson), guide_steps(new.lesson)

        def text(lesson: Lesson, step: int) -> str:
            return guide_text(lesson, lang, step=step, hints_shown=hints)

        if [s.key for s in old_steps] != [s.key for s in new_steps]:
            return self.step
        if text(self.lesson, self.step) != text(new.lesson, self.step):
            return self.step
        edited = [i for i in range(len(new_steps)) if text(self.lesson, i) != text(new.lesson, i)]
        return edited[0] if edited else self.step

    def _show_problems(self, problems: list[Problem]) -> None:
        errors = [p for p in problems if p.severity == "error"]
        lines = [f"[b]{escape(self.say('dev_refused', count=len(errors)))}[/b]"]
        lines += [escape(str(problem)) for problem in problems]
        lines.append(f"[b]{escape(self.say('dev_what_to_do'))}[/b]")
        panel = self.query_one("#dev-problems", Static)
        panel.update("\n".join(lines))
        panel.set_class(True, "-refused")
        panel.display = True

    def _show_warnings(self, loaded: LoadedLesson) -> None:
        panel = self.query_one("#dev-problems", Static)
        panel.set_class(False, "-refused")
        panel.display = bool(loaded.warnings)
        if loaded.warnings:
            lines = [f"[b]{escape(self.say('dev_warnings', count=len(loaded.warnings)))}[/b]"]
            panel.update("\n".join(lines + [escape(str(problem)) for problem in loaded.warnings]))

    # the setups and their checks ---------------------------------------------------------------
    async def _setups_changed(self) -> None:
        """New setups: new panes; a lesson that was running (or is) starts again from scratch."""
        if self.running and self.run is not None:
            self._restart_pending = True
            self.run.cancelled.set()  # its stream ends soon; on_run_finished restarts
            return
        await self._rebuild(restart=self.run is not None)

    async def _rebuild(self, *, restart: bool) -> None:
        await self.recompose()
        self.query_one(ChecksPanel).display = False
        self.query_one("#lesson-error").display = False
        self._show_warnings(self.loaded)
        if restart:
            self.notify(self.say("dev_restarting"))
            self._fixed = False
            self.action_run()

    def _recheck_soon(self) -> None:
        """The new version's checks, against the setups running now (once the run has finished: a run under
        way keeps the version it started with, so no run mixes the checks of two)."""
        if self.running:
            self._recheck_pending = True
            return
        if self.run is not None:
            self.run.revise(self.loaded)
        if isinstance(self.run, DriftRun) and self.run.live:
            self.recheck(self.run, fixed=self._fixed)

    def action_recheck(self) -> None:
        """Run the checks again now, against the running setups."""
        run = self._live_run()
        if run is not None:
            self.recheck(run, fixed=self._fixed)

    @work(thread=True, exclusive=True, exit_on_error=False, group="dev-recheck")
    def recheck(self, run: DriftRun, *, fixed: bool) -> None:
        results: list[CheckFinished] = []
        try:
            run.run_checks(lambda e: results.append(e) if isinstance(e, CheckFinished) else None,
                           expect_fixed=fixed)
        except EnvlabError as exc:
            self.post_message(ChecksRechecked(self.lesson.id, results, ErrorRaised(exc.message, exc.hint)))
            return
        self.post_message(ChecksRechecked(self.lesson.id, results))

    def on_checks_rechecked(self, message: ChecksRechecked) -> None:
        if message.error is not None:
            self._show_error(message.error)
        elif self.drift is not None:
            self.query_one(ChecksPanel).show(message.results, self.drift, self.envlab.lang,
                                             heading=self.say("dev_rechecked", n=self.revision))

    def on_run_finished(self, message: RunFinished) -> None:
        self.call_next(self._after_run)  # once the lesson screen has taken the run's end

    async def _after_run(self) -> None:
        if self._restart_pending:
            self._restart_pending = self._recheck_pending = False
            await self._rebuild(restart=True)
        elif self._recheck_pending:
            self._recheck_pending = False
            self._recheck_soon()

    def on_checks_verified(self, message: ChecksVerified) -> None:
        self._fixed = message.error is None

    def action_run(self) -> None:
        self._fixed = False
        super().action_run()

    # leaving -----------------------------------------------------------------------------------
    def action_back(self) -> None:
        self.action_leave()

    def action_leave(self) -> None:
        """There is no home screen in author mode: leaving the lesson quits (its containers go first)."""
        self._stop.set()
        self.run_worker(self.envlab.action_quit(), group="dev-quit")


def _mtime(loaded: LoadedLesson) -> int | None:
    """The lesson file's ``st_mtime_ns`` now (``None`` when it cannot be read: nothing to catch up on)."""
    try:
        return loaded.path.stat().st_mtime_ns
    except OSError:
        return None
