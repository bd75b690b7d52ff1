"""`envlab test`: prove a lesson's claims on the engine, more than once, leaving nothing behind."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from envlab.engine.events import Event
from envlab.engine.outcome import RunSummary
from envlab.engine.run import open_run
from envlab.lessons.loader import LoadedLesson
from envlab.runtime.contract import Runtime
from envlab.runtime.labels import SESSION, Session


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
        summary = RunSummary()
        for event in open_run(loaded, runtime, session=session, lang=lang).events(solve=True):
            if on_event:
                on_event(event)
            summary.add(event)
        current.verdicts = dict(summary.verdicts)
        current.failures = summary.failures
        current.ok = summary.as_claimed
        leftovers = runtime.list_resources({SESSION: session.id})
        if leftovers:
            current.failures.append("left behind: " + ", ".join(r.name for r in leftovers))
            current.ok = False
        current.duration = round(time.monotonic() - started, 1)
        proof.rounds.append(current)
    return proof
