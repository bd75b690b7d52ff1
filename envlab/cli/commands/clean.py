"""`envlab clean`: remove every service, container, network and volume envlab created."""

from __future__ import annotations

import argparse

from rich.console import Console
from rich.markup import escape

from envlab.cli.root import open_runtime
from envlab.runtime.cleanup import clean_everything


def run(args: argparse.Namespace, console: Console) -> int:
    runtime = open_runtime(sweep=False)
    removal = clean_everything(runtime)
    for resource in removal.removed:
        console.print(f"removed {resource.kind} {escape(resource.name)}")
    for resource, why in removal.failed:
        console.print(f"[red]could not remove {resource.kind} {escape(resource.name)}:[/] {escape(why)}")
    console.print(f"{len(removal.removed)} removed, {len(removal.failed)} failed")
    if not removal.failed and runtime.leave_swarm_if_ours():
        console.print("left the single-node swarm envlab had initialized")
    return 1 if removal.failed else 0
