"""The progress store: schema migrations, WAL, recording a learner's work, export/import."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from envlab.cli import main
from envlab.engine.progress import (
    MIGRATIONS,
    SCHEMA_VERSION,
    ProgressError,
    ProgressStore,
    data_dir,
    lesson_steps,
)
from envlab.engine.progress_transfer import export_data, export_file, import_data, import_file
from envlab.lessons.catalog import load_catalog
from envlab.lessons.model import Lesson


@pytest.fixture
def lesson() -> Lesson:
    return load_catalog().get("os-skew").lesson


def test_data_dir_follows_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVLAB_DATA_DIR", str(tmp_path / "data"))
    assert data_dir() == tmp_path / "data"
    assert ProgressStore.open_default().path == tmp_path / "data" / "progress.sqlite3"


def test_a_new_database_is_migrated_to_the_latest_schema_in_wal_mode(tmp_path: Path) -> None:
    store = ProgressStore(tmp_path / "p.db")
    store.close()
    conn = sqlite3.connect(tmp_path / "p.db")
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"lesson_progress", "profile"} <= tables


def test_an_older_database_is_migrated_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.executescript(MIGRATIONS[0])
    conn.execute("PRAGMA user_version = 1")
    conn.execute("INSERT INTO lesson_progress (profile, lesson, hints_used, started_at) "
                 "VALUES ('default', 'os-skew', 2, 1.0)")
    conn.commit()
    conn.close()
    store = ProgressStore(path)
    assert store.get("os-skew").hints_used == 2
    store.opened("os-skew")  # uses the table the second migration added
    assert store.last_lesson() == "os-skew"


def test_a_database_from_a_newer_envlab_is_refused_with_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(ProgressError) as info:
        ProgressStore(path)
    assert "upgrade envlab" in info.value.hint


def test_a_lesson_goes_from_new_to_in_progress_to_done(tmp_path: Path, lesson: Lesson) -> None:
    store = ProgressStore(tmp_path / "p.db")
    assert store.get(lesson.id).state(lesson) == "new"
    assert lesson_steps(lesson) == ["run", "fix", "quiz"]
    store.step_done(lesson, "run")
    store.hint_used(lesson.id, 2)
    store.hint_used(lesson.id, 1)
    assert store.get(lesson.id).state(lesson) == "in-progress"
    store.step_done(lesson, "fix")
    store.checks_passed(lesson.id, ["prod-report-runs"])
    progress = store.quiz_taken(lesson, 2, 3)
    assert progress.state(lesson) == "done"
    assert progress.completed_at is not None
    again = store.get(lesson.id)
    assert (again.hints_used, again.quiz_score, again.quiz_total) == (2, 2, 3)
    assert again.checks_passed == ("prod-report-runs",)
    store.reset(lesson.id)
    assert store.get(lesson.id).state(lesson) == "new"


def test_profiles_are_kept_apart(tmp_path: Path, lesson: Lesson) -> None:
    ProgressStore(tmp_path / "p.db", profile="alice").step_done(lesson, "run")
    assert ProgressStore(tmp_path / "p.db", profile="bob").all() == {}


def test_each_profile_keeps_its_own_language(tmp_path: Path) -> None:
    alice, bob = ProgressStore(tmp_path / "p.db", profile="alice"), ProgressStore(tmp_path / "p.db", profile="bob")
    assert alice.language() is None
    alice.set_language("ja")
    bob.set_language("en")
    alice.set_language("ja")  # again: still one row
    assert (ProgressStore(tmp_path / "p.db", profile="alice").language(), bob.language()) == ("ja", "en")
    alice.reset()  # forgetting the progress is not forgetting the learner's language
    assert alice.language() == "ja"


def test_export_then_import_round_trips_and_merges(tmp_path: Path, lesson: Lesson) -> None:
    laptop = ProgressStore(tmp_path / "laptop.db")
    laptop.step_done(lesson, "run")
    laptop.quiz_taken(lesson, 3, 3)
    laptop.opened(lesson.id)
    kiosk = ProgressStore(tmp_path / "kiosk.db")
    kiosk.step_done(lesson, "fix")
    kiosk.hint_used(lesson.id, 3)
    exported = tmp_path / "progress.json"
    assert export_file(laptop, exported) == 1
    assert import_file(kiosk, exported).lessons == 1
    merged = kiosk.get(lesson.id)
    assert set(merged.steps_done) == {"run", "fix", "quiz"}
    assert (merged.hints_used, merged.quiz_score) == (3, 3)
    assert merged.state(lesson) == "done"
    assert kiosk.last_lesson() == lesson.id
    fresh = ProgressStore(tmp_path / "fresh.db")
    import_file(fresh, exported)
    assert export_data(fresh)["profiles"] == export_data(laptop)["profiles"]


def test_importing_something_else_says_what_to_do(tmp_path: Path) -> None:
    store = ProgressStore(tmp_path / "p.db")
    bogus = tmp_path / "bogus.json"
    bogus.write_text(json.dumps({"hello": 1}))
    with pytest.raises(ProgressError) as info:
        import_file(store, bogus)
    assert "envlab progress export" in info.value.hint
    with pytest.raises(ProgressError):
        import_file(store, tmp_path / "missing.json")


def test_cli_export_and_import(tmp_path: Path, lesson: Lesson,
                               capsys: pytest.CaptureFixture[str]) -> None:
    ProgressStore.open_default().step_done(lesson, "run")
    target = tmp_path / "out.json"
    assert main(["progress", "export", str(target)]) == 0
    assert json.loads(target.read_text())["profiles"]["default"]["lessons"]["os-skew"]
    ProgressStore.open_default().reset()
    assert main(["progress", "import", str(target)]) == 0
    assert ProgressStore.open_default().get("os-skew").steps_done == ("run",)
    assert main(["progress", "import", str(tmp_path / "nope.json")]) == 1
    assert "hint" in capsys.readouterr().err


def test_a_folder_that_cannot_be_made_is_a_progress_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(ProgressError, match="Not a directory") as raised:
        ProgressStore(blocker / "data" / "progress.sqlite3")
    assert raised.value.hint == "set ENVLAB_DATA_DIR to a writable folder"


def _export(lessons: dict[str, object]) -> dict[str, object]:
    return {"format": "envlab-progress", "version": 1, "exported_at": 1_800_000_000.0,
            "profiles": {"default": {"last_lesson": None, "lessons": lessons}}}


GOOD = {"steps_done": ["run"], "checks_passed": [], "hints_used": 1, "quiz_score": None, "quiz_total": None,
        "started_at": 1_800_000_000.0, "updated_at": 1_800_000_100.0, "completed_at": None}


@pytest.mark.parametrize(("record", "said"), [
    ({**GOOD, "steps_done": "run"}, "steps_done"),
    ({**GOOD, "quiz_score": 999, "quiz_total": 1}, "quiz_score"),
    ({**GOOD, "started_at": float("inf")}, "started_at"),
    ({**GOOD, "hints_used": "3"}, "hints_used"),
    ({**GOOD, "surprise": 1}, "surprise"),
])
def test_a_bad_record_merges_nothing_not_even_the_good_ones_before_it(tmp_path: Path, record: dict[str, object],
                                                                      said: str) -> None:
    store = ProgressStore(tmp_path / "p.db")
    with pytest.raises(ProgressError, match=said) as info:
        import_data(store, _export({"aaa-first": GOOD, "zzz-bad": record}))
    assert "nothing was merged" in info.value.hint
    assert store.all() == {}


def test_deep_nesting_and_huge_files_are_refused_plainly(tmp_path: Path) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    store = ProgressStore(tmp_path / "p.db")
    with pytest.raises(ProgressError, match="not valid JSON"):
        import_file(store, deep)
    huge = tmp_path / "huge.json"
    with huge.open("wb") as handle:
        handle.truncate(17 * 1024 * 1024)
    with pytest.raises(ProgressError, match="larger than 16 MiB"):
        import_file(store, huge)


def test_a_damaged_database_is_kept_aside_and_the_learner_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "progress.sqlite3"
    path.write_bytes(b"this is not SQLite at all" * 100)
    store = ProgressStore(path)
    assert store.kept_aside is not None and store.kept_aside.read_bytes().startswith(b"this is not SQLite")
    assert store.all() == {}
    store.hint_used("os-skew", 1)
    assert store.get("os-skew").hints_used == 1


def test_export_works_from_a_folder_that_cannot_be_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    monkeypatch.setenv("ENVLAB_DATA_DIR", str(data))
    ProgressStore.open_default().hint_used("os-skew", 2)
    data.chmod(0o555)
    try:
        store = ProgressStore.open_default(read_only=True)
        out = tmp_path / "out.json"
        assert export_file(store, out) == 1
        assert json.loads(out.read_text())["profiles"]["default"]["lessons"]["os-skew"]["hints_used"] == 2
    finally:
        data.chmod(0o755)
