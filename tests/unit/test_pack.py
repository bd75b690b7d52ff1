"""A pack's pack.yaml: a validated manifest (file:line:col like lessons), the envlab it needs, and the chapter
titles the faces show; the built-in course is a pack too."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from envlab import __version__
from envlab.lessons.catalog import catalog_of, load_catalog, load_checked, scan
from envlab.lessons.loader import LessonFileError
from envlab.lessons.pack import PackFileError, load_pack, version_problem
from envlab.lessons.scaffold import scaffold
from envlab.lessons.schema import pack_schema_json, schema_json
from tests.helpers import REPO, envlab

EXAMPLE = REPO / "examples" / "pack-example"
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
GOOD = """\
id: demo
title: {en: Demo, ja: デモ}
version: "1.2"
authors: [Aiko Tanaka]
languages: [en, ja]
envlab: ">=0.1"
chapters:
  10: {en: Ten, ja: 第十}
"""


LESSON = """\
id: demo-{index}
chapter: 10
order: 1
title: Demo
summary: A host that works.
narrative: It works.
hosts:
  - name: host
    image: debian:bookworm-slim
    probe: {{run: "true", expect: {{outcome: pass}}}}
"""


def write_pack(folder: Path, manifest: str = GOOD, lessons: int = 1) -> Path:
    """A pack in ``folder``: its ``pack.yaml`` and ``lessons`` copies of a tiny drift lesson in chapter 10."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pack.yaml").write_text(manifest, encoding="utf-8")
    for index in range(lessons):
        (folder / f"demo-{index}.yaml").write_text(LESSON.format(index=index), encoding="utf-8")
    return folder


def problems_of(path: Path) -> list[str]:
    with pytest.raises(PackFileError) as caught:
        load_pack(path, display="pack.yaml")
    return [str(problem) for problem in caught.value.problems]


def test_the_builtin_course_is_a_pack_that_titles_its_five_chapters_in_english_and_japanese() -> None:
    found = load_catalog()
    builtin = [pack for pack in found.packs if pack.builtin]
    assert len(builtin) == 1
    manifest = builtin[0].manifest
    assert manifest.version == __version__  # the course ships with envlab: one version
    assert sorted(manifest.chapters) == [1, 2, 3, 4, 5]
    for title in manifest.chapters.values():
        assert isinstance(title, dict) and title["en"] and title["ja"]
    assert {ll.lesson.chapter for ll in found.lessons if ll.pack and ll.pack.builtin} == {1, 2, 3, 4, 5}
    assert all(ll.pack is not None and ll.pack.builtin for ll in found.lessons)
    assert found.chapter_title(3) == manifest.chapters[3]


def test_a_valid_manifest_loads_with_every_field(tmp_path: Path) -> None:
    pack = load_pack(write_pack(tmp_path) / "pack.yaml")
    assert pack.manifest.id == "demo" and pack.manifest.version == "1.2"
    assert pack.manifest.authors == ["Aiko Tanaka"] and pack.manifest.languages == ["en", "ja"]
    assert pack.chapter(10) == {"en": "Ten", "ja": "第十"}
    assert pack.chapter(11) is None
    assert not pack.builtin


@pytest.mark.parametrize(("text", "expected"), [
    (GOOD + "colour: red\n", ["pack.yaml:9:1: colour: unknown field (check its spelling against `envlab schema`)"]),
    (GOOD.replace('version: "1.2"\n', ""), ["pack.yaml:1:1: version: field required"]),
    (GOOD.replace('"1.2"', "1.10"), ['pack.yaml:3:10: version: quote it: "1.1" (unquoted, YAML reads it as a '
                                     'number, and 1.10 as 1.1)']),
    (GOOD.replace('"1.2"', '"one"'), ["pack.yaml:3:10: version: 'one' is not a version: write it as numbers with "
                                      'dots, e.g. "1.0" or "2.3.1" (PEP 440)']),
    (GOOD.replace('">=0.1"', '"at least 0.1"'), ["pack.yaml:6:9: envlab: 'at least 0.1' is not a version "
                                                 'requirement: write e.g. ">=0.1" or ">=0.1,<0.2" (PEP 440 '
                                                 "specifiers, comma-separated)"]),
    (GOOD.replace("  10:", "  100:"), ["pack.yaml:8:3: chapters.100: input should be less than or equal to 99"]),
    (GOOD.replace("[en, ja]", "[english]"), ["pack.yaml:5:13: languages[0]: string should match pattern "
                                             "'^[a-z]{2,3}$'"]),
    ("- id: demo\n", ["pack.yaml:1:1: a pack.yaml must be a mapping of fields (id, title, version, …)"]),
    (GOOD.replace("title: {en: Demo, ja: デモ}", "title: !!str Demo"),
     ["pack.yaml:2:8: title: YAML tags are not allowed in lessons (found !!str): a lesson is plain data; quote a "
      "value that should be text"]),
])
def test_a_bad_manifest_is_refused_at_file_line_column_with_the_field(tmp_path: Path, text: str,
                                                                      expected: list[str]) -> None:
    (tmp_path / "pack.yaml").write_text(text, encoding="utf-8")
    assert problems_of(tmp_path / "pack.yaml") == expected


def test_a_pack_for_another_envlab_is_refused_naming_both_versions(tmp_path: Path) -> None:
    folder = write_pack(tmp_path / "later", GOOD.replace('">=0.1"', '">=9.0"'), lessons=2)
    expected = (f"{folder / 'pack.yaml'}:6:9: envlab: the pack 'demo' needs envlab >=9.0, and this is envlab "
                f"{__version__}: install an envlab that matches, or use a release of the pack made for envlab "
                f"{__version__}")
    with pytest.raises(LessonFileError) as caught:
        load_checked(folder / "demo-0.yaml")
    assert [str(p) for p in caught.value.problems] == [expected]
    found = catalog_of(scan([folder])[0])
    assert found.lessons == [] and [str(p) for p in found.problems] == [expected]  # said once, not per lesson
    checked = envlab("validate", str(folder))
    assert checked.returncode == 1 and checked.stdout.count("needs envlab >=9.0") == 1
    run = envlab("run", str(folder / "demo-0.yaml"))
    assert run.returncode == LessonFileError.exit_code == 1, run.stdout + run.stderr
    assert "needs envlab >=9.0" in run.stderr and "Traceback" not in run.stderr
    assert "`envlab schema --pack`" in run.stderr


def test_the_requirement_is_compared_with_the_running_version() -> None:
    manifest = load_pack(EXAMPLE / "pack.yaml").manifest
    assert manifest.envlab == ">=0.1,<0.2"
    assert version_problem(manifest, {}, "pack.yaml", running="0.1.7") is None
    refused = version_problem(manifest, {}, "pack.yaml", running="0.2.0")
    assert refused is not None and "needs envlab >=0.1,<0.2, and this is envlab 0.2.0" in refused.message


def test_external_chapters_take_their_titles_from_their_pack_and_the_builtin_ones_keep_theirs(tmp_path: Path) -> None:
    folder = write_pack(tmp_path / "pack", GOOD.replace("chapters:\n", "chapters:\n  1: Not the built-in one\n"))
    found = load_catalog([folder])
    assert [str(p) for p in found.problems] == []
    assert found.chapter_title(10) == {"en": "Ten", "ja": "第十"}
    builtin = next(pack for pack in found.packs if pack.builtin)
    assert found.chapter_title(1) == builtin.manifest.chapters[1]
    assert [pack.manifest.id for pack in found.packs] == [builtin.manifest.id, "demo"]


def test_envlab_list_shows_packs_and_chapter_titles(tmp_path: Path) -> None:
    listed = envlab("list", "--lessons", str(EXAMPLE))
    assert listed.returncode == 0, listed.stderr
    assert "Example pack: the tools around the app" in listed.stdout and "1.0.0" in listed.stdout
    assert "Drift in the base system's tools" in listed.stdout and "Release hell before Docker" in listed.stdout
    row = next(line for line in listed.stdout.splitlines() if "example-cksum-skew" in line)
    assert row.rstrip().endswith("example-pack")
    ja = envlab("list", "--lessons", str(EXAMPLE), "--lang", "ja")
    assert "ベースシステムの道具に潜むドリフト" in ja.stdout
    data = json.loads(envlab("list", "--json", "--lessons", str(EXAMPLE)).stdout)
    assert [(p["id"], p["version"], p["builtin"]) for p in data["packs"]] == [
        ("envlab-course", __version__, True), ("example-pack", "1.0.0", False)]
    assert {c["chapter"]: c["title"]["en"] for c in data["chapters"]}[11] == "Two replicas of the built-in shop"
    lessons = {lesson["id"]: lesson["pack"] for lesson in data["lessons"]}
    assert lessons["example-shop-replicas"] == "example-pack" and lessons["os-skew"] == "envlab-course"


def test_the_committed_pack_schema_is_the_generated_one_and_envlab_schema_prints_it() -> None:
    committed = (REPO / "schema" / "pack.schema.json").read_text(encoding="utf-8")
    assert committed == pack_schema_json(), "run `envlab schema --pack > schema/pack.schema.json`"
    assert envlab("schema", "--pack").stdout == committed
    assert (EXAMPLE / "schema" / "pack.schema.json").read_text(encoding="utf-8") == committed
    assert (EXAMPLE / "schema" / "lesson.schema.json").read_text(encoding="utf-8") == schema_json()
    assert set(json.loads(committed)["required"]) == {"id", "title", "version"}


def test_a_new_pack_writes_a_manifest_that_validates_and_points_at_its_schema(tmp_path: Path) -> None:
    written = scaffold("pack", tmp_path / "new", lesson_id="fresh")
    manifest = tmp_path / "new" / "pack.yaml"
    text = manifest.read_text(encoding="utf-8")
    first = text.splitlines()[0]
    assert first == "# yaml-language-server: $schema=schema/pack.schema.json"
    assert (manifest.parent / "schema" / "pack.schema.json").read_text(encoding="utf-8") == pack_schema_json()
    assert tmp_path / "new" / "schema" / "pack.schema.json" in written.files
    pack = load_pack(manifest)
    assert pack.manifest.id == "fresh" and pack.manifest.envlab is not None
    assert version_problem(pack.manifest, {}, "pack.yaml") is None
    comments = [line for line in text.splitlines() if line.startswith("#")][1:]  # both languages, every field
    for field in ("id", "title", "version", "authors", "languages", "envlab", "chapters"):
        above = text.split(f"\n{field}:", 1)[0].rstrip().splitlines()[-2:]
        assert any(not JAPANESE.search(line) for line in above), field
        assert any(JAPANESE.search(line) for line in above), field
    assert any(JAPANESE.search(line) for line in comments)
    loaded = load_checked(written.lessons["fresh-drift"])
    assert loaded.pack is not None and loaded.pack.manifest.id == "fresh"


def test_a_lesson_in_a_chapter_its_pack_does_not_title_is_warned_about(tmp_path: Path) -> None:
    folder = write_pack(tmp_path / "pack", GOOD.replace("  10:", "  11:"))
    loaded = load_checked(folder / "demo-0.yaml")
    assert [str(w) for w in loaded.warnings] == [
        f"{folder / 'demo-0.yaml'}:2:10: warning: chapter: {folder / 'pack.yaml'} gives chapter 10 no title, so the "
        "course calls it only 'Chapter 10'; add it under chapters"]
    (folder / "demo-0.yaml").write_text(LESSON.format(index=0).replace("chapter: 10", "chapter: 3"), encoding="utf-8")
    assert load_checked(folder / "demo-0.yaml").warnings == ()  # the built-in course titles chapter 3
