"""`envlab new`: scaffold a drift or scenario lesson, or a pack of both, that validates and proves as written."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from envlab.lessons.catalog import display_path, load_catalog, load_one
from envlab.lessons.problems import Problem
from envlab.lessons.scaffold import DEFAULT_IDS, ScaffoldRefused, scaffold


def run(args: argparse.Namespace, console: Console) -> int:
    dest = Path(args.dest).expanduser()
    chosen = args.id or DEFAULT_IDS[args.kind]
    wanted = [f"{chosen}-drift", f"{chosen}-scenario"] if args.kind == "pack" else [chosen]
    # An id envlab already knows would make both lessons refused (ids are unique across every folder).
    known = {loaded.lesson.id for loaded in load_catalog(args.lessons).lessons}
    taken = [lesson_id for lesson_id in wanted if lesson_id in known]
    if taken:
        raise ScaffoldRefused(f"envlab already has a lesson with the id {', '.join(taken)}",
                              hint="choose another id with --id (`envlab list` shows the ones in use)")
    written = scaffold(args.kind, dest, lesson_id=args.id)
    for path in written.files:
        console.print(f"[green]created[/] {escape(display_path(path))}")
    for path in written.kept:
        console.print(f"[dim]kept[/] {escape(display_path(path))} (already there)")
    problems = [problem for path in written.lessons.values() for problem in _problems(path)]
    for problem in problems:
        console.out(str(problem), highlight=False)
    if any(problem.severity == "error" for problem in problems):
        console.print("[red]the new lesson does not validate here[/]: see the lines above")
        return 1
    folder = escape(display_path(dest))
    console.print(f"next: [bold]envlab validate {folder}[/], [bold]envlab images prepare --lessons {folder}[/], "
                  f"[bold]envlab test {' '.join(written.lessons)} --lessons {folder}[/]", soft_wrap=True)
    return 0


def _problems(path: Path) -> list[Problem]:
    """What validation says of a file just written: its problems, or a valid lesson's warnings."""
    result = load_one(path)
    return result if isinstance(result, list) else list(result.warnings)
