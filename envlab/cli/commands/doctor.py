"""`envlab doctor`: Docker reachability, the engine's version, missing images, and what to do."""

from __future__ import annotations

import argparse

from rich.console import Console
from rich.markup import escape

from envlab.cli.commands.common import catalog
from envlab.cli.root import engine_endpoint, open_runtime
from envlab.engine.images import image_needs
from envlab.errors import EnvlabError


def run(args: argparse.Namespace, console: Console) -> int:
    url, source = engine_endpoint()
    console.print(f"Docker endpoint: {escape(url)} (from {source})")
    try:
        runtime = open_runtime(sweep=False)
        info = runtime.engine_info()
    except EnvlabError as exc:
        console.print(f"[red]✗ engine unreachable:[/] {escape(exc.message)}")
        console.print(f"  [dim]what to do:[/] {escape(exc.hint)}")
        return 1
    console.print(f"[green]✓ engine reachable:[/] Docker {info.version} (API {info.api_version}), "
                  f"{info.os}/{info.arch}, kernel {info.kernel}")
    problems = 0
    needs = image_needs(catalog(args).lessons)
    missing = [n for n in needs if not runtime.image_present(n.tag)]
    console.print(f"{'[green]✓' if not missing else '[red]✗'} images:[/] {len(needs) - len(missing)} of "
                  f"{len(needs)} present")
    for need in missing:
        console.print(f"   missing {need.tag} ({need.kind}, for {', '.join(need.lessons)})")
    if missing:
        problems += 1
        console.print("  [dim]what to do:[/] run `envlab images prepare`")
    leftovers = runtime.list_resources()
    if leftovers:
        console.print(f"[yellow]! {len(leftovers)} envlab container(s)/network(s) on the engine[/] "
                      "(a run in progress, or leftovers)")
        console.print("  [dim]what to do:[/] `envlab clean` removes them")
    return 1 if problems else 0
