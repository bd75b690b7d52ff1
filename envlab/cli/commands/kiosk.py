"""`envlab kiosk`: the course in kiosk mode, one learner after another, as the kiosk's file says."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from envlab.errors import EnvlabError


def add_arguments(sub: argparse._SubParsersAction[argparse.ArgumentParser],
                  common: argparse.ArgumentParser) -> None:
    """The `kiosk` command, for the `envlab` parser."""
    kiosk = sub.add_parser("kiosk", parents=[common],
                           help="the course for a room of learners: a start screen, an idle timeout, "
                                "the way out behind the operator's PIN")
    kiosk.add_argument("config", nargs="?", type=Path, metavar="CONFIG", help="the kiosk's TOML file")
    kiosk.add_argument("--check", action="store_true",
                       help="only check CONFIG and the lessons it offers; start nothing")
    kiosk.add_argument("--hash-pin", action="store_true",
                       help="read an operator PIN (not echoed) and print the pin_hash line for CONFIG")


def run(args: argparse.Namespace, console: Console) -> int:
    if args.hash_pin:
        return _hash_pin(console)
    if args.config is None:
        raise EnvlabError("envlab kiosk needs the kiosk's file", hint="envlab kiosk CONFIG (see docs/kiosk.md)")
    from envlab.kiosk.config import load_config

    config = load_config(args.config)
    lessons = [*config.lessons, *args.lessons]
    if args.check:
        return _check(config.chapters, lessons, args.config, console)
    from envlab.cli.root import open_runtime
    from envlab.ui.app import run_app
    from envlab.ui.kiosk.app import ignore_leaving_signals

    os.environ.pop("TEXTUAL_ALLOW_SIGNALS", None)  # Textual's driver then leaves Ctrl+C, Ctrl+Z, Ctrl+\ keys
    ignore_leaving_signals()  # from now on, not only once the app is up
    lang = args.lang if args.lang in config.languages else config.languages[0]
    return run_app(lessons=lessons, lang=lang, runtime=open_runtime, kiosk=config)


def _check(chapters: list[int], lessons: list[str], path: Path, console: Console) -> int:
    """Load the lessons the kiosk offers; say how many, and refuse a chapter with none."""
    from envlab.lessons.catalog import load_catalog

    catalog = load_catalog(lessons)
    for problem in catalog.problems:
        console.print(escape(str(problem)), soft_wrap=True)
    offered = [ll for ll in catalog.lessons if not chapters or ll.lesson.chapter in chapters]
    empty = sorted(set(chapters) - {ll.lesson.chapter for ll in catalog.lessons})
    if empty:
        raise EnvlabError(f"{path}: chapters: no lesson is in chapter {', '.join(map(str, empty))}",
                          hint="`envlab list` shows the chapters of the lessons found")
    console.print(f"{escape(str(path))}: ok — {len(offered)} lesson(s) offered")
    return 1 if catalog.problems else 0


def _hash_pin(console: Console) -> int:
    """Read the PIN twice without echo (once from a pipe) and print the line for the kiosk's file."""
    from envlab.kiosk.pin import check_pin, hash_pin

    if sys.stdin.isatty():
        pin = getpass.getpass("Operator PIN: ")
        if getpass.getpass("The same PIN again: ") != pin:
            raise EnvlabError("the two PINs differ", hint="run envlab kiosk --hash-pin again")
    else:
        pin = sys.stdin.readline().rstrip("\r\n")
    try:
        check_pin(pin)
    except ValueError as exc:
        raise EnvlabError(str(exc), hint="choose another PIN") from None
    console.print(f'pin_hash = "{hash_pin(pin)}"', markup=False, highlight=False, soft_wrap=True)
    return 0
