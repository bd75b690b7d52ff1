"""The live panes of a lesson: engine events from a thread-safe queue, drawn in batches on a timer."""

from __future__ import annotations

import queue
from dataclasses import replace

from textual.app import ComposeResult
from textual.containers import Vertical

from envlab.engine.describe import describe, visible
from envlab.engine.events import (
    CheckFinished,
    ErrorRaised,
    Event,
    LessonFinished,
    LessonStarted,
    OutputLine,
    SetupFinished,
    SetupStarted,
    StepStarted,
    WaitingForRoom,
)
from envlab.engine.scenario.events import KubernetesShown, MeasurementChecked, PhaseStarted
from envlab.engine.wording import say
from envlab.lessons.model import DriftLesson, ScenarioLesson
from envlab.lessons.scenario import metric_bounds, metric_label, metric_value
from envlab.lessons.text import pick
from envlab.ui.inline import inline_plain
from envlab.ui.messages import EngineErrorReported, RoomAwaited
from envlab.ui.strings import t
from envlab.ui.widgets.live_panel import LivePanel
from envlab.ui.widgets.setup_pane import MAX_LINES, SetupPane

SCENARIO = "scenario"  # the pane of a lesson that has a topology instead of hosts
FLUSH_EVERY = 1 / 20  # seconds between moving queued output into the panes
FLUSH_LIMIT = 5000  # events moved per tick at most: about 5 ms of work


class SetupPanes(Vertical):
    """One :class:`SetupPane` per bare host and one for the fix.

    A run worker puts engine events on :attr:`inbox` (the one thing here a thread may touch); a
    timer drains it, so a flood of output costs one refresh per pane per tick. Checks are kept for
    the screen in :attr:`checks`, and what ran on Swarm beside its Kubernetes equivalent in
    :attr:`kubernetes`; errors are reported up with :class:`EngineErrorReported`.
    """

    def __init__(self, lesson: DriftLesson | ScenarioLesson, lang: str, inbox: queue.SimpleQueue[Event], *,
                 id: str | None = None) -> None:
        super().__init__(id=id)
        self.lesson = lesson
        self.lang = lang
        self.inbox = inbox
        self.checks: list[CheckFinished] = []
        self.kubernetes: KubernetesShown | None = None

    @property
    def scenario(self) -> bool:
        return isinstance(self.lesson, ScenarioLesson)

    def compose(self) -> ComposeResult:
        match self.lesson:
            case DriftLesson():
                for setup in self.lesson.setups:
                    kind = "host" if setup in self.lesson.hosts else "fix"
                    title = inline_plain(pick(setup.title, self.lang)) if setup.title else setup.name
                    yield SetupPane(setup.name, title, kind, self.lang, id=f"pane-{setup.name}")
            case ScenarioLesson():  # the live picture over the story of its phases
                yield LivePanel(self.lang, id="live")
                yield SetupPane(SCENARIO, t("pane_topology_title", self.lang), "topology", self.lang,
                                label=t("pane_scenario", self.lang), id=f"pane-{SCENARIO}")

    def on_mount(self) -> None:
        for pane in self.query(SetupPane):
            pane.output.write_line(t("press_run", self.lang))
        self.set_interval(FLUSH_EVERY, self.flush)

    def pane(self, setup: str) -> SetupPane:
        """The pane of one setup (a scenario lesson's events all go to its one pane)."""
        found = self.query(f"#pane-{setup}")
        return found.first(SetupPane) if found else self.query(SetupPane).first()

    def clear(self) -> None:
        """Empty every pane (and the live picture) before a new run."""
        self.checks.clear()
        self.kubernetes = None
        for pane in self.query(SetupPane):
            pane.clear()
        for live in self.query(LivePanel):
            live.clear()

    def flush(self) -> None:
        """Move queued events into the panes: one batch of lines per pane.

        At most :data:`FLUSH_LIMIT` events per tick, so a flood is spread over ticks instead of
        stalling the loop; a pane only ever shows its last :data:`MAX_LINES`, so older lines of a
        batch are dropped before they are drawn.
        """
        batches: dict[str, list[str]] = {}
        scenario: list[Event] | None = [] if self.scenario else None  # what the live panel folds in
        for _ in range(FLUSH_LIMIT):
            try:
                event = self.inbox.get_nowait()
            except queue.Empty:
                break
            self._apply(event, batches)
            if scenario is not None:
                scenario.append(event)
        for setup, lines in batches.items():
            self.pane(setup).append(lines[-MAX_LINES:])
        if scenario:
            self.query_one(LivePanel).apply(scenario)

    def drain(self) -> None:
        """Flush until the queue is empty (when a run has ended)."""
        while not self.inbox.empty():
            self.flush()

    def _apply(self, event: Event, batches: dict[str, list[str]]) -> None:
        match event:
            case SetupStarted():
                self.pane(event.setup).state = "running"
            case SetupFinished():
                pane = self.pane(event.setup)
                pane.state, pane.duration, pane.reason = event.verdict, event.duration, say(event.reason, self.lang)
            case CheckFinished():
                self.checks.append(event)
                return  # the checks panel shows them
            case KubernetesShown():
                self.kubernetes = event  # the Kubernetes modal shows it; the pane says which key opens it
            case ErrorRaised():
                self.post_message(EngineErrorReported(event))
                return
            case WaitingForRoom():
                self.post_message(RoomAwaited(event))
                return
            case LessonStarted() if self.scenario:
                self.pane(SCENARIO).state = "running"  # a scenario has no setups: its outcome is the badge
            case LessonFinished() if self.scenario:
                pane = self.pane(SCENARIO)
                pane.state, pane.duration = ("passed" if event.ok else "failed-unexpectedly"), event.duration
        if isinstance(event, LessonStarted | LessonFinished):
            return  # the badges and the screen say these
        described = self._describe(event)
        if described is not None:
            where = SCENARIO if self.scenario else str(getattr(event, "setup", ""))
            if not where:
                return  # about the whole run (its clean-up): the screen says it
            batches.setdefault(where, []).extend(described.splitlines())

    def _describe(self, event: Event) -> str | None:
        """How ``event`` reads in a pane: its output as it is, lesson prose without Markdown markers,
        measurements named and in their units in the learner's language, the rest as the engine says it."""
        match event:
            case OutputLine():
                # The pane is the setup's own terminal: no frame around its output (envlab's own notes said in
                # the learner's language).
                return f"  {visible(say(event.text, self.lang))}"
            case StepStarted() | PhaseStarted():
                event = replace(event, say=inline_plain(say(event.say, self.lang)))
            case MeasurementChecked():
                return visible(measurement_line(event, self.lang))
            case KubernetesShown():
                return t("kubernetes_in_pane", self.lang)
        described = describe(event, self.lang)
        return described[0] if described is not None else None


def measurement_line(event: MeasurementChecked, lang: str) -> str:
    """``✓ recovery time: 9.1 s (expected ≤ 15 s) — the lesson's title``, in ``lang``."""
    title = f" — {inline_plain(event.title)}" if event.title else ""
    detail = f" ({say(event.detail, lang)})" if event.detail else ""
    return t("measurement", lang, mark="✓" if event.ok else "✗", label=metric_label(event.metric, lang),
             value=metric_value(event.metric, event.value, lang),
             bounds=metric_bounds(event.metric, event.low, event.high, lang)) + title + detail
