"""`envlab test`: prove lessons on the engine, twice each, leaving nothing behind."""

from __future__ import annotations

import argparse

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from envlab.cli.commands.common import catalog
from envlab.cli.root import open_runtime
from envlab.engine.junit import write_junit
from envlab.engine.prove import prove
from envlab.errors import EnvlabError, LessonError
from envlab.lessons.text import detect_language


def run(args: argparse.Namespace, console: Console) -> int:
    lessons = catalog(args)
    if args.all or not args.lessons_to_test:
        if not args.all:
            raise LessonError("name the lessons to prove, or pass --all", hint="see `envlab list`")
        chosen = lessons.lessons
    else:
        chosen = [lessons.get(ref) for ref in args.lessons_to_test]
    runtime = open_runtime()
    table = Table(title="lesson proofs", title_justify="left")
    for column in ("lesson", "round", "result", "time"):
        table.add_column(column)
    failed = 0
    proofs = []
    for loaded in chosen:
        with console.status(f"proving {loaded.lesson.id} ({args.rounds} rounds)…"):
            proof = prove(loaded, runtime, rounds=args.rounds, lang=detect_language(args.lang))
        proofs.append(proof)
        for rnd in proof.rounds:
            result = "[green]✓ proven[/]" if rnd.ok else "[red]✗ " + escape("\n".join(rnd.failures)) + "[/]"
            table.add_row(proof.lesson, str(rnd.number), result, f"{rnd.duration:.1f}s")
        failed += not proof.ok
        mark = "[green]✓[/]" if proof.ok else "[red]✗[/]"
        console.print(f"{mark} {proof.lesson}: {sum(r.ok for r in proof.rounds)}/{len(proof.rounds)} rounds proven")
    console.print(table)
    if args.junit is not None:
        try:
            write_junit(proofs, args.junit)
        except OSError as exc:
            raise EnvlabError(f"cannot write {args.junit}: {exc.strerror or exc}") from None
        console.print(f"JUnit XML: {escape(str(args.junit))}")
    if failed:
        console.print(f"[bold red]{failed} of {len(chosen)} lesson(s) not proven[/]")
        return 1
    console.print(f"[bold green]all {len(chosen)} lesson(s) proven[/]")
    return 0
