"""Learner profiles and progress between machines: each learner kept apart, the machine named, older exports read."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from envlab import __version__
from envlab.cli import main
from envlab.engine.machine import MACHINE_ID_FILE, machine_id, this_machine
from envlab.engine.progress import MIGRATIONS, ProgressError, ProgressStore
from envlab.engine.progress_transfer import export_data, export_file, import_data, import_file
from envlab.lessons.catalog import load_catalog
from envlab.lessons.model import Lesson


@pytest.fixture
def lesson() -> Lesson:
    return load_catalog().get("os-skew").lesson


def kiosk(folder: Path, lesson: Lesson, **learners: int) -> ProgressStore:
    """A kiosk's store in ``folder`` where each learner saw that many hints and ran the lesson."""
    store = ProgressStore(folder / "progress.sqlite3")
    for name, hints in learners.items():
        learner = ProgressStore(store.path, profile=name)
        learner.step_done(lesson, "run")
        learner.hint_used(lesson.id, hints)
    return store


def test_an_export_names_the_learner_the_machine_and_envlab(tmp_path: Path, lesson: Lesson) -> None:
    store = kiosk(tmp_path / "kiosk", lesson, alice=1, bob=2)
    store.create_profile("carol")
    store.switch_profile("alice")
    one = export_data(store)
    assert list(one["profiles"]) == ["alice"], "without --all, only the profile in use"
    assert one["version"] == 2 and one["envlab_version"] == __version__
    machine = this_machine(tmp_path / "kiosk")
    assert one["machine"] == {"hostname": machine.hostname, "id": machine.id}
    assert machine.id is not None and (tmp_path / "kiosk" / MACHINE_ID_FILE).read_text().strip() == machine.id
    assert export_data(store)["machine"]["id"] == machine.id, "the id is kept, not made anew"
    every = export_data(store, every_profile=True)
    assert list(every["profiles"]) == ["alice", "bob", "carol"]


def test_a_round_trip_keeps_two_learners_apart(tmp_path: Path, lesson: Lesson) -> None:
    exported = tmp_path / "kiosk.json"
    assert export_file(kiosk(tmp_path / "kiosk", lesson, alice=1, bob=3), exported, every_profile=True) == 2
    laptop = ProgressStore(tmp_path / "laptop" / "progress.sqlite3", profile="alice")
    laptop.quiz_taken(lesson, 3, 3)
    result = import_file(laptop, exported)
    assert result.merged == {"alice": 1, "bob": 1} and result.created == ("bob",)
    assert result.unnamed_into is None and result.machine == this_machine(tmp_path / "kiosk")
    alice, bob = laptop.get(lesson.id), ProgressStore(laptop.path, profile="bob").get(lesson.id)
    assert (alice.hints_used, alice.quiz_score, set(alice.steps_done)) == (1, 3, {"run", "quiz"})
    assert (bob.hints_used, bob.quiz_score, bob.steps_done) == (3, None, ("run",))
    assert ProgressStore(laptop.path, profile="default").all() == {}, "nothing was merged into one profile"
    again = import_file(laptop, exported)
    assert again.created == () and laptop.get(lesson.id).hints_used == 1, "importing twice changes nothing"


def test_an_older_export_goes_into_the_profile_in_use(tmp_path: Path, lesson: Lesson) -> None:
    older = {"format": "envlab-progress", "version": 1, "exported_at": 1_800_000_000.0, "profiles": {
        "default": {"last_lesson": "os-skew", "lessons": {"os-skew": {
            "steps_done": ["run"], "checks_passed": [], "hints_used": 2, "quiz_score": None, "quiz_total": None,
            "started_at": 1_800_000_000.0, "updated_at": 1_800_000_100.0, "completed_at": None}}}}}
    store = ProgressStore(tmp_path / "p.db", profile="dana")
    result = import_data(store, older)
    assert result.unnamed_into == "dana" and result.merged == {"dana": 1} and result.machine is None
    assert store.get(lesson.id).hints_used == 2
    assert result.created == ("dana",)
    assert import_data(store, older, unnamed_into="erin").merged == {"erin": 1}
    assert ProgressStore(store.path, profile="default").all() == {}
    fresh = import_data(ProgressStore(tmp_path / "fresh.db"), older)
    assert fresh.merged == {"default": 1} and fresh.created == (), "the default profile is never new"


@pytest.mark.parametrize(("change", "said"), [
    (lambda d: d.pop("machine"), "names its machine"),
    (lambda d: d.update(version=1), "version 1 export has no machine"),
    (lambda d: d["machine"].update(id="NOT-HEX"), "machine.id"),
    (lambda d: d["machine"].update(hostname="bad host\x1b[2J"), "machine.hostname"),
    (lambda d: d["profiles"]["bob"]["lessons"]["os-skew"].update(seconds_spent=-1.0), "seconds_spent"),
    (lambda d: d["profiles"].update({"\x1b[31mmallory": {"lessons": {}}}), "<U+001B>[31mmallory"),
    (lambda d: d.update(version=True), "version True is not supported"),
])
def test_a_bad_export_changes_nothing_and_says_where(tmp_path: Path, lesson: Lesson, change, said: str) -> None:  # type: ignore[no-untyped-def]
    data = export_data(kiosk(tmp_path / "kiosk", lesson, alice=1, bob=1), every_profile=True)
    change(data)
    store = ProgressStore(tmp_path / "p.db")
    with pytest.raises(ProgressError) as info:
        import_data(store, data)
    assert said in info.value.message and "\x1b" not in info.value.message
    assert store.profile_names() == set(), "no profile was made, no record merged"


def test_profiles_are_listed_created_and_switched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  lesson: Lesson) -> None:
    monkeypatch.setenv("ENVLAB_DATA_DIR", str(tmp_path / "data"))
    store = ProgressStore.open_default()
    assert [(p.name, p.current) for p in store.profiles()] == [("default", True)]
    store.create_profile("seat 7")
    with pytest.raises(ProgressError, match="exists already"):
        store.create_profile("seat 7")
    with pytest.raises(ProgressError, match="cannot name a profile"):
        store.create_profile("bell\x07")
    with pytest.raises(ProgressError) as missing:
        store.switch_profile("nobody")
    assert "envlab progress profiles create nobody" in missing.value.hint
    store.switch_profile("seat 7")
    reopened = ProgressStore.open_default()
    assert reopened.profile == "seat 7", "the TUI opens the profile switched to"
    reopened.step_done(lesson, "run")
    listed = {p.name: (p.lessons, p.current) for p in reopened.profiles()}
    assert listed == {"default": (0, False), "seat 7": (1, True)}
    assert ProgressStore.open_default("default").all() == {}


def test_time_spent_adds_up_without_starting_the_lesson(tmp_path: Path, lesson: Lesson) -> None:
    store = ProgressStore(tmp_path / "p.db")
    assert store.get(lesson.id).seconds_spent is None, "not recorded until the lesson is opened"
    store.time_spent(lesson.id, 30.0)
    assert store.get(lesson.id).state(lesson) == "new"
    assert store.time_spent(lesson.id, 12.5).seconds_spent == 42.5
    copy = ProgressStore(tmp_path / "copy.db")
    import_data(copy, export_data(store))
    assert copy.get(lesson.id).seconds_spent == 42.5
    import_data(copy, export_data(store))
    assert copy.get(lesson.id).seconds_spent == 42.5, "the larger of two records, never counted twice"


def test_an_older_database_exports_read_only_without_being_changed(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    conn = sqlite3.connect(data / "progress.sqlite3")
    for migration in MIGRATIONS[:2]:
        conn.executescript(migration)
    conn.execute("PRAGMA user_version = 2")
    conn.execute("INSERT INTO lesson_progress (profile, lesson, hints_used, started_at) "
                 "VALUES ('default', 'os-skew', 2, 1800000000.0)")
    conn.commit()
    conn.close()
    data.chmod(0o555)
    try:
        store = ProgressStore(data / "progress.sqlite3", read_only=True)
        exported = export_data(store)
    finally:
        data.chmod(0o755)
    assert exported["profiles"]["default"]["lessons"]["os-skew"]["hints_used"] == 2
    assert exported["profiles"]["default"]["lessons"]["os-skew"]["seconds_spent"] is None, "not recorded then"
    conn = sqlite3.connect(data / "progress.sqlite3")
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 2, "read from an up-to-date copy, not migrated"
    conn.close()


def test_the_machine_id_is_made_once_and_a_damaged_one_replaced(tmp_path: Path) -> None:
    first = machine_id(tmp_path)
    assert first is not None and machine_id(tmp_path) == first
    (tmp_path / MACHINE_ID_FILE).write_text("garbage\n")
    second = machine_id(tmp_path)
    assert second is not None and second != first and machine_id(tmp_path) == second
    assert sorted(p.name for p in tmp_path.iterdir()) == [MACHINE_ID_FILE], "no spare file left behind"
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert machine_id(blocker / "data") is None


def test_cli_profiles_export_and_import(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lesson: Lesson,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("ENVLAB_DATA_DIR", str(tmp_path / "kiosk"))
    assert main(["progress", "profiles", "create", "alice"]) == 0
    assert main(["progress", "profiles", "switch", "alice"]) == 0
    ProgressStore.open_default().step_done(lesson, "run")
    assert main(["progress", "profiles"]) == 0
    listing = capsys.readouterr().out
    assert "* " in listing and "alice" in listing and "default" in listing
    assert main(["progress", "profiles", "switch", "nobody"]) == 1
    assert "envlab progress profiles create nobody" in capsys.readouterr().err
    only_default = tmp_path / "default.json"
    assert main(["progress", "export", str(only_default), "--profile", "default"]) == 0
    assert list(json.loads(only_default.read_text())["profiles"]) == ["default"], "--profile after the action"
    stick = tmp_path / "stick"
    stick.mkdir()
    assert main(["progress", "export", "--all", str(stick)]) == 0
    [written] = stick.iterdir()
    assert written.name.startswith(f"envlab-progress-{this_machine(tmp_path / 'kiosk').hostname}-")
    assert list(json.loads(written.read_text())["profiles"]) == ["alice"], "every profile with progress"
    monkeypatch.setenv("ENVLAB_DATA_DIR", str(tmp_path / "office"))
    assert main(["progress", "import", str(written)]) == 0
    said = capsys.readouterr().out
    assert "'alice': 1 lesson record(s) (a new profile)" in said
    assert ProgressStore.open_default("alice").get(lesson.id).steps_done == ("run",)
    broken = tmp_path / "broken.json"
    broken.write_text(written.read_text()[:-20])
    assert main(["progress", "import", str(broken)]) == 1
    err = capsys.readouterr().err
    assert str(broken) in err and "not valid JSON" in err and "Traceback" not in err


def test_cli_says_where_an_older_export_went(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    older = tmp_path / "old.json"
    older.write_text(json.dumps({"format": "envlab-progress", "version": 1, "exported_at": 1_800_000_000.0,
                                 "profiles": {"default": {"lessons": {"os-skew": {"hints_used": 1}}}}}))
    assert main(["progress", "profiles", "create", "frank"]) == 0
    assert main(["progress", "profiles", "switch", "frank"]) == 0
    assert main(["progress", "import", str(older)]) == 0
    said = " ".join(capsys.readouterr().out.split())
    assert "older envlab and does not say whose progress it is: its progress went into profile 'frank'" in said
    assert ProgressStore.open_default().get("os-skew").hints_used == 1
