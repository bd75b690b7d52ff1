"""`envlab new`: what it writes validates as written (no engine needed), in every layout the docs name,
is commented in both languages, points its editor at the pack's schema, and never overwrites a file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from envlab.engine.images import image_needs
from envlab.lessons.catalog import load_catalog, load_checked
from envlab.lessons.scaffold import ScaffoldRefused, scaffold
from envlab.lessons.schema import schema_json
from tests.helpers import envlab

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
ENGLISH = re.compile(r"[A-Za-z]{3,}")


@pytest.mark.parametrize("kind", ["drift", "scenario"])
def test_a_new_lesson_validates_with_no_problem_and_no_warning(tmp_path: Path, kind: str) -> None:
    written = scaffold(kind, tmp_path, lesson_id=f"new-{kind}")
    loaded = load_checked(written.lessons[f"new-{kind}"])
    assert loaded.lesson.kind == kind
    assert loaded.lesson.id == f"new-{kind}"
    assert loaded.warnings == ()


def test_a_new_pack_holds_one_lesson_of_each_kind_that_validate_as_a_folder(tmp_path: Path) -> None:
    result = envlab("new", "pack", str(tmp_path / "pack"), "--id", "demo")
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "pack" / "pack.yaml").is_file()
    checked = envlab("validate", str(tmp_path / "pack"))
    assert checked.returncode == 0, checked.stdout
    assert "2 lesson file(s) valid" in checked.stdout
    assert "warning" not in checked.stdout
    assert "envlab test demo-drift demo-scenario --lessons" in result.stdout


def test_a_new_lesson_in_a_course_lessons_folder_puts_assets_and_schema_beside_it(tmp_path: Path) -> None:
    course = tmp_path / "course"
    scaffold("drift", course / "lessons", lesson_id="greeter")
    scaffold("scenario", course / "lessons", lesson_id="crash")
    assert (course / "assets" / "greeter" / "fix" / "Dockerfile").is_file()
    assert (course / "assets" / "crash" / "web" / "app.py").is_file()
    for lesson in ("greeter", "crash"):
        loaded = load_checked(course / "lessons" / f"{lesson}.yaml")
        assert loaded.assets_dir == (course / "assets" / lesson).resolve()
    result = envlab("validate", str(course))
    assert result.returncode == 0, result.stdout
    assert "2 lesson file(s) valid" in result.stdout


@pytest.mark.parametrize("kind", ["drift", "scenario"])
def test_the_modeline_names_the_pack_schema_which_is_the_current_one(tmp_path: Path, kind: str) -> None:
    for folder in (tmp_path / "top", tmp_path / "course" / "lessons"):
        written = scaffold(kind, folder)
        path = next(iter(written.lessons.values()))
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema=")
        schema = path.parent / first.removeprefix("# yaml-language-server: $schema=")
        assert schema.read_text(encoding="utf-8") == schema_json()


@pytest.mark.parametrize("kind", ["drift", "scenario"])
def test_every_top_level_field_is_explained_in_english_and_japanese(tmp_path: Path, kind: str) -> None:
    path = next(iter(scaffold(kind, tmp_path).lessons.values()))
    lines = path.read_text(encoding="utf-8").splitlines()
    keys = [index for index, line in enumerate(lines) if re.match(r"^[a-z_]+:", line)]
    assert len(keys) >= 10
    for index in keys:
        above: list[str] = []
        for line in reversed(lines[:index]):
            if not line.startswith("#"):
                break
            above.append(line)
        comment = "\n".join(above)
        assert ENGLISH.search(comment) and JAPANESE.search(comment), f"{lines[index]!r} has no comment in both"


def test_the_texts_a_learner_reads_are_in_both_languages(tmp_path: Path) -> None:
    for kind in ("drift", "scenario"):
        lesson = load_checked(next(iter(scaffold(kind, tmp_path / kind).lessons.values()))).lesson
        for text in (lesson.title, lesson.summary, lesson.narrative, *lesson.goals, *lesson.hints):
            assert isinstance(text, dict) and set(text) == {"en", "ja"}


def test_new_refuses_to_overwrite_and_leaves_every_file_as_it_was(tmp_path: Path) -> None:
    scaffold("drift", tmp_path, lesson_id="mine")
    lesson = tmp_path / "mine.yaml"
    lesson.write_text("# my own edits\n", encoding="utf-8")
    dockerfile = tmp_path / "assets" / "mine" / "fix" / "Dockerfile"
    dockerfile.unlink()
    with pytest.raises(ScaffoldRefused) as caught:
        scaffold("drift", tmp_path, lesson_id="mine")
    assert str(lesson) in caught.value.message and caught.value.exit_code == 73
    assert lesson.read_text(encoding="utf-8") == "# my own edits\n"
    assert not dockerfile.exists()  # nothing was written, not even what was missing


def test_new_on_the_command_line_refuses_with_a_message_and_exit_code_73(tmp_path: Path) -> None:
    assert envlab("new", "scenario", str(tmp_path)).returncode == 0
    again = envlab("new", "scenario", str(tmp_path))
    assert again.returncode == 73
    assert "refusing to overwrite" in again.stderr and "--id" in again.stderr
    assert "Traceback" not in again.stderr


def test_new_keeps_a_schema_that_is_there(tmp_path: Path) -> None:
    (tmp_path / "schema").mkdir()
    (tmp_path / "schema" / "lesson.schema.json").write_text("{}", encoding="utf-8")
    written = scaffold("drift", tmp_path)
    assert written.kept == [tmp_path / "schema" / "lesson.schema.json"]
    assert (tmp_path / "schema" / "lesson.schema.json").read_text(encoding="utf-8") == "{}"


@pytest.mark.parametrize(("args", "said"), [
    (["--id", "Bad_Id"], "'Bad_Id' is not an id envlab accepts"),
    (["--id", "os-skew"], "envlab already has a lesson with the id os-skew"),
])
def test_new_refuses_an_id_it_cannot_use(tmp_path: Path, args: list[str], said: str) -> None:
    result = envlab("new", "drift", str(tmp_path / "x"), *args)
    assert result.returncode == 73
    assert said in result.stderr
    assert not (tmp_path / "x").exists()


def test_a_pack_id_leaves_room_for_its_lessons_ids(tmp_path: Path) -> None:
    with pytest.raises(ScaffoldRefused, match="at most 31 characters"):
        scaffold("pack", tmp_path, lesson_id="p" * 32)


def test_new_into_a_path_that_is_a_file_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("", encoding="utf-8")
    result = envlab("new", "drift", str(tmp_path / "taken"))
    assert result.returncode == 73
    assert "cannot write" in result.stderr and "Traceback" not in result.stderr


def test_new_has_help_naming_its_kinds() -> None:
    result = envlab("new", "--help")
    assert result.returncode == 0 and "drift, scenario or pack" in result.stdout


def test_a_lesson_added_to_a_pack_shares_its_schema_and_assets_folder(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    scaffold("pack", pack, lesson_id="osaka")
    added = scaffold("drift", pack, lesson_id="extra")
    assert added.kept == [pack / "schema" / "lesson.schema.json"]
    assert load_checked(pack / "extra.yaml").assets_dir == (pack / "assets" / "extra").resolve()
    below = scaffold("scenario", pack / "chapter-2", lesson_id="below")  # pack.yaml is in the folder above
    assert below.kept == [pack / "schema" / "lesson.schema.json"]
    loaded = load_checked(pack / "chapter-2" / "below.yaml")
    assert loaded.assets_dir == (pack / "assets" / "below").resolve()
    first = (pack / "chapter-2" / "below.yaml").read_text(encoding="utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=../schema/lesson.schema.json"


def test_what_new_writes_needs_no_image_the_built_in_course_does_not_already_need(tmp_path: Path) -> None:
    """Only the lessons' own builds are new, and they start from the course's prepared images, offline."""
    written = scaffold("pack", tmp_path, lesson_id="demo")
    needs = image_needs([load_checked(path) for path in written.lessons.values()])
    course = {need.tag for need in image_needs(load_catalog().lessons)}
    shared = {need.tag for need in needs if need.kind in ("base", "host")}
    assert shared and shared <= course
    assert {need.kind for need in needs if need.tag not in course} <= {"fix", "service"}


def test_the_command_offers_every_kind_the_scaffold_writes() -> None:
    from envlab.cli.main import _parser
    from envlab.lessons.scaffold import KINDS

    for kind in KINDS:
        assert _parser().parse_args(["new", kind, "x"]).kind == kind
    with pytest.raises(SystemExit):
        _parser().parse_args(["new", "quiz", "x"])
