"""The typed events a lesson run yields; the CLI and the TUI are two faces of this one stream."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any, Literal

from envlab.engine.inspect import DriftReport

SetupKind = Literal["host", "fix"]
#: passed: ran and passed as declared; failed-as-expected: failed with the declared error;
#: failed-unexpectedly: failed, or failed for another reason; passed-unexpectedly: should have failed.
Verdict = Literal["passed", "failed-as-expected", "failed-unexpectedly", "passed-unexpectedly"]


@dataclass(frozen=True)
class Event:
    """Base of every event."""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping with the event's type name under ``event``."""
        return {"event": type(self).__name__, **dataclasses.asdict(self)}

    def to_json(self) -> str:
        """One line of JSON."""
        return json.dumps(self.to_dict(), ensure_ascii=False)


@dataclass(frozen=True)
class LessonStarted(Event):
    lesson: str
    session: str
    setups: list[str]


@dataclass(frozen=True)
class SetupStarted(Event):
    setup: str
    kind: SetupKind
    image: str


@dataclass(frozen=True)
class StepStarted(Event):
    """A runbook step, the build, or the probe began. ``index`` is -1 for build, -2 for the probe."""

    setup: str
    index: int
    say: str
    run: str


@dataclass(frozen=True)
class OutputLine(Event):
    setup: str
    index: int
    text: str


@dataclass(frozen=True)
class StepFinished(Event):
    setup: str
    index: int
    exit_code: int
    duration: float
    timed_out: bool = False


@dataclass(frozen=True)
class SetupFinished(Event):
    setup: str
    verdict: Verdict
    expected: str
    exit_code: int
    reason: str
    duration: float


@dataclass(frozen=True)
class CheckFinished(Event):
    """A typed check ran. ``expected`` is what the lesson claims at this point (a challenge check
    fails until the learner fixes the host)."""

    check: str
    target: str
    passed: bool
    expected: bool
    detail: str


@dataclass(frozen=True)
class ErrorRaised(Event):
    """Something envlab could not do (Docker down, image missing); not a lesson outcome."""

    message: str
    hint: str = ""
    setup: str = ""


@dataclass(frozen=True)
class CleanupFinished(Event):
    removed: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class LessonFinished(Event):
    lesson: str
    ok: bool
    duration: float
    verdicts: dict[str, str] = field(default_factory=dict)

@dataclass(frozen=True)
class InspectionFinished(Event):
    """The drift inspector fingerprinted every running setup from outside and compared them.

    ``report`` holds one row per item (what differs, what is shared, what the lesson calls the
    cause); ``skipped`` names the setups that were not running, so they could not be inspected.
    """

    lesson: str
    report: DriftReport
    skipped: list[str] = field(default_factory=list)


# Step index conventions for StepStarted/OutputLine/StepFinished.
BUILD_STEP = -1
PROBE_STEP = -2
