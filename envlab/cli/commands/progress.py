"""`envlab progress`: learner profiles, carrying progress between machines, and the day's report."""

from __future__ import annotations

import argparse
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape

if TYPE_CHECKING:
    from envlab.engine.progress import ProgressStore


def add_arguments(sub: argparse._SubParsersAction[argparse.ArgumentParser],
                  common: argparse.ArgumentParser) -> None:
    """The `progress` command and its actions, for the `envlab` parser."""
    progress = sub.add_parser("progress", parents=[common],
                              help="learner profiles, progress between machines, the day's report")
    whose = "the learner profile to export, or to import an older export into (default: the profile in use)"
    progress.add_argument("--profile", default=None, metavar="NAME", help=whose)
    # The same option after the action; "not given" there keeps what was given before it.
    after = argparse.ArgumentParser(add_help=False)
    after.add_argument("--profile", default=argparse.SUPPRESS, metavar="NAME", help=whose)
    actions = progress.add_subparsers(dest="progress_command", metavar="ACTION", required=True)
    export = actions.add_parser("export", parents=[common, after],
                                help="write the progress of the profile in use (or --all) to a JSON FILE or into DIR")
    export.add_argument("file", metavar="FILE|DIR")
    export.add_argument("--all", action="store_true", help="every profile of this machine, in one file")
    actions.add_parser("import", parents=[common, after],
                       help="merge an export, each learner into their own profile").add_argument("file", metavar="FILE")
    profiles = actions.add_parser("profiles", parents=[common], help="list, create or switch learner profiles")
    which = profiles.add_subparsers(dest="profiles_command", metavar="ACTION")
    which.add_parser("list", parents=[common], help="every profile, the one in use marked (the default)")
    which.add_parser("create", parents=[common], help="make an empty profile").add_argument("name", metavar="NAME")
    which.add_parser("switch", parents=[common], help="use a profile from now on").add_argument("name", metavar="NAME")
    report = actions.add_parser("report", parents=[common],
                                help="one table of learner × lesson from exports of many machines")
    report.add_argument("inputs", nargs="+", metavar="FILE|DIR", help="exports, or folders of them")
    report.add_argument("--csv", metavar="FILE", type=Path, help="also write the table as CSV")
    report.add_argument("--html", metavar="FILE", type=Path, help="also write it as a self-contained HTML page")


def run(args: argparse.Namespace, console: Console) -> int:
    if args.progress_command == "report":
        return _report(args, console)
    store = _open(args, console)
    if args.progress_command == "export":
        return _export(store, args, console)
    if args.progress_command == "import":
        return _import(store, Path(args.file), args.profile, console)
    return _profiles(store, args, console)


def _open(args: argparse.Namespace, console: Console) -> ProgressStore:
    from envlab.engine.progress import ProgressStore, data_dir
    from envlab.engine.progress_db import check_profile_name

    if args.profile is not None:
        check_profile_name(args.profile)  # an export must be readable wherever it goes
    # An export only reads: it works from a data folder that cannot be written (a locked-down kiosk).
    exporting = args.progress_command == "export" and (data_dir() / "progress.sqlite3").is_file()
    store = ProgressStore.open_default(args.profile, read_only=exporting)
    if store.kept_aside is not None:
        console.print(f"[yellow]the progress database was damaged:[/] kept aside as {escape(str(store.kept_aside))}; "
                      "a fresh one was started")
    return store


def _export(store: ProgressStore, args: argparse.Namespace, console: Console) -> int:
    from envlab.engine.progress_transfer import export_file

    path = Path(args.file)
    if path.is_dir():
        path = path / _export_name(store, every_profile=args.all)
    count = export_file(store, path, every_profile=args.all)
    whose = "every profile" if args.all else f"profile {_quoted(store.profile)}"
    console.print(f"exported {count} lesson record(s) of {whose} to {escape(str(path))}")
    return 0


def _export_name(store: ProgressStore, *, every_profile: bool) -> str:
    """A file name no other kiosk or learner uses: machine, whose, when."""
    from envlab.engine.machine import this_machine

    machine = this_machine(store.path.parent)
    whose = "all" if every_profile else re.sub(r"[^A-Za-z0-9_-]+", "-", store.profile).strip("-")[:32] or "profile"
    stamp = time.strftime("%Y%m%d-%H%M%S")
    return f"envlab-progress-{machine.hostname}-{(machine.id or 'noid')[:6]}-{whose}-{stamp}.json"


def _import(store: ProgressStore, path: Path, asked: str | None, console: Console) -> int:
    from envlab.engine.progress_transfer import import_file

    result = import_file(store, path, unnamed_into=asked)
    source = f" (from {escape(result.machine.label)})" if result.machine else ""
    console.print(f"merged {result.lessons} lesson record(s) from {escape(str(path))}{source} "
                  f"into {escape(str(store.path))}")
    for profile, count in result.merged.items():
        made = " (a new profile)" if profile in result.created else ""
        console.print(f"  {_quoted(profile)}: {count} lesson record(s){made}")
    if result.unnamed_into is not None:
        console.print(f"[yellow]note:[/] {escape(str(path))} is an export of an older envlab and does not say whose "
                      f"progress it is: its progress went into profile {_quoted(result.unnamed_into)} "
                      "(choose another with --profile NAME)")
    return 0


def _profiles(store: ProgressStore, args: argparse.Namespace, console: Console) -> int:
    if args.profiles_command == "create":
        store.create_profile(args.name)
        console.print(f"created profile {_quoted(args.name)}; "
                      f"use it with `envlab progress profiles switch {escape(args.name)}`")
        return 0
    if args.profiles_command == "switch":
        store.switch_profile(args.name)
        console.print(f"the profile in use is now {_quoted(args.name)}")
        return 0
    from rich.table import Table
    from rich.text import Text

    from envlab.engine.describe import visible

    table = Table("", "profile", "lessons", "done", "last active", box=None, highlight=False)
    for profile in store.profiles():
        active = time.strftime("%Y-%m-%d %H:%M", time.localtime(profile.last_active)) if profile.last_active else "—"
        table.add_row("*" if profile.current else "", Text(visible(profile.name)), str(profile.lessons),
                      str(profile.completed), active)
    console.print(table)
    console.print("[dim]* the profile in use; `envlab progress profiles switch NAME` changes it[/]")
    return 0


def _report(args: argparse.Namespace, console: Console) -> int:
    from envlab.cli.commands.common import catalog
    from envlab.engine.progress_report import collect
    from envlab.headless.progress_report import csv_text, html_page, report_table, write
    from envlab.lessons.text import detect_language

    lessons = {loaded.lesson.id: loaded.lesson for loaded in catalog(args, quiet=True).lessons}
    report = collect([Path(p) for p in args.inputs], lessons=lessons, lang=detect_language(args.lang))
    console.print(report_table(report))
    errors = Console(stderr=True, highlight=False)
    for unreadable in report.unreadable:  # said before the files are written: a failed write cannot hide them
        errors.print(f"[bold red]not read:[/] {escape(_shown(unreadable.message))}")
        if unreadable.hint:
            errors.print(f"  [dim]hint:[/] {escape(unreadable.hint)}")
    for path, render in ((args.csv, csv_text), (args.html, html_page)):
        if path is not None:
            write(path, render(report))
            console.print(f"wrote {escape(str(path))}")
    return 1 if report.unreadable else 0


def _quoted(name: str) -> str:
    """A profile name in a message: quoted, escaped as markup, its control characters shown."""
    return escape(f"'{_shown(name)}'")


def _shown(text: str) -> str:
    from envlab.engine.describe import visible

    return visible(text)
