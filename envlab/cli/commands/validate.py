"""`envlab validate`: lesson files checked, problems as ``file:line:col: field: message``.

Errors make the exit code 1; warnings (``file:line:col: warning: ...``) are printed and counted but do not.
Naming a folder that holds no lesson is an error that says where envlab looked and which layout it reads.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

from envlab.lessons.assets import PACK_FILE
from envlab.lessons.catalog import catalog_of, display_path, lesson_dirs, load_catalog, scan
from envlab.lessons.loader import LessonFileError, Problem
from envlab.lessons.pack import load_pack

#: The layouts a course folder may have, as the message for a folder without lessons says them.
LAYOUTS = ("a course keeps its lesson files at its top, with assets/<id>/ beside them, or in a lessons/ folder "
           "with assets/ beside it (see docs/authoring.md, 'Where lessons live')")


def run(args: argparse.Namespace, console: Console) -> int:
    if args.paths:
        problems, warnings, count = _check_paths(args.paths)
    else:
        found = load_catalog(args.lessons)
        problems, warnings, count = found.problems, found.warnings, len(found.lessons)
        # The folders an instructor named (ENVLAB_LESSONS, --lessons): the built-in one always has lessons.
        problems = _empty_folders([str(folder) for folder in lesson_dirs(args.lessons)[1:]]) + problems
    for problem in [*problems, *warnings]:
        console.out(str(problem), highlight=False)
    errors = sum(problem.severity == "error" for problem in problems)
    warned = sum(problem.severity == "warning" for problem in [*problems, *warnings])
    said = f"; {warned} warning(s)" if warned else ""
    if errors:
        console.print(f"[red]{errors} problem(s)[/]{said}; {count} lesson file(s) valid")
        return 1
    console.print(f"[green]{count} lesson file(s) valid[/]{said}")
    return 0


def lesson_folder(path: Path) -> tuple[list[Path], list[Problem]]:
    """The lesson files of a folder named on the command line: directly in it, else in its ``lessons/``.

    Returns:
        The files and the problems met listing them.
    """
    found, listing = scan([path])
    inner = path / "lessons"
    if not found and not listing and inner.is_dir():
        return scan([inner])
    return found, listing


def _nothing_in(raw: str, path: Path) -> Problem:
    inner = path / "lessons"
    looked = f"directly in {path.resolve()}" + (f" or in {inner.resolve()}" if inner.is_dir() else "")
    return Problem(raw, 1, 1, f"no lesson files (*.yaml, *.yml) {looked}; {LAYOUTS}")


def _empty_folders(folders: list[str]) -> list[Problem]:
    """Named folders that exist and hold no lesson file directly (a missing one is the catalog's problem).

    Lessons are read only directly in a ``--lessons`` folder, so a course root whose lessons sit in its
    ``lessons/`` is named with the option to pass instead.
    """
    problems = []
    for raw in folders:
        path = Path(raw).expanduser()
        if not path.is_dir() or scan([path]) != ([], []):
            continue
        inner, _ = scan([path / "lessons"])
        if inner:
            problems.append(Problem(raw, 1, 1, f"no lesson files (*.yaml, *.yml) directly in {path.resolve()}, "
                                               f"but {len(inner)} in its lessons/ folder: pass --lessons "
                                               f"{Path(raw) / 'lessons'}"))
        else:
            problems.append(_nothing_in(raw, path))
    return problems


def _check_paths(paths: list[str]) -> tuple[list[Problem], list[Problem], int]:
    files: list[Path] = []
    problems: list[Problem] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found, listing = lesson_folder(path)
            problems += listing + _manifest_problems(path / PACK_FILE)
            if not found and not listing:
                problems.append(_nothing_in(raw, path))
            files += found
        elif path.is_file() and path.name == PACK_FILE:  # a pack's manifest, named on its own
            problems += _manifest_problems(path)
        elif path.is_file():
            files.append(path)
        else:
            problems.append(Problem(raw, 1, 1, "no such file or folder"))
    # One catalog of everything named, so two files with one id are refused as `envlab list` would.
    checked = catalog_of(files)
    return problems + [p for p in checked.problems if p not in problems], checked.warnings, len(checked.lessons)


def _manifest_problems(path: Path) -> list[Problem]:
    """What is wrong with the ``pack.yaml`` at ``path`` (nothing when there is none)."""
    if not path.is_file():
        return []
    try:
        load_pack(path, display=display_path(path))
    except LessonFileError as exc:
        return exc.problems
    return []
