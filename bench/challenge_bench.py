"""Benchmark: the learner's turn in the scenario lessons that end with a challenge done in the console.

    python bench/challenge_bench.py [--rounds N] [LESSON ...]

For each built-in lesson with a console challenge (or those named), each round is one `envlab test` round
(`envlab.engine.prove.prove`), and from its events it takes:

- the round's wall time, and how much of it the challenge took (from the first check until the last);
- the check's measurements before the reference solution (the system as the phases left it: some bound must
  fail) and after it, each with its value;
- how long the solution's lines took in the console (typed through the API filter, as a learner's keys are).

It prints a markdown table of medians and ranges. Every round carries a session of its own and leaves nothing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field

from envlab.engine.events import Event
from envlab.engine.prove import prove
from envlab.engine.scenario.events import ChallengeChecked, MeasurementChecked, PhaseStarted, SolutionTyped
from envlab.lessons.catalog import load_catalog
from envlab.lessons.model import ScenarioLesson
from envlab.runtime.docker import open_runtime


@dataclass
class Watch:
    """What one round's events say about its challenge."""

    check: str
    started: float = field(default_factory=time.monotonic)
    challenge_from: float | None = None
    solution_from: float | None = None
    solution_to: float | None = None
    challenge_to: float | None = None
    before: dict[str, float | None] = field(default_factory=dict)
    after: dict[str, float | None] = field(default_factory=dict)

    def see(self, event: Event) -> None:
        now = time.monotonic()
        match event:
            case PhaseStarted(phase=self.check) if self.challenge_from is None:
                self.challenge_from = now
            case PhaseStarted(phase=self.check) if self.solution_from is not None:
                self.solution_to = now
            case SolutionTyped() if self.solution_from is None:
                self.solution_from = now
            case MeasurementChecked(phase=self.check):
                (self.before if event.before_fix else self.after)[event.metric] = event.value
            case ChallengeChecked(fixed=True):
                self.challenge_to = now
            case _:
                pass


def spread(values: list[float]) -> str:
    if not values:
        return "–"
    median = statistics.median(values)
    return f"{median:.1f}" if len(values) == 1 else f"{median:.1f} ({min(values):.1f}–{max(values):.1f})"


def shown(values: list[float | None]) -> str:
    return ", ".join("never" if v is None else f"{v:g}" for v in values)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("lessons", nargs="*")
    args = parser.parse_args()
    catalog = load_catalog()
    chosen = [loaded for loaded in catalog.lessons
              if isinstance(loaded.lesson, ScenarioLesson) and loaded.lesson.challenge is not None
              and (not args.lessons or loaded.lesson.id in args.lessons)]
    runtime = open_runtime()
    rows: list[str] = []
    failed = False
    for loaded in chosen:
        lesson = loaded.lesson
        assert isinstance(lesson, ScenarioLesson) and lesson.challenge is not None
        figures: dict[str, list[float]] = defaultdict(list)
        before: dict[str, list[float | None]] = defaultdict(list)
        after: dict[str, list[float | None]] = defaultdict(list)
        for _ in range(args.rounds):
            watch = Watch(lesson.challenge.check.name)
            proof = prove(loaded, runtime, rounds=1, on_event=watch.see)
            failed = failed or not proof.ok
            figures["round"].append(proof.rounds[0].duration)
            if watch.challenge_from is not None and watch.challenge_to is not None:
                figures["challenge"].append(watch.challenge_to - watch.challenge_from)
            if watch.solution_from is not None and watch.solution_to is not None:
                figures["solution"].append(watch.solution_to - watch.solution_from)
            for metric, value in watch.before.items():
                before[metric].append(value)
            for metric, value in watch.after.items():
                after[metric].append(value)
            print(f"{lesson.id}: {'proven' if proof.ok else 'NOT proven'} in {proof.rounds[0].duration:.1f} s",
                  *proof.rounds[0].failures, sep="\n  ", file=sys.stderr)
        measured = "; ".join(f"{metric}: {shown(before[metric])} → {shown(after.get(metric, []))}"
                             for metric in before)
        rows.append(f"| {lesson.id} | {spread(figures['round'])} | {spread(figures['challenge'])} | "
                    f"{spread(figures['solution'])} | {measured} |")
    print(f"rounds per lesson: {args.rounds}\n")
    print("| lesson | round (s) | challenge (s) | solution in the console (s) | check: before → after the solution |")
    print("|---|---|---|---|---|")
    print("\n".join(rows))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
