"""`envlab clean`: remove what envlab sessions left on the engine, saying whose it is.

What sessions without a lease left (their process is gone) is removed at once. A live session —
another learner's terminal, a kiosk sharing this engine — is asked about first, or kept when nobody
can be asked; `--yes` removes it too.
"""

from __future__ import annotations

import argparse
import sys

from rich.console import Console
from rich.markup import escape
from rich.prompt import Confirm
from rich.table import Table

from envlab.cli.root import open_runtime
from envlab.runtime.cleanup import Removal, SessionResources, by_session, remove_all


def run(args: argparse.Namespace, console: Console) -> int:
    runtime = open_runtime(sweep=False)
    sessions = by_session(runtime)
    if not sessions:
        console.print("nothing of envlab's is on this engine")
    else:
        console.print(_table(sessions))
    removal = Removal()
    for found in sessions:
        if found.live and not _may_remove_live(found, args, console):
            console.print(f"[yellow]kept[/] the {len(found.removable)} resource(s) of live session {found.session}")
            continue
        done = remove_all(runtime, found.removable)
        removal.removed += done.removed
        removal.failed += done.failed
    for resource in removal.removed:
        console.print(f"removed {resource.kind} {escape(resource.name)}")
    for resource, why in removal.failed:
        console.print(f"[red]could not remove {resource.kind} {escape(resource.name)}:[/] {escape(why)}")
    console.print(f"{len(removal.removed)} removed, {len(removal.failed)} failed")
    # A live session may be about to use the swarm (its services not created yet): leave it only when none is.
    if not removal.failed and not runtime.live_sessions() and runtime.leave_swarm_if_ours():
        console.print("left the single-node swarm envlab had initialized")
    return 1 if removal.failed else 0


def _table(sessions: list[SessionResources]) -> Table:
    table = Table(title="envlab sessions on this engine", title_justify="left")
    for column in ("session", "state", "whose", "lessons", "resources"):
        table.add_column(column)
    for found in sessions:
        state = "[green]live[/]" if found.live else "[dim]gone (leftovers)[/]"
        table.add_row(found.session or "?", state, escape(found.owner), ", ".join(found.lessons) or "-",
                      str(len(found.removable)))
    return table


def _may_remove_live(found: SessionResources, args: argparse.Namespace, console: Console) -> bool:
    """Whether to remove a live session's resources: --yes, or the person at the terminal says so."""
    if args.yes:
        return True
    if not found.removable:
        return False
    if not sys.stdin.isatty():
        console.print(f"[yellow]session {found.session} is live ({escape(found.owner)}):[/] pass --yes to "
                      "remove its resources too")
        return False
    question = (f"session {found.session} is live ({found.owner}); remove its {len(found.removable)} "
                "resource(s) anyway? A learner may be using them")
    return Confirm.ask(question, console=console, default=False)
