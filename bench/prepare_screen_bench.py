"""Benchmark the first-run preparation screen: how long the event loop stalls while images are prepared.

Each round runs in a fresh interpreter: the TUI (headless, 100x30) on the in-memory runtime with none of
the built-in curriculum's images present; home's notice appears, ``P`` opens the preparation screen, and
the fake prepares every image while flooding progress notes from prepare's worker threads: by default
50,000 notes per base image and 5,000 lines per build, in bursts of 50 with a 1 ms wait between bursts, as
a stream read from a socket arrives (a wait releases the GIL as a read does; with no waits at all, three
threads spinning in Python starve the event loop of the GIL whatever the screen does). A probe task
measures how late the event loop wakes a 10 ms sleeper from the key press until the last image is done
(goal: no stall over 100 ms). Prints each round and the median of the rounds' longest stalls.

    python bench/prepare_screen_bench.py [--rounds N] [--notes N] [--lines N] [--burst N]

Needs no Docker engine.
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

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout


def report(**values: Any) -> None:
    print("BENCH " + json.dumps(values), flush=True)


def child(notes: int, lines: int, burst: int) -> None:
    from dataclasses import dataclass

    from textual.pilot import Pilot

    from envlab.engine.progress import ProgressStore
    from envlab.engine.readiness import Reach
    from envlab.runtime.contract import LineSink, Progress
    from envlab.runtime.fake import FakeRuntime
    from envlab.ui.app import make_app
    from envlab.ui.screens.home_screen import HomeScreen
    from envlab.ui.screens.prepare_screen import PrepareScreen

    sent = [0]

    @dataclass
    class FloodingFake(FakeRuntime):
        """Every image is made at once, as on the fake, after a flood of progress notes."""

        def provide_base(self, tag: str, progress: Progress) -> str:
            for n in range(notes):
                progress(f"I: Retrieving libc6 2.36-9+deb12u{n} for {tag}", n / notes)
                if burst and n % burst == burst - 1:
                    time.sleep(0.001)
            sent[0] += notes
            return super().provide_base(tag, progress)

        def build_image(self, *, context: list[tuple[str, bytes, int]], dockerfile: str, tag: str,
                        labels: dict[str, str], on_line: LineSink, network: bool = False) -> str:
            for n in range(lines):
                on_line(f"Get:{n} http://mirror.example/debian bookworm/main amd64 python3 [{n} B]")
                if burst and n % burst == burst - 1:
                    time.sleep(0.001)
            sent[0] += lines
            return super().build_image(context=context, dockerfile=dockerfile, tag=tag, labels=labels,
                                       on_line=on_line, network=network)

    store = ProgressStore(Path(tempfile.mkdtemp(prefix="envlab-bench-")) / "progress.sqlite3")
    app = make_app(runtime=FloodingFake(), lang="en", store=store, network=lambda: Reach(False, False))

    async def prepare(pilot: Pilot[int]) -> None:
        home = app.screen
        assert isinstance(home, HomeScreen)
        while home.images is None or not home.images.missing:
            await pilot.pause(0.05)
        lags: list[float] = []
        stop = asyncio.Event()

        async def probe() -> None:  # how late does the loop wake a 10 ms sleeper?
            while not stop.is_set():
                before = time.perf_counter()
                await asyncio.sleep(0.01)
                lags.append(time.perf_counter() - before - 0.01)

        watcher = asyncio.create_task(probe())
        started = time.perf_counter()
        await pilot.press("P")
        screen = app.screen
        assert isinstance(screen, PrepareScreen)
        while not screen.ended:
            await pilot.pause(0.05)
        took = time.perf_counter() - started
        stop.set()
        await watcher
        done = sum(row.state == "done" for row in screen.rows.values())
        ordered = sorted(lags)
        report(images=len(screen.rows), done=done, notes=sent[0], seconds=took, max_stall_ms=ordered[-1] * 1000,
               p99_stall_ms=ordered[int(len(ordered) * 0.99)] * 1000)
        app.exit(0)

    app.run(headless=True, size=(100, 30), auto_pilot=prepare)


def spawn(notes: int, lines: int, burst: int) -> dict[str, Any]:
    env = {**os.environ, "ENVLAB_DATA_DIR": tempfile.mkdtemp(prefix="envlab-bench-data-")}
    done = subprocess.run([sys.executable, __file__, "--child", "--notes", str(notes), "--lines", str(lines),
                           "--burst", str(burst)],
                          capture_output=True, text=True, env=env, check=False, timeout=600)
    found = [line for line in done.stdout.splitlines() if line.startswith("BENCH ")]
    if done.returncode != 0 or not found:
        raise SystemExit(f"child failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    values: dict[str, Any] = json.loads(found[-1][6:])
    return values


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--notes", type=int, default=50_000, help="progress notes per base image")
    parser.add_argument("--lines", type=int, default=5_000, help="output lines per build")
    parser.add_argument("--burst", type=int, default=50, help="notes between 1 ms waits (0: no waits)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.notes, args.lines, args.burst)
        return 0
    rounds = []
    for n in range(args.rounds):
        values = spawn(args.notes, args.lines, args.burst)
        rounds.append(values)
        print(f"round {n + 1}: {values['done']}/{values['images']} images done in {values['seconds']:.2f} s, "
              f"{values['notes']:,} notes ({values['notes'] / values['seconds']:,.0f}/s); longest stall "
              f"{values['max_stall_ms']:.0f} ms, p99 {values['p99_stall_ms']:.0f} ms", flush=True)
    longest = [r["max_stall_ms"] for r in rounds]
    print(f"median of the longest stalls over {len(rounds)} rounds: {statistics.median(longest):.0f} ms "
          f"(range {min(longest):.0f}-{max(longest):.0f} ms; goal < 100 ms); median p99 "
          f"{statistics.median(r['p99_stall_ms'] for r in rounds):.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
