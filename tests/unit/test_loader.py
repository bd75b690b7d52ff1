"""The loader and validation: every problem is reported as file:line:col: field: message."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from envlab.lessons.catalog import display_path, load_catalog, load_checked
from envlab.lessons.loader import LessonFileError, load_lesson
from envlab.lessons.schema import schema_json
from tests.helpers import FIXTURES, REPO

BROKEN = FIXTURES / "broken"

EXPECTED = [
    ("asset-escape", "12:17: hosts[0].files[0].source: '../../../../etc/passwd' leaves the lesson's assets folder"),
    ("asset-missing",
     "12:17: hosts[0].files[0].source: 'app/app.py' not found in the assets folder assets/asset-missing"),
    ("bad-name", "1:5: id: string should match pattern '^[a-z0-9][a-z0-9-]{0,39}$'"),
    ("bad-regex", "14:17: hosts[0].probe.expect.output: not a valid regular expression: missing ): No module named "
                  "(tomllib; envlab matches with RE2: check the pattern's brackets, repetitions and escapes against "
                  "RE2's syntax"),
    ("bad-yaml", "9:10: while parsing a flow sequence expected ',' or ']', but got ':'"),
    ("duplicate-key", "7:1: duplicate key: title"),
    ("fail-without-pattern",
     "13:9: hosts[0].probe.expect: an expected failure must name its error with an 'output' pattern"),
    ("missing-field", "11:9: hosts[0].runbook[0].run: field required"),
    ("not-a-mapping", "1:1: a lesson file must be a mapping of fields"),
    ("quiz-answer", "16:13: quiz[0].answer: 2 is not one of the 2 choices (counting from 0)"),
    ("unknown-key", "10:5: hosts[0].colour: unknown field (check its spelling against `envlab schema`)"),
    ("unknown-target", "16:13: checks[0].target: unknown setup 'prod-sever' (setups: prod-server)"),
    ("wrong-type", "2:10: chapter: input should be a valid integer, unable to parse string as an integer"),
]


@pytest.mark.parametrize(("stem", "expected"), EXPECTED, ids=[stem for stem, _ in EXPECTED])
def test_each_broken_lesson_names_file_line_column_and_field(stem: str, expected: str) -> None:
    path = BROKEN / f"{stem}.yaml"
    with pytest.raises(LessonFileError) as caught:
        load_checked(path)
    assert [str(p) for p in caught.value.problems] == [f"{display_path(path)}:{expected}"]


def test_every_broken_fixture_has_an_expectation() -> None:
    assert sorted(p.stem for p in BROKEN.glob("*.yaml")) == sorted(stem for stem, _ in EXPECTED)


def test_the_committed_schema_is_the_generated_one() -> None:
    committed = (REPO / "schema" / "lesson.schema.json").read_text(encoding="utf-8")
    assert committed == schema_json(), "run `envlab schema > schema/lesson.schema.json`"
    schema = json.loads(committed)
    kinds = {ref["$ref"].rsplit("/", 1)[1] for ref in schema["oneOf"]}
    assert kinds == {"DriftLesson", "ScenarioLesson"}
    drift = set(schema["$defs"]["DriftLesson"]["properties"])
    scenario = set(schema["$defs"]["ScenarioLesson"]["properties"])
    assert {"id", "chapter", "hosts", "fix", "checks", "challenge", "quiz"} <= drift
    assert {"id", "chapter", "topology", "phases", "kubernetes", "quiz"} <= scenario
    assert "ScenarioLesson" in schema["$defs"]["ScenarioLesson"]["title"]
    assert "topology" in schema["$defs"]["ScenarioLesson"]["required"]


def test_every_builtin_lesson_is_valid_and_points_at_the_schema() -> None:
    catalog = load_catalog()
    assert catalog.problems == []
    assert catalog.lessons, "the built-in curriculum is empty"
    for loaded in catalog.lessons:
        first = loaded.path.read_text(encoding="utf-8").splitlines()[0]
        assert first == "# yaml-language-server: $schema=../schema/lesson.schema.json", loaded.path


def test_an_anchor_shares_a_runbook_and_positions_survive(tmp_path: Path) -> None:
    loaded = load_lesson(REPO / "lessons" / "01-os-skew.yaml")
    dev, prod = loaded.lesson.hosts
    assert dev.runbook == prod.runbook
    line, col = loaded.where(("hosts", 1, "probe", "expect", "output"))
    text = (REPO / "lessons" / "01-os-skew.yaml").read_text(encoding="utf-8").splitlines()[line - 1]
    assert "No module named 'tomllib'" in text[col - 1 :]


def test_unsafe_yaml_tags_are_rejected_not_executed(tmp_path: Path) -> None:
    path = tmp_path / "evil.yaml"
    path.write_text("id: !!python/object/apply:os.system ['touch /tmp/envlab-pwned']\n", encoding="utf-8")
    with pytest.raises(LessonFileError) as caught:
        load_lesson(path)
    assert str(caught.value.problems[0]).startswith(f"{path}:1:")
    assert not Path("/tmp/envlab-pwned").exists()


def test_a_merge_key_shares_fields_and_errors_still_have_positions(tmp_path: Path) -> None:
    text = (REPO / "tests" / "fixtures" / "merge-key.yaml").read_text(encoding="utf-8")
    path = tmp_path / "merge-key.yaml"
    path.write_text(text, encoding="utf-8")
    loaded = load_lesson(path)
    first, second = loaded.lesson.hosts
    assert second.probe.run == first.probe.run and second.probe.timeout == 5
    path.write_text(text.replace("timeout: 5", "timeout: 5\n      colour: red"), encoding="utf-8")
    with pytest.raises(LessonFileError) as caught:
        load_lesson(path)
    assert [str(p) for p in caught.value.problems] == [
        f"{path}:18:7: hosts[1].probe.colour: unknown field (check its spelling against `envlab schema`)"
    ]
