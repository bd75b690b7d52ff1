"""The day's progress: exports of several kiosks in one table, as text, CSV and a self-contained HTML page."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from rich.console import Console

from envlab.cli import main
from envlab.engine.progress import ProgressStore
from envlab.engine.progress_report import collect
from envlab.engine.progress_transfer import export_file
from envlab.headless.progress_report import CSV_FIELDS, csv_text, duration, html_page, report_table
from envlab.lessons.catalog import load_catalog
from envlab.lessons.model import Lesson
from envlab.lessons.text import pick

HOSTILE = '<script>alert("x")</script>&"><img src=x onerror=alert(1)>'
FORMULA = "=HYPERLINK(\"http://evil.example\")"


@pytest.fixture
def lesson() -> Lesson:
    return load_catalog().get("os-skew").lesson


@pytest.fixture
def lessons() -> dict[str, Lesson]:
    return {loaded.lesson.id: loaded.lesson for loaded in load_catalog().lessons}


def kiosk_export(folder: Path, lesson: Lesson, out: Path, learners: dict[str, int], *, finished: str = "") -> Path:
    """One kiosk: each learner ran the lesson and saw that many hints; ``finished`` also fixed the host, took the
    quiz and had the lesson open 754 s."""
    for name, hints in learners.items():
        store = ProgressStore(folder / "progress.sqlite3", profile=name)
        store.step_done(lesson, "run")
        store.hint_used(lesson.id, hints)
        if name == finished:
            store.step_done(lesson, "fix")
            store.quiz_taken(lesson, 2, 3)
            store.time_spent(lesson.id, 754.0)
    export_file(ProgressStore(folder / "progress.sqlite3"), out, every_profile=True)
    return out


@pytest.fixture
def two_kiosks(tmp_path: Path, lesson: Lesson) -> Path:
    day = tmp_path / "day"
    day.mkdir()
    kiosk_export(tmp_path / "kiosk-a", lesson, day / "a.json", {"alice": 1, HOSTILE: 0}, finished="alice")
    kiosk_export(tmp_path / "kiosk-b", lesson, day / "b.json", {"bob": 2, "alice": 3, FORMULA: 0})
    return day


def test_two_kiosks_list_every_learner_and_keep_a_shared_name_apart(two_kiosks: Path,
                                                                   lessons: dict[str, Lesson]) -> None:
    report = collect([two_kiosks], lessons=lessons)
    assert report.unreadable == [] and len(report.files_read) == 2
    assert sorted(report.learners) == sorted(["alice", "bob", HOSTILE, FORMULA])
    alices = [row for row in report.rows if row.learner == "alice"]
    assert len(alices) == 2 and alices[0].machine != alices[1].machine, "one row per learner and machine"
    done = next(row for row in alices if row.progress.quiz_score is not None)
    assert (done.state, done.challenge_solved, done.progress.hints_used) == ("done", True, 1)
    assert done.title == pick(lessons["os-skew"].title, "en") != "os-skew", "the lesson's title, as known here"
    other = next(row for row in alices if row is not done)
    assert (other.state, other.challenge_solved, other.progress.hints_used) == ("in-progress", False, 3)
    bob = next(row for row in report.rows if row.learner == "bob")
    assert (bob.state, bob.challenge_solved, bob.progress.seconds_spent) == ("in-progress", False, None)


def test_the_same_export_twice_is_one_row(two_kiosks: Path) -> None:
    once = collect([two_kiosks / "a.json"])
    twice = collect([two_kiosks / "a.json", two_kiosks / "a.json", two_kiosks])
    assert len(twice.rows) == len(collect([two_kiosks]).rows) and len(once.rows) == 2


def test_the_table_shows_what_was_recorded_and_nothing_invented(two_kiosks: Path,
                                                               lessons: dict[str, Lesson]) -> None:
    console = Console(record=True, width=200, color_system=None)
    console.print(report_table(collect([two_kiosks], lessons=lessons)))
    lines = [" ".join(line.split()) for line in console.export_text().splitlines()]
    kiosk_a = next(row.machine for row in collect([two_kiosks]).rows if row.progress.quiz_score is not None)
    assert kiosk_a is not None
    alice = lines.index(f"alice · {kiosk_a.label}")
    assert lines[alice + 1] == "os-skew done 12 min 1 2/3 yes"
    bob = next(i for i, line in enumerate(lines) if line.startswith("bob · "))
    assert lines[bob + 1] == "os-skew in progress — 2 — no", "bob's time was never measured: it says so"
    assert any(line.startswith(HOSTILE) for line in lines), "markup in a name is shown as it is, not obeyed"
    assert duration(None) == "not recorded" and duration(45.2) == "45 s" and duration(3_900) == "1 h 05 min"


def test_csv_parses_and_no_cell_is_a_formula(two_kiosks: Path, lessons: dict[str, Lesson]) -> None:
    rows = list(csv.DictReader(io.StringIO(csv_text(collect([two_kiosks], lessons=lessons)))))
    assert tuple(rows[0]) == CSV_FIELDS and len(rows) == 5
    by_learner = {(r["learner"], r["machine_id"]): r for r in rows}
    assert len(by_learner) == 5
    alice = next(r for r in rows if r["learner"] == "alice" and r["quiz_score"])
    assert (alice["seconds_spent"], alice["hints_used"], alice["quiz_score"], alice["quiz_total"],
            alice["challenge_solved"], alice["state"]) == ("754", "1", "2", "3", "yes", "done")
    bob = next(r for r in rows if r["learner"] == "bob")
    assert bob["seconds_spent"] == "" and bob["quiz_score"] == "", "not recorded is an empty cell, not 0"
    assert {r["learner"] for r in rows} >= {HOSTILE, "'" + FORMULA}
    assert not any(value.startswith(("=", "+", "-", "@")) for r in rows for value in r.values())


def test_html_escapes_every_value_and_loads_nothing(two_kiosks: Path, lessons: dict[str, Lesson]) -> None:
    page = html_page(collect([two_kiosks], lessons=lessons))
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&quot;&gt;&lt;img" in page
    lowered = page.lower()
    for forbidden in ("<script", "<img", "<link", "<iframe", "<object", "<embed", "@import", "url("):
        assert forbidden not in lowered, forbidden
    tags = re.findall(r"<[^>]*>", lowered)
    assert not [tag for tag in tags if "src=" in tag or "href=" in tag or " on" in tag], "nothing loads or runs"
    assert "default-src 'none'" in page and "<style>" in page


def test_a_corrupt_or_foreign_input_is_named_and_the_others_still_reported(
        two_kiosks: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (two_kiosks / "broken.json").write_text((two_kiosks / "a.json").read_text()[:-40])
    (two_kiosks / "foreign.json").write_text(json.dumps({"name": "not ours"}))
    (two_kiosks / "notes.txt").write_text("only .json files of a folder are read")
    out_csv, out_html = tmp_path / "day.csv", tmp_path / "day.html"
    code = main(["progress", "report", str(two_kiosks), str(tmp_path / "missing.json"),
                 "--csv", str(out_csv), "--html", str(out_html)])
    assert code == 1
    said = capsys.readouterr()
    err = " ".join(said.err.split())
    assert f"{two_kiosks / 'broken.json'} is not valid JSON" in err
    assert f"{two_kiosks / 'foreign.json'}: this file is not an envlab progress export" in err
    assert f"{tmp_path / 'missing.json'}: no such file or folder" in err
    assert "notes.txt" not in err and "Traceback" not in err
    assert "bob" in said.out and "alice" in said.out
    assert len(list(csv.DictReader(out_csv.open(encoding="utf-8")))) == 5
    page = out_html.read_text(encoding="utf-8")
    assert "broken.json" in page and "bob" in page


def test_an_older_export_is_reported_by_file(tmp_path: Path) -> None:
    older = {"format": "envlab-progress", "version": 1, "exported_at": 1_800_000_000.0,
             "profiles": {"default": {"lessons": {"os-skew": {"hints_used": 4, "started_at": 1_800_000_000.0}}}}}
    for name in ("one.json", "two.json"):
        (tmp_path / name).write_text(json.dumps(older))
    report = collect([tmp_path / "one.json", tmp_path / "two.json"])
    assert [row.machine for row in report.rows] == [None, None]
    assert len(report.rows) == 2, "two older files are two machines, never merged into one"
    rows = list(csv.DictReader(io.StringIO(csv_text(report))))
    assert [r["machine"] for r in rows] == ["", ""]
    assert {r["file"] for r in rows} == {str(tmp_path / "one.json"), str(tmp_path / "two.json")}


def test_cli_report_of_two_kiosks_exit_zero(two_kiosks: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["progress", "report", str(two_kiosks / "a.json"), str(two_kiosks / "b.json")]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "alice" in out and "bob" in out and "4 learner(s), 5 lesson record(s) from 2 file(s)" in out
