"""`envlab test`: prove a lesson's claims on the engine, more than once, leaving nothing behind."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from envlab.engine.events import CheckFinished, ErrorRaised, Event, LessonFinished, OutputLine, SetupFinished
from envlab.engine.runner import LessonRun
from envlab.engine.scenario_events import MeasurementChecked
from envlab.lessons.loader import LoadedLesson
from envlab.runtime.labels import SESSION, Session
from envlab.runtime.protocol import Runtime


@dataclass
class Round:
    """One proof of one lesson."""

    number: int
    ok: bool = False
    duration: float = 0.0
    failures: list[str] = field(default_factory=list)
    verdicts: dict[str, str] = field(default_factory=dict)


@dataclass
class Proof:
    """Every round of one lesson's proof."""

    lesson: str
    rounds: list[Round] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.rounds) and all(r.ok for r in self.rounds)


def prove(loaded: LoadedLesson, runtime: Runtime, *, rounds: int = 2, lang: str = "en",
          on_event: Callable[[Event], None] | None = None) -> Proof:
    """Run the lesson with its reference solution ``rounds`` times and check what it claims.

    Each round must show: every setup as declared (broken hosts fail with their declared error, the
    rest pass), every check as claimed (challenge checks fail before the fix and pass after it), the
    solution making the host's probe pass, and no container or network left behind.
    """
    proof = Proof(loaded.lesson.id)
    for number in range(1, rounds + 1):
        session = Session()
        current = Round(number)
        started = time.monotonic()
        tails: dict[str, list[str]] = {}
        for event in LessonRun(loaded, runtime, session=session, lang=lang).events(solve=True):
            if on_event:
                on_event(event)
            _collect(event, current, tails)
        leftovers = runtime.list_resources({SESSION: session.id})
        if leftovers:
            current.failures.append("left behind: " + ", ".join(r.name for r in leftovers))
            current.ok = False
        current.duration = round(time.monotonic() - started, 1)
        proof.rounds.append(current)
    return proof


def _collect(event: Event, current: Round, tails: dict[str, list[str]]) -> None:
    if isinstance(event, OutputLine):
        tails[event.setup] = [*tails.get(event.setup, [])[-5:], event.text]
    elif isinstance(event, SetupFinished):
        current.verdicts[event.setup] = event.verdict
        if event.verdict not in ("passed", "failed-as-expected"):
            tail = "\n      ".join(tails.get(event.setup, []))
            current.failures.append(f"{event.setup}: {event.verdict} ({event.reason})\n      {tail}")
    elif isinstance(event, CheckFinished) and event.passed != event.expected:
        claim = "pass" if event.expected else "fail"
        current.failures.append(f"check {event.check} should {claim}: {event.detail}")
    elif isinstance(event, MeasurementChecked) and not event.ok:
        value = "never" if event.value is None else f"{event.value:g}"
        current.failures.append(f"{event.phase}: {event.metric} = {value}, outside [{event.low}, {event.high}]"
                                + (f" ({event.detail})" if event.detail else ""))
    elif isinstance(event, ErrorRaised):
        current.failures.append(f"error: {event.message}")
    elif isinstance(event, LessonFinished):
        current.ok = event.ok and not current.failures
