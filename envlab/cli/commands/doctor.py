"""`envlab doctor`: Docker reachability, the engine's version, missing images, and what to do."""

from __future__ import annotations

import argparse

from rich.console import Console
from rich.markup import escape

from envlab.cli.commands.common import catalog
from envlab.cli.root import engine_endpoint, open_runtime
from envlab.engine.images import image_needs
from envlab.errors import EnvlabError
from envlab.runtime.cleanup import by_session


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
    sessions = by_session(runtime)
    live = [s for s in sessions if s.live]
    gone = [s for s in sessions if not s.live]
    if live:
        console.print(f"[green]✓[/] {len(live)} live envlab session(s) share this engine: "
                      + "; ".join(f"{s.session} ({escape(s.owner)})" for s in live))
    if gone:
        count = sum(len(s.resources) for s in gone)
        console.print(f"[yellow]! {count} resource(s) left by {len(gone)} ended session(s)[/]")
        console.print("  [dim]what to do:[/] `envlab clean` removes them (the next run also sweeps them)")
    return 1 if problems else 0
