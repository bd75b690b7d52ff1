"""When a check must hold (``holds``): before the fix, after it, or both, as the run and the proof evaluate it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from envlab.engine.drift.run import DriftRun
from envlab.engine.events import CheckFinished, LessonFinished
from envlab.engine.images import image_needs
from envlab.engine.outcome import RunSummary
from envlab.engine.prove import prove
from envlab.lessons.catalog import load_checked
from envlab.lessons.loader import LoadedLesson
from envlab.lessons.model import DriftLesson
from envlab.runtime.contract import ExecResult, LineSink
from envlab.runtime.fake import FakeRuntime
from tests.helpers import FIXTURES

LESSON = FIXTURES / "holds" / "holds-both.yaml"


@dataclass
class ShellFake(FakeRuntime):
    """A fake whose ``echo VALUE > FILE`` writes the file and ``cat FILE`` reads it, as a shell would."""

    def exec(self, container: str, command: str, *, on_line: LineSink, timeout: float) -> ExecResult:
        if written := re.fullmatch(r"echo (\S+) > (\S+)", command):
            self.put_files(container, [(written[2], f"{written[1]}\n".encode(), 0o644)])
            return ExecResult(0, "")
        if read := re.fullmatch(r"cat (\S+)", command):
            data = self.read_file(container, read[1])
            if data is None:
                return ExecResult(1, f"cat: {read[1]}: No such file or directory")
            return ExecResult(0, data.decode())
        return super().exec(container, command, on_line=on_line, timeout=timeout)


def fake() -> ShellFake:
    """On it, every image the lesson needs (its base, and its host's image with the editor)."""
    return ShellFake(images={need.tag for need in image_needs([load_checked(LESSON)])})


def lesson_with(tmp_path: Path, solution: str) -> LoadedLesson:
    path = tmp_path / "holds-both.yaml"
    path.write_text(LESSON.read_text(encoding="utf-8").replace('"echo on > /etc/app/feature"', solution),
                    encoding="utf-8")
    return load_checked(path)


def checks_of(events: list[object]) -> list[tuple[str, bool, bool, bool]]:
    return [(e.check, e.after_fix, e.passed, e.expected) for e in events if isinstance(e, CheckFinished)]


def test_the_default_keeps_what_checks_meant_before_holds_existed() -> None:
    lesson = load_checked(LESSON).lesson
    assert isinstance(lesson, DriftLesson)
    feature, legacy = lesson.checks
    assert feature.holds is None and lesson.holds(feature) == "after"  # the challenge's: fails, then passes
    assert (lesson.expected(feature, fixed=False), lesson.expected(feature, fixed=True)) == (False, True)
    assert (lesson.expected(legacy, fixed=False), lesson.expected(legacy, fixed=True)) == (True, True)
    plain = legacy.model_copy(update={"holds": None})
    assert lesson.holds(plain) == "before"
    assert (lesson.expected(plain, fixed=False), lesson.expected(plain, fixed=True)) == (True, None)


def test_a_check_that_holds_both_runs_before_and_after_the_solution() -> None:
    events = list(DriftRun(load_checked(LESSON), fake()).events(solve=True))
    assert checks_of(events) == [
        ("feature-on", False, False, False),  # the host is broken
        ("legacy-off", False, True, True),
        ("feature-on", True, True, True),  # the solution fixed it
        ("legacy-off", True, True, True),  # and left the legacy mode off
    ]
    finished = events[-1]
    assert isinstance(finished, LessonFinished) and finished.ok


def test_a_solution_that_breaks_a_check_that_holds_both_fails_the_proof_and_says_why(tmp_path: Path) -> None:
    loaded = lesson_with(tmp_path, '"echo on > /etc/app/feature && echo LEGACY=1 > /etc/app/legacy.conf"')
    runtime = fake()

    def solve_and_break(container: str, command: str, *, on_line: LineSink, timeout: float) -> ExecResult:
        if "LEGACY=1" in command:  # both writes of the broken solution, as its shell would do them
            runtime.put_files(container, [("/etc/app/feature", b"on\n", 0o644),
                                          ("/etc/app/legacy.conf", b"LEGACY=1\n", 0o644)])
            return ExecResult(0, "")
        return ShellFake.exec(runtime, container, command, on_line=on_line, timeout=timeout)

    runtime.exec = solve_and_break  # type: ignore[method-assign]
    proof = prove(loaded, runtime, rounds=1)
    assert not proof.ok
    assert proof.rounds[0].failures == [
        "check legacy-off should pass after the fix: LEGACY='1' in /etc/app/legacy.conf, wanted '0'"]


def test_a_check_that_holds_only_after_the_fix_is_not_run_before_it(tmp_path: Path) -> None:
    text = LESSON.read_text(encoding="utf-8").replace(
        "  - name: legacy-off\n", "  - name: feature-file\n    target: server\n    type: file\n"
        "    path: /etc/app/feature\n    holds: after\n  - name: legacy-off\n")
    path = tmp_path / "holds-both.yaml"
    path.write_text(text, encoding="utf-8")
    summary = RunSummary.of(DriftRun(load_checked(path), fake()).events(solve=True))
    assert [(c.check, c.after_fix) for c in summary.checks] == [
        ("feature-on", False), ("legacy-off", False), ("feature-on", True), ("feature-file", True),
        ("legacy-off", True)]
    assert summary.as_claimed, summary.failures
