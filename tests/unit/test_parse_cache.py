"""The parsed-lesson cache: unchanged files are not parsed again, and the cache can never hurt."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from envlab.lessons import yaml_reader
from envlab.lessons.catalog import load_catalog
from envlab.lessons.loader import LessonFileError, load_lesson
from envlab.lessons.parse_cache import ParseCache, cache_file
from tests.helpers import REPO


def _copy_lesson(tmp_path: Path) -> Path:
    path = tmp_path / "os-skew.yaml"
    shutil.copy(REPO / "lessons" / "01-os-skew.yaml", path)
    return path


def test_an_unchanged_file_is_not_parsed_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _copy_lesson(tmp_path)
    first = ParseCache()
    fresh = load_lesson(path, cache=first)
    first.save()
    assert cache_file().is_file()

    def refuse(text: str, name: str) -> object:
        raise AssertionError("parsed again")

    monkeypatch.setattr(yaml_reader, "parse_yaml", refuse)
    cached = load_lesson(path, cache=ParseCache())
    assert cached.lesson == fresh.lesson and cached.positions == fresh.positions


def test_a_changed_file_is_parsed_and_judged_again(tmp_path: Path) -> None:
    path = _copy_lesson(tmp_path)
    cache = ParseCache()
    load_lesson(path, cache=cache)
    cache.save()
    path.write_text(path.read_text(encoding="utf-8").replace("chapter: 1", "chapter: one"), encoding="utf-8")
    with pytest.raises(LessonFileError) as caught:
        load_lesson(path, cache=ParseCache())
    assert str(caught.value.problems[0]).endswith(":3:10: chapter: input should be a valid integer, "
                                                  "unable to parse string as an integer")


def test_a_corrupt_or_unwritable_cache_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache_file().parent.mkdir(parents=True, exist_ok=True)
    cache_file().write_text("{not json", encoding="utf-8")
    assert len(load_catalog().lessons) > 0
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder should be", encoding="utf-8")
    monkeypatch.setenv("ENVLAB_CACHE_DIR", str(blocked))
    assert len(load_catalog().lessons) > 0
