"""The architecture's promises, tested where they are cheapest: lesson kinds as types, the one entry
point that picks a run by kind, events that survive a JSON round trip, and one outcome vocabulary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from envlab.engine.drift.run import DriftRun
from envlab.engine.events import EVENT_TYPES, InspectionFinished, OutputLine, SetupFinished, event_from_dict
from envlab.engine.images import image_needs
from envlab.engine.inspect import DriftReport, DriftRow
from envlab.engine.outcome import RunSummary
from envlab.engine.run import open_run
from envlab.engine.scenario.run import ScenarioRun
from envlab.lessons.catalog import load_checked
from envlab.lessons.loader import LessonFileError, load_lesson
from envlab.lessons.model import DriftLesson, ScenarioLesson
from envlab.runtime.fake import FakeRuntime
from tests.helpers import CURRICULUM, recorded

MIXED = """\
id: mixed
chapter: 1
order: 1
title: t
summary: s
narrative: n
topology:
  services: [{name: web, image: debian:bookworm-slim}]
hosts:
  - name: a
    image: debian:bookworm-slim
    probe: {run: "true", expect: {outcome: pass}}
"""


def fake_for(path: Path) -> tuple[FakeRuntime, object]:
    loaded = load_checked(path)
    return FakeRuntime(images={need.tag for need in image_needs([loaded])}), loaded


def test_each_kind_loads_as_its_own_type() -> None:
    assert isinstance(load_lesson(CURRICULUM / "tiny-drift.yaml").lesson, DriftLesson)
    assert isinstance(load_lesson(CURRICULUM / "tiny-scenario.yaml").lesson, ScenarioLesson)


def test_a_file_of_both_kinds_is_refused_where_the_stray_kind_begins(tmp_path: Path) -> None:
    path = tmp_path / "mixed.yaml"
    path.write_text(MIXED, encoding="utf-8")
    with pytest.raises(LessonFileError) as caught:
        load_lesson(path, display="mixed.yaml")
    [problem] = caught.value.problems
    assert (problem.line, problem.col) == (9, 1)
    assert problem.message.startswith("hosts: a lesson is of one kind; this one looks like a scenario lesson")


def test_an_explicit_kind_decides_and_its_fields_are_checked(tmp_path: Path) -> None:
    path = tmp_path / "declared.yaml"
    path.write_text("kind: scenario\nid: x\nchapter: 1\norder: 1\ntitle: t\nsummary: s\nnarrative: n\n")
    with pytest.raises(LessonFileError) as caught:
        load_lesson(path, display="declared.yaml")
    assert [str(p) for p in caught.value.problems] == ["declared.yaml:1:1: topology: field required"]


@pytest.mark.parametrize(("name", "kind"), [("tiny-drift", DriftRun), ("tiny-scenario", ScenarioRun)])
def test_one_entry_point_picks_the_run_by_kind_and_it_holds_on_the_fake(name: str, kind: type) -> None:
    fake, loaded = fake_for(CURRICULUM / f"{name}.yaml")
    fake.script = {("old", r"cat /etc/greeting"): (1, ["cat: /etc/greeting: No such file or directory"]),
                   ("*", r"cat /etc/greeting"): (0, ["hello"])}
    run = open_run(loaded, fake)  # type: ignore[arg-type]
    assert isinstance(run, kind)
    summary = RunSummary.of(run.events())
    assert summary.ok is True and summary.as_claimed, summary.failures
    assert summary.removed, "the run cleaned up after itself"
    assert fake.list_resources() == []


def test_every_event_type_survives_a_json_round_trip() -> None:
    stream = recorded("self-healing")
    assert len({type(e).__name__ for e in stream}) >= 8
    for event in stream:
        back = event_from_dict(json.loads(event.to_json()))
        assert type(back) is type(event)
        assert back.to_json() == event.to_json()
    assert {"LessonStarted", "SetupFinished", "InspectionFinished", "PhaseFinished"} <= set(EVENT_TYPES)


def test_a_drift_report_comes_back_whole() -> None:
    row = DriftRow("os", "OS release", {"a": "Debian 11", "b": "Debian 12"}, "differs", [], False, True)
    event = InspectionFinished("os-skew", DriftReport(["a", "b"], [row]), ["c"])
    assert event_from_dict(json.loads(event.to_json())) == event


def test_an_unknown_event_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="unknown event type 'Nope'"):
        event_from_dict({"event": "Nope"})
    with pytest.raises(ValueError, match="OutputLine"):
        event_from_dict({"event": "OutputLine", "setup": "a"})


def test_the_summary_says_why_a_setup_did_not_go_as_claimed() -> None:
    summary = RunSummary.of([
        OutputLine("prod", 0, "Traceback (most recent call last):"),
        OutputLine("prod", 0, "KeyError: 'x'"),
        SetupFinished("prod", "failed-unexpectedly", "fail with /tomllib/", 1, "exit code 1, but not with the "
                      "declared error /tomllib/", 0.5),
        SetupFinished("dev", "passed", "pass", 0, "exit code 0", 0.4),
    ])
    assert summary.odd_setups == ["prod"]
    [failure] = summary.failures
    assert failure.startswith("prod: failed-unexpectedly (exit code 1") and "KeyError: 'x'" in failure
    assert summary.ok is None and not summary.as_claimed  # no LessonFinished yet


def test_container_output_cannot_drive_the_learners_terminal() -> None:
    """What a container prints (or a hostile lesson's asset says) is shown, never obeyed; JSON stays exact."""
    from envlab.engine.describe import describe

    hostile = "\x1b]0;pwned\x07\x1b[2J\x1b]52;c;ZXZpbA==\x07ok\u202e"
    event = OutputLine("prod", 0, hostile)
    line, _tone = describe(event) or ("", "plain")
    assert "\x1b" not in line and "\x07" not in line and "\u202e" not in line
    assert "␛]0;pwned␇" in line and line.endswith("ok<U+202E>")
    assert json.loads(event.to_json())["text"] == hostile


def test_the_rich_face_shows_escape_sequences_instead_of_sending_them() -> None:
    import io

    from rich.console import Console

    from envlab.engine.events import CheckFinished
    from envlab.headless import RichRenderer

    out = io.StringIO()
    renderer = RichRenderer(Console(file=out, color_system=None, width=120))
    renderer(OutputLine("prod", 0, "\x1b[31mred\x1b[0m"))
    renderer(CheckFinished("c", "prod", False, True, "saw \x1b]0;title\x07"))
    renderer(SetupFinished("prod", "failed-unexpectedly", "pass", 1, "exit 1: \x1b[2J", 0.1))
    text = out.getvalue()
    assert "\x1b" not in text and "\x07" not in text
    assert "␛[31mred␛[0m" in text and "␛[2J" in text
