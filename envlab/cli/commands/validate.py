"""`envlab validate`: lesson files checked, problems as ``file:line:col: field: message``."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

from envlab.lessons.catalog import catalog_of, load_catalog, scan
from envlab.lessons.loader import Problem


def run(args: argparse.Namespace, console: Console) -> int:
    if args.paths:
        problems, count = _check_paths(args.paths)
    else:
        found = load_catalog(args.lessons)
        problems, count = found.problems, len(found.lessons)
    for problem in problems:
        console.out(str(problem), highlight=False)
    if problems:
        console.print(f"[red]{len(problems)} problem(s)[/]; {count} lesson file(s) valid")
        return 1
    console.print(f"[green]{count} lesson file(s) valid[/]")
    return 0


def _check_paths(paths: list[str]) -> tuple[list[Problem], int]:
    files: list[Path] = []
    problems: list[Problem] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found, listing = scan([path])
            problems += listing
            if not found and not listing:
                problems.append(Problem(raw, 1, 1, f"no lesson files (*.yaml, *.yml) directly in {path.resolve()}"))
            files += found
        elif path.is_file():
            files.append(path)
        else:
            problems.append(Problem(raw, 1, 1, "no such file or folder"))
    # One catalog of everything named, so two files with one id are refused as `envlab list` would.
    checked = catalog_of(files)
    return problems + checked.problems, len(checked.lessons)
