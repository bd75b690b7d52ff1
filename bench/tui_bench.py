"""Benchmark the TUI: first paint of home vs a bare Textual app, a 50,000-line flood, and memory.

Side by side in one run, each measurement in a fresh interpreter so imports count as a learner sees
them:

* **first paint**: from spawning the process to the first screen drawn, for a hello-world Textual
  app and for envlab's home screen (real catalog, real progress store, Docker connecting in its
  worker). Alternating rounds; medians and their ratio (goal: at most 1.2x). It also reports when home
  lists the lessons (goal: at most 1.6x the hello-world's first paint) and when they have loaded.
* **flood**: a real container prints 50,000 lines into one pane while a probe task measures how
  late the event loop wakes up (goal: no stall of 50 ms or more) and the pane stays bounded.
* **memory**: peak RSS (VmHWM) of each process (goal for envlab: at most 150 MB).

    python bench/tui_bench.py [--rounds N] [--lines N]

Needs a Docker engine with debian:bookworm-slim present (``envlab images prepare``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

FLOOD_LESSON = """\
id: flood
chapter: 99
order: 1
title: A flood of output
summary: One host prints {lines} lines.
narrative: A host prints {lines} lines as fast as it can.
hosts:
  - name: flood
    image: debian:bookworm-slim
    runbook:
      - say: print {lines} lines
        run: seq 1 {lines}
        timeout: 300
    probe:
      run: "true"
      expect: {{outcome: pass}}
"""


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def report(**values: Any) -> None:
    print("BENCH " + json.dumps(values), flush=True)


async def next_paint(pilot: Any) -> float:
    """The wall-clock time right after the current screen has next been drawn."""
    drawn = asyncio.Event()
    stamp: list[float] = []
    pilot.app.screen.call_after_refresh(lambda: (stamp.append(time.time()), drawn.set()))
    await drawn.wait()
    return stamp[0]


# children: each runs in its own interpreter --------------------------------------------------------
def child_hello() -> None:
    from textual.app import App, ComposeResult
    from textual.pilot import Pilot
    from textual.widgets import Static

    class Hello(App[None]):
        def compose(self) -> ComposeResult:
            yield Static("Hello, world")

    async def painted(pilot: Pilot[None]) -> None:
        report(painted=await next_paint(pilot), rss=peak_rss_mb())
        pilot.app.exit()

    Hello().run(headless=True, size=(100, 30), auto_pilot=painted)


def child_home() -> None:
    from envlab import heap

    heap.hold()  # what `envlab` does first (envlab.cli.main); the app settles the heap after its first frame
    from textual.pilot import Pilot

    from envlab.ui.app import make_app
    from envlab.ui.screens.home_screen import HomeScreen

    async def painted(pilot: Pilot[int]) -> None:
        while not isinstance(pilot.app.screen, HomeScreen):
            await pilot.pause(0.001)
        first = await next_paint(pilot)
        while not app.lessons_listed:  # from the cards the last load left, else once the lessons load
            await pilot.pause(0.005)
        listed = await next_paint(pilot)
        while not app.lessons_ready:  # the lessons load in a worker after the first paint
            await pilot.pause(0.005)
        loaded = time.time()
        report(painted=first, listed=listed, loaded=loaded, rss=peak_rss_mb())
        pilot.app.exit()

    from envlab.cli.root import open_runtime

    app = make_app(runtime=open_runtime, lang="en")  # as the CLI builds it: Docker opens in a worker
    try:
        app.run(headless=True, size=(100, 30), auto_pilot=painted)
    finally:
        app.runs.tear_down_all()


def child_flood(lines: int) -> None:
    from textual.pilot import Pilot

    from envlab.lessons.catalog import Catalog, load_checked
    from envlab.ui.app import make_app
    from envlab.ui.screens.lesson_screen import LessonScreen

    folder = Path(tempfile.mkdtemp(prefix="envlab-bench-"))
    (folder / "flood.yaml").write_text(FLOOD_LESSON.format(lines=lines))
    from envlab.cli.root import open_runtime

    app = make_app(catalog=Catalog(lessons=[load_checked(folder / "flood.yaml")]), lang="en", runtime=open_runtime)

    async def flood(pilot: Pilot[int]) -> None:
        while app.engine_state != "ready":
            if app.engine_state == "failed":
                raise SystemExit(f"no Docker engine: {app.engine_error}")
            await pilot.pause(0.05)
        await pilot.press("enter")
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        lags: list[float] = []
        when: list[float] = []
        stop = asyncio.Event()

        async def probe() -> None:  # how late does the loop wake a 10 ms sleeper?
            while not stop.is_set():
                before = time.perf_counter()
                await asyncio.sleep(0.01)
                lags.append(time.perf_counter() - before - 0.01)
                when.append(before - started)

        started = time.perf_counter()
        watcher = asyncio.create_task(probe())
        await pilot.press("r")
        while screen.running or screen.run is None:
            await pilot.pause(0.05)
        took = time.perf_counter() - started
        stop.set()
        await watcher
        pane = screen.pane("flood")
        shown = pane.lines
        worst = sorted(zip(lags, when, strict=True), reverse=True)[:3]
        report(seconds=took, max_stall_ms=max(lags) * 1000, p99_stall_ms=_p99(lags) * 1000,
               worst=[f"{lag * 1000:.0f} ms at {at:.2f} s" for lag, at in worst],
               pane_lines=len(shown), last_line=shown[-3] if len(shown) >= 3 else "", rss=peak_rss_mb())
        await app.action_quit()

    try:
        app.run(headless=True, size=(100, 30), auto_pilot=flood)
    finally:
        app.runs.tear_down_all()


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[int(len(ordered) * 0.99)] if ordered else 0.0


# the parent ---------------------------------------------------------------------------------------
def spawn(*args: str) -> tuple[float, dict[str, Any]]:
    """Run a child; return seconds from spawn to its report, and the report."""
    env = {**os.environ, "ENVLAB_DATA_DIR": tempfile.mkdtemp(prefix="envlab-bench-data-")}
    started = time.time()
    done = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True, text=True,
                          env=env, check=False, timeout=600)
    found = [line for line in done.stdout.splitlines() if line.startswith("BENCH ")]
    if done.returncode != 0 or not found:
        raise SystemExit(f"child {args} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    values = json.loads(found[-1][6:])
    for moment in ("listed", "loaded"):
        values[moment] = values.get(moment, started) - started
    return values.get("painted", started) - started, values


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--lines", type=int, default=50_000)
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind = args.child[0]
        if kind == "flood":
            child_flood(int(args.child[1]))
        else:
            {"hello": child_hello, "home": child_home}[kind]()
        return 0

    hello: list[float] = []
    home: list[float] = []
    listed: list[float] = []
    loaded: list[float] = []
    rss: dict[str, float] = {"hello": 0.0, "home": 0.0}
    for _ in range(args.rounds):  # alternate, so machine noise hits both alike
        for name, times in (("hello", hello), ("home", home)):
            seconds, values = spawn(name)
            times.append(seconds)
            rss[name] = max(rss[name], values["rss"])
            if name == "home":
                listed.append(values["listed"])
                loaded.append(values["loaded"])
    _, flood = spawn("flood", str(args.lines))

    first = statistics.median(hello)
    ratio = statistics.median(home) / first
    print(f"first paint, median of {args.rounds}: hello-world {first * 1000:.0f} ms, "
          f"envlab home {statistics.median(home) * 1000:.0f} ms, ratio {ratio:.2f}x (goal <= 1.2x)")
    print(f"lessons listed on home at {statistics.median(listed) * 1000:.0f} ms, "
          f"{statistics.median(listed) / first:.2f}x the hello-world's first paint (goal <= 1.6x); "
          f"lessons loaded (a lesson can open) at {statistics.median(loaded) * 1000:.0f} ms")
    print(f"peak RSS: hello-world {rss['hello']:.0f} MB, envlab home {rss['home']:.0f} MB, "
          f"envlab after the flood {flood['rss']:.0f} MB (goal <= 150 MB)")
    print(f"flood of {args.lines} lines: run finished in {flood['seconds']:.1f} s, longest event-loop stall "
          f"{flood['max_stall_ms']:.0f} ms, p99 {flood['p99_stall_ms']:.0f} ms (goal < 50 ms), "
          f"pane holds {flood['pane_lines']} lines (bounded), ends with {flood['last_line'].strip()!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
