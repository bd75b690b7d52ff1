"""Find lessons: the built-in curriculum plus instructors' folders (``--lessons``, ``ENVLAB_LESSONS``)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from envlab.errors import LessonError
from envlab.lessons.assets import builtin_root as builtin_root  # where it always was for its importers
from envlab.lessons.base import NAME_PATTERN
from envlab.lessons.discover import lesson_dirs as lesson_dirs  # where they always were for their importers
from envlab.lessons.discover import lesson_files as lesson_files
from envlab.lessons.discover import scan as scan
from envlab.lessons.limits import MAX_FILE_BYTES
from envlab.lessons.loader import LessonFileError, LoadedLesson, Problem, load_lesson, read_yaml
from envlab.lessons.pack import LoadedPack, pack_of
from envlab.lessons.parse_cache import ParseCache
from envlab.lessons.validate import asset_problems, reference_problems, semantic_problems


def display_path(path: Path) -> str:
    """A short name for messages: relative to the current folder when below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except (ValueError, OSError, RuntimeError):  # not below it, no current folder, a symlink loop
        return str(path)


@dataclass
class Catalog:
    """Every lesson found, in curriculum order, and the problems met on the way.

    Attributes:
        duplicates: Ids that more than one file claims, with those files; none of them is loaded.
        warnings: The warnings of the lessons that loaded (those of a refused file are in ``problems``).
    """

    lessons: list[LoadedLesson] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    duplicates: dict[str, list[Path]] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def packs(self) -> list[LoadedPack]:
        """The packs (with a ``pack.yaml``) the lessons come from: the built-in one first, each once."""
        found = {loaded.pack.path: loaded.pack for loaded in self.lessons if loaded.pack is not None}
        return sorted(found.values(), key=lambda pack: not pack.builtin)

    def chapter_title(self, chapter: int) -> str | dict[str, str] | None:
        """The title of chapter ``chapter``: from the pack of its first lesson that names it, the built-in
        pack's first; ``None`` when no pack names it."""
        lessons = sorted((ll for ll in self.lessons if ll.lesson.chapter == chapter and ll.pack is not None),
                         key=lambda ll: not (ll.pack is not None and ll.pack.builtin))
        for loaded in lessons:
            assert loaded.pack is not None
            title = loaded.pack.chapter(chapter)
            if title is not None:
                return title
        return None

    def get(self, ref: str) -> LoadedLesson:
        """Return the lesson with id ``ref``, or load ``ref`` as a path to a lesson file.

        Raises:
            LessonError: No such lesson, two files claim its id, or the file is not valid.
        """
        for loaded in self.lessons:
            if loaded.lesson.id == ref:
                return loaded
        if ref in self.duplicates:
            raise _duplicate_error(ref, self.duplicates[ref])
        path = Path(ref)
        if path.suffix in {".yaml", ".yml"} or path.exists():
            if not path.is_file():
                raise LessonError(f"no lesson file at {ref}", hint="check the path")
            return _loaded_or_raise(load_one(path))
        known = ", ".join(loaded.lesson.id for loaded in self.lessons) or "none"
        raise LessonError(f"no lesson called {ref!r}", hint=f"known lessons: {known}; see `envlab list`")


_ID_LINE = re.compile(r"^id:\s*[\"']?([A-Za-z0-9_-]+)", re.MULTILINE)


def find_lesson(ref: str, extra: Sequence[str | Path] = ()) -> LoadedLesson:
    """Load one lesson by id or path without validating the whole curriculum first.

    Every file's YAML is read (from the parse cache when unchanged) to find which ones claim the id;
    only those are validated. Two valid files with the id are refused, naming both, exactly as
    :func:`load_catalog` refuses them. Anything else falls back to the full catalog, which also gives
    the helpful "known lessons" message.

    Raises:
        LessonError: No such lesson, two files claim its id, or its file is not valid.
    """
    if not re.fullmatch(NAME_PATTERN, ref):  # no id looks like this: it is a path
        return Catalog().get(ref)
    files, _problems = scan(lesson_dirs(extra))
    cache = ParseCache()
    claims: list[Path] = []
    for path in files:
        try:
            data, _positions = read_yaml(path, display_path(path), cache=cache)
        except Exception:  # broken YAML: it claims the id if its id line says so
            if _id_line(path) == ref:
                claims.append(path)
            continue
        if isinstance(data, dict) and data.get("id") == ref:
            claims.append(path)
    results = [load_one(path, cache=cache) for path in claims]
    cache.save()
    valid = [result for result in results if isinstance(result, LoadedLesson)]
    if len(valid) > 1:
        raise _duplicate_error(ref, [loaded.path for loaded in valid])
    if valid:
        return valid[0]
    problems = [problem for result in results if isinstance(result, list) for problem in result]
    if problems:
        raise LessonFileError(problems)
    return load_catalog(extra).get(ref)


def _id_line(path: Path) -> str | None:
    try:
        with path.open("rb") as handle:
            text = handle.read(MAX_FILE_BYTES).decode("utf-8", "replace")
    except OSError:
        return None
    match = _ID_LINE.search(text)
    return match.group(1) if match else None


def _duplicate_error(lesson_id: str, paths: list[Path]) -> LessonError:
    files = " and ".join(display_path(path) for path in paths)
    return LessonError(f"more than one lesson file has the id {lesson_id!r}: {files}",
                       hint="lesson ids must be unique across every folder envlab reads; rename one of them")


def load_checked(path: Path, *, cache: ParseCache | None = None) -> LoadedLesson:
    """Load a lesson file and check its pack, its references, assets and fields against each other.

    Args:
        path: The lesson file.
        cache: Parsed files seen before (see :mod:`envlab.lessons.parse_cache`).

    Returns:
        The lesson, with its pack and the warnings validation found in it.

    Raises:
        LessonFileError: The file or its assets have problems (its warnings are listed with them), or its
            pack's ``pack.yaml`` is refused (its problems are the lesson's).
    """
    name = display_path(path)
    pack = pack_of(path, show=display_path, cache=cache)
    loaded = load_lesson(path, display=name, cache=cache)
    problems = reference_problems(loaded, name) + asset_problems(loaded, name) + semantic_problems(loaded, name)
    problems += _untitled_chapter(loaded, pack, name)
    if any(problem.severity == "error" for problem in problems):
        raise LessonFileError(problems)
    return dataclasses.replace(loaded, warnings=tuple(sorted(problems)), pack=pack)


def _untitled_chapter(loaded: LoadedLesson, pack: LoadedPack | None, name: str) -> list[Problem]:
    """A warning when the lesson's pack has a ``pack.yaml`` that gives the lesson's chapter no title (and the
    built-in course does not title it either)."""
    chapter = loaded.lesson.chapter
    if pack is None or pack.chapter(chapter) is not None:
        return []
    builtin = pack_of(builtin_root() / "lessons" / "any.yaml", show=display_path)  # a built-in chapter has one
    if builtin is not None and builtin.chapter(chapter) is not None:
        return []
    line, col = loaded.where(("chapter",))
    return [Problem(name, line, col, f"chapter: {display_path(pack.path)} gives chapter {chapter} no title, so the "
                                     f"course calls it only 'Chapter {chapter}'; add it under chapters", "warning")]


def load_one(path: Path, *, cache: ParseCache | None = None) -> LoadedLesson | list[Problem]:
    """Load and check one lesson file; whatever goes wrong becomes problems, never an exception.

    A file is data from a stranger: besides the problems validation finds, anything it makes the
    loader raise (an OSError, a RecursionError, a bug) is turned into a problem for that file, so
    one bad file never takes the others down.
    """
    try:
        return load_checked(path, cache=cache)
    except LessonFileError as exc:
        return exc.problems
    except Exception as exc:
        return [Problem(display_path(path), 1, 1, f"cannot load this file ({type(exc).__name__}: {exc})")]


def _loaded_or_raise(result: LoadedLesson | list[Problem]) -> LoadedLesson:
    if isinstance(result, list):
        raise LessonFileError(result)
    return result


def catalog_of(files: Iterable[Path], *, cache: ParseCache | None = None) -> Catalog:
    """Load every file: broken files and ids claimed twice become problems instead of stopping the others."""
    catalog = Catalog()
    claims: dict[str, list[LoadedLesson]] = {}
    for path in files:
        result = load_one(path, cache=cache)
        if isinstance(result, list):  # a refused pack.yaml is every one of its lessons' problem: say it once
            catalog.problems += [problem for problem in result if problem not in catalog.problems]
        else:
            claims.setdefault(result.lesson.id, []).append(result)
    for lesson_id, claimed in claims.items():
        if len(claimed) == 1:
            catalog.lessons += claimed
            catalog.warnings += claimed[0].warnings
            continue
        # Neither is loaded: which one the author meant is unknown, and running the other would be wrong.
        catalog.duplicates[lesson_id] = [loaded.path for loaded in claimed]
        for loaded in claimed:
            others = ", ".join(display_path(other.path) for other in claimed if other is not loaded)
            line, col = loaded.where(("id",))
            catalog.problems.append(Problem(display_path(loaded.path), line, col,
                                            f"id: {lesson_id!r} is also the id of {others}; ids must be unique "
                                            "across every folder envlab reads, so neither is loaded"))
    catalog.lessons.sort(key=lambda ll: (ll.lesson.chapter, ll.lesson.order, ll.lesson.id))
    return catalog


def load_catalog(extra: Sequence[str | Path] = ()) -> Catalog:
    """Load every lesson; broken files become problems instead of stopping the others."""
    dirs = lesson_dirs(extra)
    files, problems = scan(dirs, required=dirs[1:])
    cache = ParseCache()
    catalog = catalog_of(files, cache=cache)
    cache.save()
    catalog.problems[:0] = problems
    return catalog
