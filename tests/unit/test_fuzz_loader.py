"""The loader and validator under random input: random YAML-ish text, and random mutations of a valid
lesson. The only acceptable outcomes are a valid lesson or a LessonFileError whose problems are positioned
and printable; any other exception is a bug. The budget is fixed and derandomized, so CI is deterministic."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from envlab.lessons.catalog import load_checked
from envlab.lessons.loader import LessonFileError, LoadedLesson
from envlab.lessons.text import CONTROL
from tests.helpers import CURRICULUM

FUZZ = settings(max_examples=300, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

#: Pieces that mean something to YAML, to the lesson format, or to a terminal.
TOKENS = [
    "!!set ", "!!omap ", "!!binary ", "!!timestamp ", "!!python/object:os.system ", "! ", "!x ", "!<tag:x> ",
    "%TAG ! tag:example.com,2000:\n", "---\n", "...\n", "&a ", "*a", "<<: *a\n", "? ", ": ", "- ", "[", "]", "{",
    "}", ",", "|\n", ">-\n", "'", '"', "#", "\n", "  ", "\t", "~", "null", ".inf", "-.nan", "0x1F", "0o17", "1e999",
    "9" * 5000, "2026-02-30", '"\\0"', '"\\ud800"', '"\\e[2J"', "\x00", "\x1b", "\x85", "\u2028", "\ufeff", "é",
    "cap_add: [ALL]", "memory: 0m", "timeout: 99999", "output: '(a)\\1'", "replicas: 99", "id: twin", "source: ../..",
    "kind: scenario", "topology: {}", "hosts: []", "fix: ~", "checks: [{type: http}]",
]
YAMLISH = st.text(alphabet=st.sampled_from(list(":-[]{}&*!|>'\"#,?%@` \n\tabcxyz019_.~")), max_size=400)


@pytest.fixture(scope="module")
def pack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A copy of the tiny curriculum (with its assets), so mutated lessons get past the YAML into every check."""
    folder = tmp_path_factory.mktemp("fuzz") / "curriculum"
    shutil.copytree(CURRICULUM, folder)
    yield folder


def _only_acceptable_outcomes(path: Path, data: bytes) -> None:
    path.write_bytes(data)
    try:
        loaded = load_checked(path)
    except LessonFileError as exc:
        assert exc.problems, "a LessonFileError without problems"
        for problem in exc.problems:
            assert problem.line >= 1 and problem.col >= 1, problem
            assert CONTROL.search(str(problem)) is None, str(problem)
    else:
        assert isinstance(loaded, LoadedLesson)


@FUZZ
@given(text=st.one_of(st.text(max_size=400), YAMLISH))
def test_random_text_is_a_lesson_or_positioned_problems(pack: Path, text: str) -> None:
    _only_acceptable_outcomes(pack / "random.yaml", text.encode("utf-8", "surrogatepass"))


Edit = tuple[float, float, int, str]


@FUZZ
@given(edits=st.lists(st.tuples(st.floats(0, 1), st.floats(0, 0.05), st.integers(0, 3),
                                st.one_of(st.sampled_from(TOKENS), st.text(max_size=20))), min_size=1, max_size=6))
def test_a_mutated_lesson_is_a_lesson_or_positioned_problems(pack: Path, edits: list[Edit]) -> None:
    text = (pack / "tiny-drift.yaml").read_text(encoding="utf-8")
    for where, span, operation, piece in edits:
        start = int(where * len(text))
        end = min(len(text), start + int(span * len(text)))
        if operation == 0:  # insert
            text = text[:start] + piece + text[start:]
        elif operation == 1:  # delete
            text = text[:start] + text[end:]
        elif operation == 2:  # replace
            text = text[:start] + piece + text[end:]
        else:  # repeat a stretch, as a careless copy and paste would
            text = text[:end] + text[start:end] + text[end:]
    _only_acceptable_outcomes(pack / "mutated.yaml", text.encode("utf-8", "surrogatepass"))
