"""One outcome vocabulary for every face: a run's events folded into a :class:`RunSummary`.

The TUI, the headless face and `envlab test` all read a run's result from here, so "what went as the
lesson claims" and how a verdict is named are decided once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from envlab.engine.events import (
    OK_VERDICTS,
    CheckFinished,
    CleanupFinished,
    ErrorRaised,
    Event,
    InspectionFinished,
    LessonFinished,
    LessonStarted,
    OutputLine,
    SetupFinished,
    Verdict,
)
from envlab.engine.scenario.events import ChallengeChecked, MeasurementChecked, PhaseFinished
from envlab.engine.wording import Words

#: How each verdict reads, and whether it is as the lesson claims.
VERDICT_LABELS: dict[Verdict, str] = {verdict: Words(f"verdict.{verdict}") for verdict in (
    "passed", "failed-as-expected", "failed-unexpectedly", "passed-unexpectedly")}
TAIL_LINES = 6  # output lines kept per setup, to say why a setup did not go as claimed


def as_claimed(verdict: str) -> bool:
    """Whether a setup's verdict is what the lesson claims."""
    return verdict in OK_VERDICTS


@dataclass
class RunSummary:
    """What a run came to, folded from its events one at a time (:meth:`add`) or all at once
    (:meth:`of`).

    Attributes:
        lesson: The lesson's id (from ``LessonStarted`` or ``LessonFinished``).
        setups: The setups in the lesson's order (drift lessons).
        finished: Each setup's last ``SetupFinished`` (a solved host finishes twice).
        checks: Every check that ran, in order.
        measurements: Every measurement of a scenario's phases.
        phases: Each phase's ``PhaseFinished``.
        errors: What envlab could not do.
        inspection: The drift inspector's result, if the run was inspected.
        removed: What the clean-up removed.
        ok: ``LessonFinished.ok``; ``None`` until the run has finished.
        duration: Seconds the run took.
    """

    lesson: str = ""
    setups: list[str] = field(default_factory=list)
    finished: dict[str, SetupFinished] = field(default_factory=dict)
    checks: list[CheckFinished] = field(default_factory=list)
    measurements: list[MeasurementChecked] = field(default_factory=list)
    phases: list[PhaseFinished] = field(default_factory=list)
    errors: list[ErrorRaised] = field(default_factory=list)
    inspection: InspectionFinished | None = None
    removed: list[str] = field(default_factory=list)
    ok: bool | None = None
    duration: float = 0.0
    verdicts: dict[str, str] = field(default_factory=dict)
    _tails: dict[str, list[str]] = field(default_factory=dict)
    _failures: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, events: Iterable[Event]) -> RunSummary:
        """Fold a whole stream."""
        summary = cls()
        for event in events:
            summary.add(event)
        return summary

    def add(self, event: Event) -> None:
        """Fold one more event in."""
        match event:
            case LessonStarted():
                self.lesson, self.setups = event.lesson, list(event.setups)
            case OutputLine():
                self._tails[event.setup] = [*self._tails.get(event.setup, [])[1 - TAIL_LINES:], event.text]
            case SetupFinished():
                self.finished[event.setup] = event
                self.verdicts[event.setup] = event.verdict
                if not as_claimed(event.verdict):
                    tail = "\n      ".join(self._tails.get(event.setup, []))
                    self._failures.append(f"{event.setup}: {event.verdict} ({event.reason})\n      {tail}")
            case CheckFinished():
                self.checks.append(event)
                if event.passed != event.expected:
                    claim = "pass" if event.expected else "fail"
                    when = " after the fix" if event.after_fix else ""
                    self._failures.append(f"check {event.check} should {claim}{when}: {event.detail}")
            case MeasurementChecked():
                self.measurements.append(event)
                if not event.ok and not event.before_fix:
                    value = "never" if event.value is None else f"{event.value:g}"
                    detail = f" ({event.detail})" if event.detail else ""
                    self._failures.append(f"{event.phase}: {event.metric} = {value}, outside "
                                          f"[{event.low}, {event.high}]{detail}")
            case PhaseFinished():
                self.phases.append(event)
            case ChallengeChecked(fixed=False, ok=True):
                self._failures.append(f"{event.phase}: every bound already held before the solution, so the "
                                      "challenge asks nothing of the learner")
            case ErrorRaised():
                self.errors.append(event)
                self._failures.append(f"error: {event.message}")
            case InspectionFinished():
                self.inspection = event
            case CleanupFinished():
                self.removed += event.removed
            case LessonFinished():
                self.lesson, self.ok, self.duration = event.lesson, event.ok, event.duration
                for name, verdict in event.verdicts.items():  # a scenario's phases, or setups never finished
                    self.verdicts.setdefault(name, verdict)
            case _:
                pass

    @property
    def as_claimed(self) -> bool:
        """The run finished and everything came out as the lesson claims."""
        return self.ok is True and not self._failures

    @property
    def failures(self) -> list[str]:
        """What did not go as claimed, one sentence each (with a setup's last output lines)."""
        return list(self._failures)

    @property
    def odd_setups(self) -> list[str]:
        """Setups (or phases) whose verdict is not what the lesson claims."""
        return [name for name, verdict in self.verdicts.items() if not as_claimed(verdict)]
