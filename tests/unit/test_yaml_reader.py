"""The YAML reader: libyaml reads most files fast, and every file is read, refused and positioned as lessons
were always read (YAML 1.2), whichever parser reads it."""

from __future__ import annotations

import math
import subprocess
import sys

import pytest

from envlab.lessons.loader import LessonFileError, parse_yaml
from tests.helpers import REPO


def _problems(text: str) -> list[str]:
    with pytest.raises(LessonFileError) as caught:
        parse_yaml(text, "f.yaml")
    return [str(problem) for problem in caught.value.problems]


def test_plain_scalars_mean_what_yaml_1_2_says_and_dates_stay_text() -> None:
    data, _ = parse_yaml("a: yes\nb: 012\nc: 0o17\nd: 1_000\ne: 2026-02-30\nf: ~\ng: 1e3\nh: '12'\ni: -.inf\n", "f")
    assert data == {"a": "yes", "b": 12, "c": 15, "d": 1000, "e": "2026-02-30", "f": None, "g": 1000.0, "h": "12",
                    "i": -math.inf}
    assert [type(value) for value in data.values()][:4] == [str, int, int, int]


def test_a_file_that_says_yaml_1_1_is_read_as_yaml_1_1() -> None:
    data, _ = parse_yaml("%YAML 1.1\n---\na: yes\nb: 012\nc: 1:20\n", "f")
    assert data == {"a": True, "b": 10, "c": 80}


@pytest.mark.parametrize(("text", "problem"), [
    ("a: -_\n", "f.yaml:1:4: cannot read this value: string index out of range"),
    ("a: " + "9" * 5000 + "\n", "f.yaml:1:4: cannot read this value: Exceeds the limit (4300 digits) for integer "
     "string conversion: value has 5000 digits; use sys.set_int_max_str_digits() to increase the limit"),
    ("1: a\n1.0: b\n", "f.yaml:2:1: duplicate key: 1.0"),
    ("1: a\n'1': b\n", "f.yaml:2:1: 1: duplicate key"),
])
def test_values_that_cannot_be_read_are_refused_at_their_node(text: str, problem: str) -> None:
    assert _problems(text) == [problem]


def test_an_empty_value_is_placed_where_messages_always_placed_it() -> None:
    _, positions = parse_yaml("hosts:\n  - name:\n    image: x\nfix: {name: , build: b}\n", "f")
    assert positions[("hosts", 0, "name")] == (3, 5)  # a block mapping's: at what follows
    assert positions[("fix", "name")] == (4, 12)  # a flow mapping's: right after the ':'


@pytest.mark.parametrize(("text", "data"), [
    ("a: &step:1 x\nb: *step:1\n", {"a": "x", "b": "x"}),  # libyaml would name the anchor "step"
    ("a: &probe.v1 x\nb: *probe.v1\n", {"a": "x", "b": "x"}),  # libyaml refuses the name
    ("a: x\u2028y\n", {"a": "x\u2028y"}),  # libyaml ends the line at LS
    ("a: |\n  make\tall\n", {"a": "make\tall\n"}),
])
def test_what_libyaml_reads_otherwise_is_read_as_yaml_1_2(text: str, data: object) -> None:
    assert parse_yaml(text, "f")[0] == data


@pytest.mark.parametrize(("text", "problem"), [
    ("a:\tx\n", "f.yaml:1:3: while scanning for the next token found character '\\t' that cannot start any token"),
    ("a: !!set x\nb: \x01\n", "f.yaml:2:4: character U+0001 is not allowed in a lesson file (control characters "
     "and lone surrogates)"),
    ("a: [\nb: !!set x\n", "f.yaml:2:4: a[0].b: YAML tags are not allowed in lessons (found !!set): a lesson is "
     "plain data; quote a value that should be text"),
])
def test_a_file_libyaml_would_refuse_otherwise_is_refused_as_before(text: str, problem: str) -> None:
    assert _problems(text) == [problem]


def test_a_merge_into_a_flow_mapping_has_positions_and_a_merge_of_itself_is_refused() -> None:
    data, positions = parse_yaml("a: &m {x: 1}\nb: {<<: *m}\n", "f")
    assert data == {"a": {"x": 1}, "b": {"x": 1}}
    assert positions[("b", "x")] == (2, 4)  # a merged key has the position of the mapping it is merged into
    assert _problems("a: &x {<<: *x}\n") == ["f.yaml:1:4: cannot read this value: it merges the mapping that "
                                             "contains it"]


def test_a_valid_lesson_is_read_by_libyaml_alone() -> None:
    code = (
        "import sys\n"
        "from envlab.lessons.catalog import load_checked\n"
        "from tests.helpers import CURRICULUM\n"
        "for path in sorted(CURRICULUM.glob('*.yaml')): load_checked(path)\n"
        "print(','.join(sorted(m for m in sys.modules if m.startswith('ruamel'))))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    assert result.stdout.strip() == ""
