"""`envlab doctor [--kiosk]`: Docker reachability, the engine's version, missing images, and what to do;
with ``--kiosk``, whether this machine can run a day of lessons with no network at all."""

from __future__ import annotations

import argparse
import locale
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from envlab.cli.commands.images import lesson_images
from envlab.cli.root import engine_endpoint, open_runtime
from envlab.engine import bundle
from envlab.engine.images import ImageNeed
from envlab.errors import EnvlabError
from envlab.runtime.cleanup import by_session
from envlab.runtime.contract import EngineInfo, Runtime

GIB = 1 << 30
#: Free disk a day of runs needs beside the images: every container may write up to its 512 MiB bound,
#: a lesson runs up to six at once, and a day leaves logs and progress behind.
DAY_OF_RUNS = 4 * GIB
#: Memory one learner's lesson takes at its peak (six containers at their limits), plus the engine's own.
PER_LEARNER = 1 * GIB
MIN_COLUMNS, MIN_ROWS = 80, 24
#: Learners a CPU serves with drift lessons (see docs/performance.md, concurrent learners).
LEARNERS_PER_CPU = 2


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
    needs = lesson_images(args)
    if args.kiosk or args.bundle is not None:
        return _kiosk(runtime, info, needs, args.bundle, console)
    problems = 0
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


@dataclass(frozen=True)
class Finding:
    """One line of the readiness report."""

    ok: bool
    what: str
    fix: str = ""


def _kiosk(runtime: Runtime, info: EngineInfo, needs: list[ImageNeed], bundle_file: Path | None,
           console: Console) -> int:
    findings = [*_images(runtime, needs, bundle_file), _disk(info), _memory(info), _swarm(info),
                *_terminal()]
    missing = any(not f.ok for f in findings[:1])
    findings.append(Finding(not missing, "no network needed: every image is here and lesson builds run without "
                            "one" if not missing else "a network is needed: some images would have to be made",
                            "import a bundle made on a connected machine (`envlab images export FILE` there)"))
    for finding in findings:
        mark = "[green]✓[/]" if finding.ok else "[red]✗[/]"
        console.print(f"{mark} {escape(finding.what)}")
        if not finding.ok and finding.fix:
            console.print(f"  [dim]fix:[/] {escape(finding.fix)}")
    failed = sum(not f.ok for f in findings)
    console.print(f"{'[green]ready for a day offline' if not failed else f'[red]{failed} problem(s)'}[/]")
    return 1 if failed else 0


def _images(runtime: Runtime, needs: list[ImageNeed], bundle_file: Path | None) -> list[Finding]:
    facts = runtime.image_facts([n.tag for n in needs])
    missing = [n.tag for n in needs if n.tag not in facts]
    found = [Finding(not missing, f"images: {len(needs) - len(missing)} of {len(needs)} present"
                     + (f" (missing: {_some(missing)})" if missing else ""),
                     "`envlab images import BUNDLE` (or `envlab images prepare` with a network)")]
    if bundle_file is not None:
        manifest = bundle.read_manifest(bundle_file)
        differ = [n.tag for n in needs if n.tag not in missing and (held := manifest.image(n.tag)) is not None
                  and held.id != facts[n.tag].id]
        absent = [n.tag for n in needs if manifest.image(n.tag) is None]
        found.append(Finding(not differ and not absent,
                             f"images match {bundle_file.name} (envlab {manifest.envlab_version}, {manifest.created})"
                             + (f"; differ: {_some(differ)}" if differ else "")
                             + (f"; not in it: {_some(absent)}" if absent else ""),
                             "remove the differing images (`docker rmi TAG`) and import the bundle again; "
                             "export a bundle from this envlab's lessons for what it lacks"))
    return found


def _disk(info: EngineInfo) -> Finding:
    root = Path(info.root_dir)
    if not info.root_dir or not root.is_dir():
        return Finding(True, "free disk: the engine's storage is on another machine; check it there")
    free = shutil.disk_usage(root).free
    return Finding(free >= DAY_OF_RUNS, f"free disk where the engine keeps containers ({root}): "
                   f"{free / GIB:.1f} GiB (a day of runs needs {DAY_OF_RUNS / GIB:.0f} GiB)",
                   "free space there (`docker system prune` removes what no one uses)")


def _memory(info: EngineInfo) -> Finding:
    by_memory = max(0, info.memory - GIB) // PER_LEARNER
    by_cpu = LEARNERS_PER_CPU * info.cpus
    learners = min(by_memory, by_cpu)
    return Finding(learners >= 1, f"memory {info.memory / GIB:.1f} GiB, {info.cpus} CPU(s): room for about "
                   f"{learners} learner(s) running lessons at once (memory allows {by_memory}, CPUs {by_cpu})",
                   "a kiosk host needs at least 2 GiB and one CPU")


def _swarm(info: EngineInfo) -> Finding:
    state = info.swarm or "unknown"
    if state == "inactive":
        return Finding(True, "Swarm possible: envlab makes this engine a single-node swarm for chapters 3–5 and "
                       "leaves it when the last envlab session ends")
    if state == "active":
        return Finding(True, "Swarm active: envlab uses it and never leaves a swarm it did not make")
    return Finding(False, f"Swarm {state}: chapters 3–5 need a working swarm or none",
                   "`docker swarm leave --force` if this engine was part of a swarm that is gone")


def _terminal() -> list[Finding]:
    try:  # the terminal itself, not COLUMNS/LINES: a kiosk is judged by what it will draw on
        size = os.get_terminal_size(sys.stdout.fileno())
    except (OSError, ValueError):
        size = os.terminal_size((0, 0))
    encoding = (sys.stdout.encoding or locale.getpreferredencoding(False)).lower().replace("-", "")
    term = os.environ.get("TERM", "")
    return [
        Finding(size.columns >= MIN_COLUMNS and size.lines >= MIN_ROWS,
                f"terminal: {size.columns}×{size.lines}" if size.columns else "terminal: not a terminal here",
                f"the course needs at least {MIN_COLUMNS}×{MIN_ROWS}: a larger window or a smaller font"),
        Finding(encoding == "utf8", f"text encoding: {encoding or 'unknown'}",
                "set a UTF-8 locale (e.g. LANG=C.UTF-8) for the kiosk's user"),
        Finding(term != "linux", f"Japanese can be drawn (TERM={term or 'unset'})" if term != "linux" else
                "TERM=linux: the Linux console has no Japanese glyphs",
                "run the kiosk in a terminal emulator with a Japanese font (a graphical session, or kmscon "
                "on a console)"),
    ]


def _some(tags: list[str], shown: int = 4) -> str:
    more = len(tags) - shown
    return ", ".join(tags[:shown]) + (f" and {more} more (`envlab images list` shows all)" if more > 0 else "")
