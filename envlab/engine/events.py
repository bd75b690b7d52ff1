"""The typed events a lesson run yields; the CLI and the TUI are two faces of this one stream."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any, Literal

from envlab.engine.inspect import DriftReport, DriftRow
from envlab.engine.wording import Words

SetupKind = Literal["host", "fix"]
#: passed: ran and passed as declared; failed-as-expected: failed with the declared error;
#: failed-unexpectedly: failed, or failed for another reason; passed-unexpectedly: should have failed.
Verdict = Literal["passed", "failed-as-expected", "failed-unexpectedly", "passed-unexpectedly"]


#: The verdicts that mean "as the lesson claims": a broken setup fails with its declared error, the rest pass.
OK_VERDICTS: frozenset[str] = frozenset({"passed", "failed-as-expected"})

# Step index conventions for StepStarted/OutputLine/StepFinished: runbook steps count from 0, the
# build and the probe have their own numbers, and the challenge's solution steps count from SOLUTION_STEP.
BUILD_STEP = -1
PROBE_STEP = -2
SOLUTION_STEP = 100

#: Every event type by name: the JSON face writes these names and :func:`event_from_dict` reads them.
EVENT_TYPES: dict[str, type[Event]] = {}


@dataclass(frozen=True)
class Event:
    """Base of every event. Subclasses register themselves by name, for serialising round trips."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        EVENT_TYPES[cls.__name__] = cls

    @classmethod
    def from_fields(cls, fields: dict[str, Any]) -> Event:
        """Rebuild an event from its :meth:`to_dict` fields (types with nested values override this)."""
        return cls(**fields)

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
    fails until the learner fixes the host); ``after_fix`` says whether it ran after the fix (the
    learner's or the reference solution) or before it."""

    check: str
    target: str
    passed: bool
    expected: bool
    detail: str
    after_fix: bool = False
    #: The target had stopped, so the check could not run (the lesson must start again).
    stopped: bool = False


@dataclass(frozen=True)
class ErrorRaised(Event):
    """Something envlab could not do (Docker down, image missing); not a lesson outcome."""

    message: str
    hint: str = ""
    setup: str = ""


@dataclass(frozen=True)
class WaitingForRoom(Event):
    """The engine has no room for this run yet: ``ahead`` runs hold it or wait before this one; their
    memory and this run's make ``memory`` bytes of the room's ``room_memory``, with ``room_runs`` runs at
    once. ``started`` says the wait is over (after ``waited`` seconds)."""

    ahead: int
    memory: int
    room_memory: int
    room_runs: int
    waited: float = 0.0
    started: bool = False


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


    @classmethod
    def from_fields(cls, fields: dict[str, Any]) -> Event:
        report = fields["report"]
        rows = [DriftRow(**row) for row in report["rows"]]
        return cls(fields["lesson"], DriftReport(list(report["setups"]), rows), list(fields.get("skipped", [])))


def step_label(index: int) -> str:
    """How people name a step by its index: step 1, build, probe, fix 1 (words a face can say in any language)."""
    if index == BUILD_STEP:
        return Words("step.build")
    if index == PROBE_STEP:
        return Words("step.probe")
    if index >= SOLUTION_STEP:
        return Words("step.fix", n=index - SOLUTION_STEP + 1)
    return Words("step.runbook", n=index + 1)


def event_from_dict(data: dict[str, Any]) -> Event:
    """The event a :meth:`Event.to_dict` mapping (or a line of ``envlab run --json``) describes.

    Raises:
        ValueError: The mapping names no known event type or does not fit it.
    """
    _register_scenario_events()
    fields = dict(data)
    name = fields.pop("event", None)
    kind = EVENT_TYPES.get(str(name))
    if kind is None:
        raise ValueError(f"unknown event type {name!r}")
    try:
        return kind.from_fields(fields)
    except (TypeError, KeyError) as exc:
        raise ValueError(f"{name}: {exc}") from None


def _register_scenario_events() -> None:
    # Scenario events live with the scenario run; importing them registers them.
    import envlab.engine.scenario.events  # noqa: F401
