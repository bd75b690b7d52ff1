"""Find lessons: the built-in curriculum plus instructors' folders (``--lessons``, ``ENVLAB_LESSONS``)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from envlab.errors import LessonError
from envlab.lessons.loader import LessonFileError, LoadedLesson, Problem, load_lesson
from envlab.lessons.parse_cache import ParseCache
from envlab.lessons.validate import asset_problems, reference_problems

_PACKAGE = Path(__file__).resolve().parent.parent


def builtin_root() -> Path:
    """The folder holding the built-in ``lessons/``, ``assets/`` and ``schema/``.

    In a source checkout that is the repository; in an installed wheel, ``envlab/_builtin``.
    """
    installed = _PACKAGE / "_builtin"
    return installed if (installed / "lessons").is_dir() else _PACKAGE.parent


def lesson_dirs(extra: Sequence[str | Path] = ()) -> list[Path]:
    """Built-in lessons first, then ``ENVLAB_LESSONS`` (os.pathsep-separated), then ``extra``."""
    dirs = [builtin_root() / "lessons"]
    env = os.environ.get("ENVLAB_LESSONS", "")
    dirs += [Path(p).expanduser() for p in env.split(os.pathsep) if p]
    dirs += [Path(p).expanduser() for p in extra]
    return dirs


def display_path(path: Path) -> str:
    """A short name for messages: relative to the current folder when below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


@dataclass
class Catalog:
    """Every lesson found, in curriculum order, and the problems met on the way."""

    lessons: list[LoadedLesson] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def get(self, ref: str) -> LoadedLesson:
        """Return the lesson with id ``ref``, or load ``ref`` as a path to a lesson file.

        Raises:
            LessonError: No such lesson, or the file is not valid.
        """
        for loaded in self.lessons:
            if loaded.lesson.id == ref:
                return loaded
        path = Path(ref)
        if path.suffix in {".yaml", ".yml"} or path.exists():
            if not path.is_file():
                raise LessonError(f"no lesson file at {ref}", hint="check the path")
            return load_checked(path)
        known = ", ".join(loaded.lesson.id for loaded in self.lessons) or "none"
        raise LessonError(f"no lesson called {ref!r}", hint=f"known lessons: {known}; see `envlab list`")


_ID_LINE = re.compile(r"^id:\s*[\"']?([A-Za-z0-9_-]+)", re.MULTILINE)


def find_lesson(ref: str, extra: Sequence[str | Path] = ()) -> LoadedLesson:
    """Load one lesson by id or path without validating the whole curriculum first.

    A file whose top-level ``id:`` line names ``ref`` is loaded alone; anything else falls back to the
    full catalog, which also gives the helpful "known lessons" message.

    Raises:
        LessonError: No such lesson, or its file is not valid.
    """
    for path in lesson_files(lesson_dirs(extra)):
        try:
            match = _ID_LINE.search(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            continue
        if match and match.group(1) == ref:
            cache = ParseCache()
            loaded = load_checked(path, cache=cache)
            cache.save()
            return loaded
    return load_catalog(extra).get(ref)


def load_checked(path: Path, *, cache: ParseCache | None = None) -> LoadedLesson:
    """Load a lesson file and check its references and assets.

    Args:
        path: The lesson file.
        cache: Parsed files seen before (see :mod:`envlab.lessons.parse_cache`).

    Raises:
        LessonFileError: The file or its assets have problems.
    """
    loaded = load_lesson(path, display=display_path(path), cache=cache)
    problems = reference_problems(loaded, display_path(path)) + asset_problems(loaded, display_path(path))
    if problems:
        raise LessonFileError(problems)
    return loaded


def lesson_files(dirs: Iterable[Path]) -> list[Path]:
    """Every ``*.yaml``/``*.yml`` directly inside each folder (folders that do not exist are skipped)."""
    files: list[Path] = []
    for folder in dirs:
        if folder.is_dir():
            files += sorted(p for p in folder.iterdir() if p.suffix in {".yaml", ".yml"} and p.is_file())
    return files


def load_catalog(extra: Sequence[str | Path] = ()) -> Catalog:
    """Load every lesson; broken files become problems instead of stopping the others."""
    catalog = Catalog()
    for folder in lesson_dirs(extra)[1:]:
        if not folder.is_dir():
            catalog.problems.append(Problem(str(folder), 1, 1, "lesson folder does not exist"))
    seen: dict[str, Path] = {}
    cache = ParseCache()
    for path in lesson_files(lesson_dirs(extra)):
        try:
            loaded = load_checked(path, cache=cache)
        except LessonFileError as exc:
            catalog.problems += exc.problems
            continue
        lesson_id = loaded.lesson.id
        if lesson_id in seen:
            line, col = loaded.where(("id",))
            other = display_path(seen[lesson_id])
            message = f"id: {lesson_id!r} is already used by {other}"
            catalog.problems.append(Problem(display_path(path), line, col, message))
            continue
        seen[lesson_id] = path
        catalog.lessons.append(loaded)
    cache.save()
    catalog.lessons.sort(key=lambda ll: (ll.lesson.chapter, ll.lesson.order, ll.lesson.id))
    return catalog
