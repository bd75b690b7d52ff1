"""`envlab dev [LESSON]`: the TUI in author mode on one lesson, taking every save of its files at once."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

from envlab.errors import LessonError


def add_arguments(sub: argparse._SubParsersAction[argparse.ArgumentParser],
                  common: argparse.ArgumentParser) -> None:
    """The `dev` command, for the `envlab` parser."""
    dev = sub.add_parser("dev", parents=[common],
                         help="author mode: a lesson in the TUI, shown again (and its checks re-run) on every save")
    dev.add_argument("lesson", nargs="?", metavar="LESSON",
                     help="a lesson id or file (default: the one lesson file in this folder)")


def run(args: argparse.Namespace, console: Console) -> int:
    from envlab.cli.root import open_runtime
    from envlab.lessons.catalog import find_lesson
    from envlab.ui.app import run_app

    loaded = find_lesson(args.lesson or str(_the_lesson_here(Path.cwd())), args.lessons)
    return run_app(runtime=open_runtime, lessons=args.lessons, lang=args.lang, dev=loaded)


def _the_lesson_here(folder: Path) -> Path:
    """The one lesson file in ``folder``, or an error that names the candidates."""
    from envlab.lessons.assets import PACK_FILE

    found = sorted(p for p in folder.glob("*.y*ml") if p.suffix in (".yaml", ".yml") and p.name != PACK_FILE)
    if len(found) == 1:
        return found[0]
    if not found:
        raise LessonError(f"no lesson file in {folder}", hint="envlab dev LESSON (a lesson id or a file)")
    names = ", ".join(p.name for p in found[:10])
    raise LessonError(f"{len(found)} lesson files in {folder}: {names}", hint="name one: envlab dev FILE")
