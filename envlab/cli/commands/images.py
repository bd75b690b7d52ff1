"""`envlab images prepare|list`: make every image the lessons need present, or say which are missing."""

from __future__ import annotations

import argparse
import time
from concurrent.futures import ThreadPoolExecutor

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from envlab.cli.commands.common import catalog
from envlab.cli.root import open_runtime
from envlab.engine.images import ImageNeed, image_needs
from envlab.engine.prepare import Prepared, prepare_one
from envlab.runtime.contract import Runtime


def run(args: argparse.Namespace, console: Console) -> int:
    needs = image_needs(catalog(args).lessons)
    runtime = open_runtime(sweep=False)
    if args.images_command == "list":
        return _list(needs, runtime, console)
    return _prepare(needs, runtime, console)


def _list(needs: list[ImageNeed], runtime: Runtime, console: Console) -> int:
    table = Table(title="images", title_justify="left")
    for column in ("image", "kind", "state", "lessons"):
        table.add_column(column)
    missing = 0
    for need in needs:
        present = runtime.image_present(need.tag)
        missing += not present
        state = "[green]present[/]" if present else "[red]missing[/]"
        table.add_row(need.tag, need.kind, state, ", ".join(need.lessons))
    console.print(table)
    return 1 if missing else 0


def _prepare(needs: list[ImageNeed], runtime: Runtime, console: Console) -> int:
    started = time.monotonic()
    results: list[Prepared] = []
    columns = (SpinnerColumn(), TextColumn("{task.fields[tag]:<34}"), BarColumn(),
               TextColumn("{task.description}", markup=False), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        tasks = {n.tag: progress.add_task("waiting", total=1.0, tag=n.tag) for n in needs}

        def note(need: ImageNeed, text: str, fraction: float | None) -> None:
            progress.update(tasks[need.tag], description=text.strip()[:60], completed=fraction)

        # Bases are independent downloads; hosts and fixes build on them, so go in phases.
        for kind in ("base", "host", "fix", "service"):
            phase = [n for n in needs if n.kind == kind]
            with ThreadPoolExecutor(max_workers=3) as pool:
                for result in pool.map(lambda n: prepare_one(runtime, n, note), phase):
                    results.append(result)
                    label = result.action if result.action != "failed" else "FAILED"
                    progress.update(tasks[result.need.tag], completed=1.0, description=label)
    failed = [r for r in results if r.action == "failed"]
    for result in failed:
        console.print(f"[bold red]✗ {escape(result.need.tag)}:[/] {escape(result.message)}")
        if result.hint:
            console.print(f"  [dim]hint:[/] {escape(result.hint)}")
    counts = {a: sum(r.action == a for r in results) for a in ("present", "pulled", "bootstrapped", "built")}
    summary = ", ".join(f"{n} {a}" for a, n in counts.items() if n)
    console.print(f"{len(results)} image(s): {summary or 'none'}; {len(failed)} failed "
                  f"in {time.monotonic() - started:.1f}s")
    return 1 if failed else 0
