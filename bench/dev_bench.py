"""Benchmark `envlab dev`: from saving the lesson file to the updated screen, in the real TUI.

The app runs headless (Textual's Pilot) in author mode on a copy of a built-in lesson, watching its folder
as `envlab dev` does; each round saves the file once and waits, polling every 2 ms, until the screen shows
the save. Side by side, alternating within each round:

* **text**: the narrative changes; measured until the guide shows the new text (a redraw included).
* **check**: a check's title changes; measured until the checks box shows it, after every check of the
  lesson has run again against the setups already running.
* **text: seen by the watcher**: of the text's time, until the watcher gave the save to the worker that
  validates it (the rest is validating, the message to the UI thread and redrawing the guide).
* **re-run**: for comparison, what a check change would cost without author mode: the whole lesson torn
  down and run again (the `r` key), until its run has finished.

    python bench/dev_bench.py [--lesson os-skew] [--saves N] [--engine fake|docker]

``--engine docker`` runs the setups on the Docker engine (its images prepared); the default is the
in-memory runtime the UI tests use, which isolates envlab's own cost.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from textual.pilot import Pilot

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout

from envlab.engine.progress import ProgressStore
from envlab.lessons.catalog import Catalog, find_lesson, load_checked
from envlab.runtime.contract import Runtime
from envlab.runtime.labels import Session
from envlab.ui.app import EnvlabApp, make_app
from envlab.ui.messages import LessonSaved, RunFinished
from envlab.ui.screens.dev_screen import DevLessonScreen
from envlab.ui.widgets.checks_panel import ChecksPanel

POLL = 0.002


def copy_lesson(lesson_id: str, into: Path) -> Path:
    """The lesson's file and assets folder, copied into a pack of their own."""
    loaded = find_lesson(lesson_id)
    (into / "pack.yaml").write_text(f"id: bench-{lesson_id}\n", encoding="utf-8")
    shutil.copytree(loaded.assets_dir, into / "assets" / lesson_id)
    target = into / loaded.path.name
    shutil.copy(loaded.path, target)
    return target


def runtime_for(engine: str, catalog: Catalog) -> Runtime:
    if engine == "docker":
        from envlab.cli.root import open_runtime

        return open_runtime(Session())
    from envlab.engine.images import image_needs
    from envlab.runtime.fake import FakeRuntime

    return FakeRuntime(images={need.tag for need in image_needs(catalog.lessons)})


async def until(pilot: Pilot[int], condition: Callable[[], bool], timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the screen never showed the save")
        await pilot.pause(POLL)


def save(path: Path, old: str, new: str) -> float:
    text = path.read_text(encoding="utf-8")
    started = time.monotonic()
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return started


async def bench(lesson_id: str, saves: int, engine: str) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {"text": [], "text: seen by the watcher": [], "check": [], "re-run": []}
    with tempfile.TemporaryDirectory() as tmp:
        path = copy_lesson(lesson_id, Path(tmp))
        loaded = load_checked(path)
        catalog = Catalog(lessons=[loaded])
        first = loaded.lesson.checks[0] if hasattr(loaded.lesson, "checks") else None
        assert first is not None and first.title is not None, "the lesson's first check needs a title"
        title = first.title if isinstance(first.title, str) else first.title["en"]
        app: EnvlabApp = make_app(runtime=runtime_for(engine, catalog), dev=loaded, catalog=catalog, lang="en",
                                  store=ProgressStore(Path(tmp) / "progress.sqlite3"))
        finished: list[RunFinished] = []
        saved: list[LessonSaved] = []

        def seen(message: object) -> None:
            if isinstance(message, RunFinished):
                finished.append(message)
            elif isinstance(message, LessonSaved):
                saved.append(message)

        async with app.run_test(size=(120, 40), message_hook=seen) as pilot:
            screen = app.screen
            assert isinstance(screen, DevLessonScreen)
            await until(pilot, lambda: screen.watching.is_set() and app.runtime is not None)
            await pilot.press("r")
            await until(pilot, lambda: len(finished) == 1)
            narrative, check_title = "It works on my machine", title
            for n in range(saves):
                marker = f"edit {n}"
                started = save(path, narrative, marker)
                await until(pilot, lambda m=marker: m in screen.query_one("#narrative").source)  # type: ignore[attr-defined]
                await pilot.pause()
                times["text"].append(time.monotonic() - started)
                times["text: seen by the watcher"].append(saved[-1].saved_at - started)
                narrative = marker

                new_title = f"{title} ({n})"
                started = save(path, check_title, new_title)
                await until(pilot, lambda t=new_title: t in str(screen.query_one(ChecksPanel).render()))
                times["check"].append(time.monotonic() - started)
                check_title = new_title

                runs = len(finished)
                started = time.monotonic()
                await pilot.press("r")
                await until(pilot, lambda r=runs: len(finished) > r)
                times["re-run"].append(time.monotonic() - started)
            await pilot.press("escape")
            await until(pilot, lambda: not app.is_running)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lesson", default="os-skew")
    parser.add_argument("--saves", type=int, default=15)
    parser.add_argument("--engine", choices=["fake", "docker"], default="fake")
    args = parser.parse_args()
    times = asyncio.run(bench(args.lesson, args.saves, args.engine))
    load = os.getloadavg()
    print(f"{args.lesson}, {args.saves} saves, engine: {args.engine}; {os.cpu_count()} CPUs, "
          f"load average {load[0]:.1f}")
    print("| measurement | median | min – max |")
    print("|---|---:|---|")
    for name, values in times.items():
        print(f"| {name} | {statistics.median(values) * 1000:.0f} ms | "
              f"{min(values) * 1000:.0f} – {max(values) * 1000:.0f} ms |")


if __name__ == "__main__":
    main()
