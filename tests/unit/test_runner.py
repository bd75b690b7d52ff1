"""The runner's event stream, verdicts and clean-up, on a scripted fake runtime."""

from __future__ import annotations

import threading

import pytest

from envlab.engine.drift.run import DriftRun, judge
from envlab.engine.events import (
    PROBE_STEP,
    CheckFinished,
    CleanupFinished,
    ErrorRaised,
    LessonFinished,
    LessonStarted,
    OutputLine,
    SetupFinished,
    StepFinished,
    StepStarted,
)
from envlab.engine.images import host_image
from envlab.lessons.catalog import find_lesson
from envlab.lessons.model import Expect
from envlab.runtime.contract import ExecResult
from tests.helpers import os_skew_runtime


@pytest.fixture(scope="module")
def os_skew():  # type: ignore[no-untyped-def]
    return find_lesson("os-skew")


@pytest.mark.parametrize(
    ("outcome", "pattern", "code", "output", "verdict"),
    [
        ("pass", None, 0, "ok", "passed"),
        ("pass", "report", 0, "no", "failed-unexpectedly"),
        ("pass", None, 1, "boom", "failed-unexpectedly"),
        ("fail", "No module named 'tomllib'", 1, "No module named 'tomllib'", "failed-as-expected"),
        ("fail", "No module named 'tomllib'", 1, "Segmentation fault", "failed-unexpectedly"),
        ("fail", "No module named 'tomllib'", 0, "fine", "passed-unexpectedly"),
    ],
)
def test_judge_compares_outcome_and_declared_error(outcome, pattern, code, output, verdict):  # type: ignore[no-untyped-def]
    assert judge(Expect(outcome=outcome, output=pattern), ExecResult(code, output))[0] == verdict


def test_a_timed_out_probe_is_never_the_declared_failure() -> None:
    result = ExecResult(124, "No module named 'tomllib'", timed_out=True)
    assert judge(Expect(outcome="fail", output="tomllib"), result)[0] == "failed-unexpectedly"


def test_os_skew_stream_holds_every_expectation(os_skew) -> None:  # type: ignore[no-untyped-def]
    fake = os_skew_runtime()
    events = list(DriftRun(os_skew, fake).events())
    assert isinstance(events[0], LessonStarted)
    assert events[0].setups == ["dev-laptop", "prod-server", "container"]
    verdicts = {e.setup: e.verdict for e in events if isinstance(e, SetupFinished)}
    assert verdicts == {"dev-laptop": "passed", "prod-server": "failed-as-expected", "container": "passed"}
    assert any(isinstance(e, OutputLine) and "No module named 'tomllib'" in e.text for e in events)
    finished = events[-1]
    assert isinstance(finished, LessonFinished)
    # The fake serves no HTTP, so the container's HTTP check honestly fails.
    http = next(e for e in events if isinstance(e, CheckFinished) and e.check == "container-serves-report")
    assert not http.passed and not finished.ok
    assert isinstance(events[-2], CleanupFinished) and fake.containers == {}


def test_events_of_one_setup_come_in_order(os_skew) -> None:  # type: ignore[no-untyped-def]
    events = [e for e in DriftRun(os_skew, os_skew_runtime()).events() if getattr(e, "setup", "") == "prod-server"]
    kinds = [type(e).__name__ for e in events]
    assert kinds[0] == "SetupStarted" and kinds[-1] == "SetupFinished"
    steps = [e.index for e in events if isinstance(e, StepStarted)]
    assert steps == [0, 1, 2, PROBE_STEP]
    starts = [e for e in events if isinstance(e, StepStarted)]
    ends = [e for e in events if isinstance(e, StepFinished)]
    assert [s.index for s in starts] == [e.index for e in ends]


def test_files_are_placed_before_the_runbook(os_skew) -> None:  # type: ignore[no-untyped-def]
    fake = os_skew_runtime()
    run = DriftRun(os_skew, fake)
    list(run.events(keep=True))
    prod = run.containers["prod-server"]
    assert b"import tomllib" in fake.containers[prod].files["/tmp/release/inventory.py"]
    run.teardown()
    assert fake.containers == {}


def test_a_missing_image_is_an_error_with_the_prepare_hint(os_skew) -> None:  # type: ignore[no-untyped-def]
    fake = os_skew_runtime()
    missing = host_image(os_skew.lesson.hosts[1])
    fake.images.discard(missing)
    events = list(DriftRun(os_skew, fake).events())
    error = next(e for e in events if isinstance(e, ErrorRaised))
    # Said once, before anything starts, naming the image: never a failure per pane after containers ran.
    assert missing in error.message and "nothing was started" in error.message
    assert "envlab images prepare" in error.hint and "envlab images import" in error.hint
    assert not [e for e in events if isinstance(e, SetupFinished)]
    assert fake.containers == {} and fake.commands == []
    assert not events[-1].ok


def test_solution_then_checks_prove_the_fix(os_skew) -> None:  # type: ignore[no-untyped-def]
    fake = os_skew_runtime()
    # After `pip install tomli`, the prod host behaves like the others: drop its failing entry.
    solved = threading.Event()

    def run(container: str, command: str, **kw):  # type: ignore[no-untyped-def]
        if "pip install" in command:
            solved.set()
            fake.script.pop(("prod-server", r"inventory\.py --config"))
        return original(container, command, **kw)

    original = fake.exec
    fake.exec = run  # type: ignore[method-assign]
    events = list(DriftRun(os_skew, fake).events(solve=True))
    prod_checks = [e for e in events if isinstance(e, CheckFinished) and e.check == "prod-report-runs"]
    assert [(c.passed, c.expected) for c in prod_checks] == [(False, False), (True, True)]
    assert solved.is_set()


def test_closing_the_stream_early_tears_everything_down(os_skew) -> None:  # type: ignore[no-untyped-def]
    fake = os_skew_runtime()
    fake.block = threading.Event()
    stream = DriftRun(os_skew, fake).events()
    for event in stream:
        if isinstance(event, StepStarted):
            break
    stream.close()  # what Ctrl+C or SIGTERM does to a run in progress
    fake.block.set()
    assert fake.containers == {} and fake.networks == {}
