"""A lesson: the story on one side, a live pane per setup on the other, and the learner's challenge."""

from __future__ import annotations

import queue
import time
from collections.abc import Generator
from typing import TYPE_CHECKING, ClassVar

from textual import getters, work
from textual.app import ComposeResult
from textual.await_complete import AwaitComplete
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.markup import escape
from textual.screen import Screen
from textual.widgets import Markdown, Static
from textual.worker import get_current_worker

from envlab.engine.describe import visible
from envlab.engine.drift.run import DriftRun
from envlab.engine.events import CheckFinished, ErrorRaised, Event, InspectionFinished
from envlab.engine.images import has_editor
from envlab.engine.outcome import RunSummary
from envlab.engine.progress import next_step
from envlab.engine.scenario.events import MeasurementChecked
from envlab.engine.scenario.kubernetes import console_commands, kubernetes_manifests
from envlab.engine.scenario.run import ScenarioRun
from envlab.errors import ContainerStopped, EnvlabError
from envlab.lessons.loader import LoadedLesson
from envlab.lessons.model import DriftLesson, Host, ScenarioLesson
from envlab.lessons.scenario import ConsoleChallenge
from envlab.lessons.text import pick
from envlab.ui.app import EnvlabApp
from envlab.ui.guide import guide_steps, guide_text, hint_step
from envlab.ui.inline import inline_plain
from envlab.ui.messages import (
    ChallengeMeasured,
    ChecksVerified,
    DriftInspected,
    EngineErrorReported,
    HostAnswered,
    RoomAwaited,
    RunFinished,
    ShellClosed,
)
from envlab.ui.screens.drift_modal import DriftModal
from envlab.ui.screens.kubernetes_modal import KubernetesModal
from envlab.ui.screens.quiz_modal import QuizModal
from envlab.ui.strings import t
from envlab.ui.widgets.checks_panel import ChecksPanel
from envlab.ui.widgets.fit_text import FitText
from envlab.ui.widgets.guide_markdown import GuideMarkdown
from envlab.ui.widgets.key_bar import KeyBar
from envlab.ui.widgets.live_panel import LivePanel
from envlab.ui.widgets.setup_pane import SetupPane
from envlab.ui.widgets.setup_panes import SetupPanes
from envlab.ui.widgets.title_header import TitleHeader

if TYPE_CHECKING:
    from envlab.ui.runs import Run

#: The guide's step for each step a learner completes (:func:`envlab.engine.progress.lesson_steps`).
GUIDE_STEP = {"run": "watch", "fix": "fix", "quiz": "quiz"}


class LessonScreen(Screen[None]):
    """Runs one lesson and keeps its containers up while the learner works on the challenge.

    The run worker puts every engine event on :attr:`inbox`, a thread-safe queue that the
    :class:`SetupPanes` drain into the panes on a timer.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "run", "Run"),
        Binding("n", "next_step", "Next"),
        Binding("p", "previous_step", "Previous", show=False),
        Binding("h", "hint", "Hint"),
        Binding("i", "inspect", "Inspect"),
        Binding("f", "fix_it", "Fix it"),
        Binding("f", "console", "Console"),  # a lesson on servers with a console has no host to fix
        Binding("v", "verify", "Verify"),
        # the console's challenge is measured on leaving the console: v measures again, unlisted (the guide says so)
        Binding("v", "measure", "Verify", show=False),
        Binding("t", "quiz", "Quiz"),
        Binding("k", "kubernetes", "Kubernetes"),
        Binding("x", "reset", "Reset"),
        Binding("escape", "back", "Back"),
        Binding("l", "app.switch_language", "Language", show=False),
    ]

    def __init__(self, loaded: LoadedLesson, *, resume: bool = False) -> None:
        super().__init__()
        #: Open at the first step not done yet, when the lesson is under way (going on with the course).
        self.resume = resume
        self.loaded = loaded
        self.lesson = loaded.lesson
        self.run: Run | None = None
        self.running = False
        self.hints_shown = 0
        self.step = 0
        self.inbox: queue.SimpleQueue[Event] = queue.SimpleQueue()
        self.errors: list[ErrorRaised] = []
        self.opened_at = time.monotonic()

    envlab = getters.app(EnvlabApp)

    @property
    def drift(self) -> DriftLesson | None:
        """The lesson, when it is a drift lesson (only those have setups to fix and inspect)."""
        return self.lesson if isinstance(self.lesson, DriftLesson) else None

    def say(self, key: str, **values: object) -> str:
        """Interface text in the learner's language."""
        return t(key, self.envlab.lang, **values)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Keys for what this lesson does not have (a challenge, a quiz, hints, hosts, Kubernetes manifests)
        are hidden."""
        lesson, drift = self.lesson, self.drift
        challenge = drift is not None and drift.challenge is not None
        console = isinstance(lesson, ScenarioLesson) and bool(lesson.topology.console)
        available = {
            "fix_it": challenge, "console": console and not challenge, "verify": challenge,
            "measure": isinstance(lesson.challenge, ConsoleChallenge),
            "quiz": bool(lesson.quiz), "hint": bool(lesson.hints), "inspect": drift is not None,
            "kubernetes": isinstance(lesson, ScenarioLesson) and lesson.kubernetes is not None,
        }
        return available.get(action, True)

    # layout ------------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield TitleHeader()  # the dev screen recomposes it on every save
        with Horizontal(id="lesson"):
            with Vertical(id="lesson-left"):
                with VerticalScroll(id="story"):
                    yield GuideMarkdown(self._guide(), id="narrative", open_links=False)
                yield ChecksPanel(id="checks")
            yield SetupPanes(self.lesson, self.envlab.lang, self.inbox, id="panes")
        yield FitText(id="lesson-room")
        yield FitText(id="lesson-error")
        yield KeyBar(show_command_palette=False)  # every key fits 80 columns; Ctrl+P still opens it

    def on_mount(self) -> None:
        self.sub_title = inline_plain(pick(self.lesson.title, self.envlab.lang))
        self.query_one(ChecksPanel).display = False
        self.query_one("#lesson-error").display = False
        self.query_one("#lesson-room").display = False
        self.envlab.store.opened(self.lesson.id)
        self.opened_at = time.monotonic()
        self.watch(self.app, "lang", self._language_changed, init=False)
        record = self.envlab.store.get(self.lesson.id)
        self.hints_shown = record.hints_used
        step = next_step(self.lesson, record) if self.resume and record.state(self.lesson) == "in-progress" else None
        if step is not None:
            self._go_to(GUIDE_STEP[step])

    def on_unmount(self) -> None:
        """The lesson is left (or the app ends): add the time it was open to the learner's record."""
        self.envlab.store.time_spent(self.lesson.id, time.monotonic() - self.opened_at)

    def _language_changed(self) -> None:
        self.sub_title = inline_plain(pick(self.lesson.title, self.envlab.lang))
        self.show_step(self.step)
        self.query_one(SetupPanes).lang = self.envlab.lang  # lines from now on (measurements) in the new language
        for panel in self.query(LivePanel):
            panel.lang = self.envlab.lang

    def _guide(self) -> str:
        return guide_text(self.lesson, self.envlab.lang, step=self.step, hints_shown=self.hints_shown)

    def show_step(self, step: int) -> AwaitComplete:
        """Move the guide to step number ``step`` (clamped to the lesson's steps); await the result to know
        the new step is mounted."""
        self.step = max(0, min(step, len(guide_steps(self.lesson)) - 1))
        shown = self.query_one("#narrative", Markdown).update(self._guide())
        self.query_one("#story").scroll_home(animate=False)
        return shown

    def _go_to(self, key: str) -> None:
        keys = [s.key for s in guide_steps(self.lesson)]
        if key in keys:
            self.show_step(keys.index(key))

    def on_markdown_link_clicked(self, event: Markdown.LinkClicked) -> None:
        """The guide's own links step through it; a lesson's links to elsewhere open in the browser."""
        moves = {"#next": self.action_next_step, "#previous": self.action_previous_step}
        move = moves.get(event.href)
        if move is not None:
            move()
        elif event.href.startswith(("http://", "https://")):
            self.app.open_url(event.href)

    def action_next_step(self) -> None:
        self.show_step(self.step + 1)

    def action_previous_step(self) -> None:
        self.show_step(self.step - 1)

    def pane(self, setup: str) -> SetupPane:
        """The pane of one setup."""
        return self.query_one(SetupPanes).pane(setup)

    # running -----------------------------------------------------------------------------------
    def action_run(self) -> None:
        """Run the lesson's setups (again): tear down the previous run first."""
        runtime = self.envlab.runtime
        if runtime is None:
            self._engine_missing()
            return
        if self.running:
            self.notify(self.say("already_running"), severity="warning")
            return
        previous, self.run = self.run, self.envlab.runs.open(self.loaded, runtime, lang=self.envlab.lang)
        self.running = True
        self.errors.clear()
        self.query_one(ChecksPanel).display = False
        self.query_one("#lesson-error").display = False
        self.query_one(SetupPanes).clear()
        self._go_to("watch")
        self.run_lesson(self.run, previous)

    @work(thread=True, exclusive=True, exit_on_error=False, group="lesson-run")
    def run_lesson(self, run: Run, previous: Run | None) -> None:
        """Tear down the previous run, then stream this one's events into :attr:`inbox`."""
        with self.envlab.runs.streaming(run):
            self._stream(run, previous)

    def _stream(self, run: Run, previous: Run | None) -> None:
        if previous is not None:
            self.envlab.runs.tear_down(previous)
        worker = get_current_worker()
        summary = RunSummary()
        events = run.events(keep=True)
        assert isinstance(events, Generator)
        try:
            for event in events:
                if worker.is_cancelled:
                    break
                self.inbox.put(event)
                summary.add(event)
        finally:
            events.close()  # when cancelled, the runner's own cleanup runs here
        self.post_message(RunFinished(self.lesson.id, summary))

    def on_run_finished(self, message: RunFinished) -> None:
        panes = self.query_one(SetupPanes)
        panes.drain()
        self.running = False
        self.query_one("#lesson-room").display = False
        checks = list(panes.checks)
        if checks and self.drift is not None:
            self.query_one(ChecksPanel).show(checks, self.drift, self.envlab.lang,
                                             heading=t("checks_before", self.envlab.lang))
        summary = message.summary
        if not summary.errors:  # the learner has watched every setup run
            self.envlab.store.step_done(self.lesson, "run")
        if summary.ok:
            nxt = self.say("next_quiz" if self.lesson.challenge is None else
                           "next_fix" if self.drift is not None else "next_console")
            self.notify(self.say("run_as_said", next=nxt), title=self.say("run_finished"))
        elif not summary.errors:
            self.notify(self.say("run_not_as_said", what=", ".join(summary.odd_setups) or self.say("a_check")),
                        title=self.say("run_finished"), severity="warning", timeout=10)

    def on_room_awaited(self, message: RoomAwaited) -> None:
        """Say plainly that the engine is full and the run starts by itself, or that it has started."""
        event, line = message.event, self.query_one("#lesson-room", Static)
        if event.started:
            line.display = False
            self.notify(self.say("room_found", seconds=f"{event.waited:.0f}"), title=self.say("run_started"))
            return
        line.update(self.say("room_waiting", ahead=event.ahead, memory=event.memory >> 20,
                             room=event.room_memory >> 20, runs=event.room_runs))
        line.display = True

    def on_engine_error_reported(self, message: EngineErrorReported) -> None:
        self._show_error(message.error)

    def _show_error(self, error: ErrorRaised) -> None:
        self.errors.append(error)
        where = f"{error.setup}: " if error.setup else ""
        text = f"[b]✗ {escape(visible(where + error.message))}[/b]"
        if error.hint:
            text += f"\n[b]What to do:[/b] {escape(visible(error.hint))}"
        panel = self.query_one("#lesson-error", Static)
        panel.update(text)
        panel.display = True

    def _engine_missing(self) -> None:
        error = self.envlab.engine_error
        if error is None:
            self.notify(self.say("still_connecting"), severity="warning")
        else:
            self._show_error(ErrorRaised(error.message, error.hint or "see `envlab doctor`"))

    def _live_run(self) -> DriftRun | None:
        """The run whose setups are up for the learner to work with, or ``None`` (said why)."""
        if self.running:
            self.notify(self.say("wait_for_run"), severity="warning")
            return None
        if not isinstance(self.run, DriftRun) or not self.run.live:
            self.notify(self.say("run_first"), severity="warning")
            return None
        return self.run

    # the learner's challenge -------------------------------------------------------------------
    async def action_hint(self) -> None:
        """Take the next hint: the guide turns to the step that shows the hints, scrolled down to them."""
        if self.hints_shown >= len(self.lesson.hints):
            self.notify(self.say("no_more_hints"))
            return
        self.hints_shown += 1
        self.envlab.store.hint_used(self.lesson.id, self.hints_shown)
        keys = [step.key for step in guide_steps(self.lesson)]
        await self.show_step(keys.index(hint_step(self.lesson)))
        story = self.query_one("#story")
        story.call_after_refresh(story.scroll_end, animate=False)  # once the new step is laid out

    def action_fix_it(self) -> None:
        """Suspend the app and open a shell inside the challenge's host; verify on return."""
        challenge = self.drift.challenge if self.drift else None
        run = self._live_run()
        if challenge is None or run is None:
            if challenge is None:
                self.notify(self.say("no_challenge"))
            return
        container = run.containers.get(challenge.target)
        if container is None:
            self.notify(self.say("not_running", setup=challenge.target), severity="warning")
            return
        self.ask_host(run, challenge.target, container)

    def action_console(self) -> None:
        """Suspend the app and open the learner's console on the lesson's servers (while they run)."""
        run = self.run
        container = run.console if isinstance(run, ScenarioRun) else ""
        if not container:
            self.notify(self.say("console_not_ready"), severity="warning")
            return
        lesson = self.lesson
        assert isinstance(lesson, ScenarioLesson)
        abilities = ", ".join(["read", *(a for a in lesson.topology.console if a != "read")])
        measured = [self.say("console_measures")] if lesson.challenge is not None else []
        commands = [f"  {swarm}  →  {kubectl}" for swarm, kubectl in console_commands(lesson)]
        banner = "\n".join([self.say("console_banner", abilities=abilities), *measured, "",
                             self.say("console_commands"), *commands])
        code = self.envlab.open_shell(container, "console", banner=banner)
        if lesson.challenge is not None:
            self.post_message(ShellClosed("console", code))

    @work(thread=True, exclusive=True, exit_on_error=False, group="lesson-shell")
    def ask_host(self, run: DriftRun, setup: str, container: str) -> None:
        """Whether the host still runs: a shell in a host whose main process ended would only print Docker's
        own error and come straight back."""
        try:
            run.runtime.exec(container, "true", on_line=lambda _line: None, timeout=10)
        except ContainerStopped:
            self.post_message(HostAnswered(setup, container, running=False))
            return
        except EnvlabError:
            pass  # the shell says what is wrong itself
        self.post_message(HostAnswered(setup, container, running=True))

    def on_host_answered(self, message: HostAnswered) -> None:
        if not message.running:
            self.notify(self.say("host_stopped", setup=message.setup), title=self.say("host_stopped_title"),
                        severity="error", timeout=20)
            return
        banner = self.say("shell_banner", setup=message.setup)
        host = self.drift.setup(message.setup) if self.drift else None
        if isinstance(host, Host) and has_editor(host):
            banner += "\n" + self.say("shell_editor")
        code = self.envlab.open_shell(message.container, message.setup, banner=banner)
        self.post_message(ShellClosed(message.setup, code))

    def on_shell_closed(self, message: ShellClosed) -> None:
        if message.exit_code is not None:
            self.action_verify()

    def action_verify(self) -> None:
        if isinstance(self.lesson, ScenarioLesson):
            self._measure_challenge()
            return
        challenge = self.drift.challenge if self.drift else None
        if challenge is None:
            self.notify(self.say("no_challenge_to_verify"))
            return
        run = self._live_run()
        if run is not None:
            self.notify(self.say("running_checks"))
            self.verify(run)

    @work(thread=True, exclusive=True, exit_on_error=False, group="lesson-verify")
    def verify(self, run: DriftRun) -> None:
        """Run from outside the checks that hold after the fix (the challenge's, and those that hold both)."""
        results: list[CheckFinished] = []
        try:
            ok = run.run_checks(lambda e: results.append(e) if isinstance(e, CheckFinished) else None,
                                expect_fixed=True)
        except EnvlabError as exc:
            self.post_message(ChecksVerified(self.lesson.id, False, results, ErrorRaised(exc.message, exc.hint)))
            return
        self.post_message(ChecksVerified(self.lesson.id, ok, results))

    def action_measure(self) -> None:
        self._measure_challenge()

    def _measure_challenge(self) -> None:
        """Run the challenge's measured phase on the system as the learner left it (its events in the live panel)."""
        challenge = self.lesson.challenge
        if not isinstance(challenge, ConsoleChallenge):
            self.notify(self.say("no_challenge_to_verify"))
            return
        if self.running:
            self.notify(self.say("wait_for_run"), severity="warning")
            return
        if not isinstance(self.run, ScenarioRun) or not self.run.live:
            self.notify(self.say("run_first"), severity="warning")
            return
        self.running = True
        self.notify(self.say("running_challenge", check=challenge.check.name))
        self.measure_challenge(self.run)

    @work(thread=True, exclusive=True, exit_on_error=False, group="lesson-verify")
    def measure_challenge(self, run: ScenarioRun) -> None:
        measured: list[MeasurementChecked] = []

        def emit(event: Event) -> None:
            self.inbox.put(event)
            if isinstance(event, MeasurementChecked):
                measured.append(event)

        try:
            ok = run.verify_challenge(emit)
        except EnvlabError as exc:
            self.post_message(ChallengeMeasured(self.lesson.id, False, error=ErrorRaised(exc.message, exc.hint)))
            return
        except Exception as exc:  # a bug must still give the keys back (r, v) and say what happened
            self.post_message(ChallengeMeasured(self.lesson.id, False, error=ErrorRaised(
                f"internal error: {type(exc).__name__}: {exc}")))
            raise
        self.post_message(ChallengeMeasured(self.lesson.id, ok, sum(m.ok for m in measured), len(measured)))

    def on_challenge_measured(self, message: ChallengeMeasured) -> None:
        self.running = False
        self.query_one(SetupPanes).drain()
        if message.error is not None:
            self._show_error(message.error)
            return
        if message.ok:
            self.envlab.store.step_done(self.lesson, "fix")
            self._go_to("quiz")
            self.notify(self.say("challenge_solved"), title=self.say("verified"))
        else:
            self.notify(self.say("challenge_not_yet", held=message.held, total=message.total),
                        title=self.say("not_fixed_yet"), severity="warning", timeout=10)

    def on_checks_verified(self, message: ChecksVerified) -> None:
        if message.error is not None:
            self._show_error(message.error)
            return
        assert self.drift is not None  # only a drift lesson's checks are verified
        self.query_one(ChecksPanel).show(message.results, self.drift, self.envlab.lang,
                                         heading=t("fix_works" if message.ok else "fix_not_yet", self.envlab.lang))
        passed = [r.check for r in message.results if r.passed]
        self.envlab.store.checks_passed(self.lesson.id, passed)
        if message.ok:
            self.envlab.store.step_done(self.lesson, "fix")
            self._go_to("quiz")
            self.notify(self.say("fixed"), title=self.say("verified"))
            self._probe_again()
        elif stopped := list(dict.fromkeys(r.target for r in message.results if r.stopped)):
            self.notify(self.say("host_stopped", setup=", ".join(stopped)), title=self.say("host_stopped_title"),
                        severity="error", timeout=20)
        else:
            self.notify(self.say("checks_pass", passed=len(passed), total=len(message.results)),
                        title=self.say("not_fixed_yet"), severity="warning")

    def _probe_again(self) -> None:
        """The fixed host's pane drops what the broken host printed and shows its probe again, passing now."""
        challenge = self.drift.challenge if self.drift else None
        if challenge is None or not isinstance(self.run, DriftRun) or not self.run.live:
            return
        panes = self.query_one(SetupPanes)
        panes.drain()  # nothing of the run may land after the pane is cleared
        pane = panes.pane(challenge.target)
        pane.clear()
        pane.append([self.say("probe_after_fix", setup=challenge.target)])
        self.probe_after_fix(self.run)

    @work(thread=True, exclusive=True, exit_on_error=False, group="lesson-probe")
    def probe_after_fix(self, run: DriftRun) -> None:
        try:
            run.probe_after_fix(self.inbox.put)
        except EnvlabError as exc:
            self.post_message(EngineErrorReported(ErrorRaised(exc.message, exc.hint)))

    def action_inspect(self) -> None:
        """Fingerprint the running setups from outside and show what drifted."""
        run = self._live_run()
        if run is not None:
            self.notify(self.say("inspecting"))
            self.inspect_drift(run)

    @work(thread=True, exclusive=True, exit_on_error=False, group="lesson-inspect")
    def inspect_drift(self, run: DriftRun) -> None:
        found: list[Event] = []
        try:
            run.inspect(found.append)
        except EnvlabError as exc:
            found.append(ErrorRaised(exc.message, exc.hint))
        report = next((e for e in found if isinstance(e, InspectionFinished)), None)
        errors = [e for e in found if isinstance(e, ErrorRaised)]
        self.post_message(DriftInspected(self.lesson.id, report, errors))

    def on_drift_inspected(self, message: DriftInspected) -> None:
        for error in message.errors:
            self._show_error(error)
        if message.report is not None:
            self.app.push_screen(DriftModal(message.report.report, message.report.skipped, self.envlab.lang))

    def action_kubernetes(self) -> None:
        """Show what ran on Swarm beside the lesson's Kubernetes manifests: the manifests before any run too."""
        lesson = self.lesson
        kubernetes = lesson.kubernetes if isinstance(lesson, ScenarioLesson) else None
        if kubernetes is None:
            return
        try:
            manifests = kubernetes_manifests(self.loaded)
        except EnvlabError as exc:  # the file went away, or changed, since the lesson was checked
            self._show_error(ErrorRaised(exc.message, exc.hint))
            return
        assert manifests is not None  # the lesson has a kubernetes section
        shown = self.query_one(SetupPanes).kubernetes
        self.app.push_screen(KubernetesModal(manifests, kubernetes.mapping, shown.swarm if shown else None))

    def action_quiz(self) -> None:
        if not self.lesson.quiz:
            self.notify(self.say("no_quiz"))
            return
        self.app.push_screen(QuizModal(self.lesson.quiz, self.envlab.lang), self._quiz_done)

    def _quiz_done(self, result: tuple[int, int] | None) -> None:
        if result is not None:
            score, total = result
            self.envlab.store.quiz_taken(self.lesson, score, total)
            self.notify(self.say("quiz_result", score=score, total=total), title=self.say("quiz_saved"))
            self._offer_next()

    def _offer_next(self) -> None:
        """Offer what comes next in the course: Enter opens it in place of this lesson."""
        from envlab.ui.screens.next_modal import NextLessonModal, what_next

        app = self.envlab
        if app.dev is not None:
            return  # author mode has one lesson and no course to go on with
        offer = what_next([loaded.lesson for loaded in app.lessons], app.store.all(), self.lesson)

        def chosen(lesson_id: str | None) -> None:
            if lesson_id is not None:
                self.app.call_later(self._go_on, lesson_id)  # once the modal is gone

        self.app.push_screen(NextLessonModal(offer, app.catalog, app.lang), chosen)

    def _go_on(self, lesson_id: str) -> None:
        """Leave this lesson for ``lesson_id``: Esc there goes back home, not here."""
        self.action_back()
        self.envlab.open_lesson(lesson_id, resume=True)

    # leaving -----------------------------------------------------------------------------------
    def action_reset(self) -> None:
        """Tear everything down and run the lesson from the start."""
        if self.running:
            self.notify(self.say("wait_for_run"), severity="warning")
            return
        self.hints_shown = 0
        self.action_run()

    def action_back(self) -> None:
        self._release()
        self.dismiss()

    def _release(self) -> None:
        """Hand this lesson's containers to the app to tear down in the background."""
        if self.run is not None:
            self.run.cancelled.set()
            self.envlab.tear_down(self.run)  # the registry removes it in the background
            self.run = None
