"""`envlab inspect`: run a lesson's setups, fingerprint them from outside, show only the drift."""

from __future__ import annotations

import argparse
from contextlib import closing, nullcontext

from rich.console import Console
from rich.markup import escape

from envlab.cli.root import open_runtime
from envlab.engine.drift.run import DriftRun
from envlab.engine.events import ErrorRaised, InspectionFinished
from envlab.engine.run import open_run
from envlab.errors import LessonError
from envlab.headless import RichRenderer, print_json
from envlab.lessons.catalog import find_lesson
from envlab.lessons.text import detect_language, pick
from envlab.runtime.labels import Session


def run(args: argparse.Namespace, console: Console) -> int:
    lang = detect_language(args.lang)
    loaded = find_lesson(args.lesson, args.lessons)
    session = Session()
    lesson_run = open_run(loaded, open_runtime(session), session=session, lang=lang)
    if not isinstance(lesson_run, DriftRun):
        raise LessonError(f"{loaded.lesson.id} is a scenario lesson: it has no setups to compare",
                          hint="`envlab run` shows what a scenario lesson measures")
    busy = console.status(f"running the setups of {loaded.lesson.id} and inspecting them…")
    # The same stream as `run --inspect`: it joins the setup threads before its last teardown, so
    # an interruption at any moment leaves nothing behind; only the drift and errors are shown.
    with nullcontext() if args.json else busy, closing(lesson_run.events_then_inspect()) as events:
        shown = [e for e in events if isinstance(e, ErrorRaised | InspectionFinished)]
    if args.json:
        print_json(shown, console)
    else:
        console.print(f"[bold]{escape(pick(loaded.lesson.title, lang))}[/]")
        renderer = RichRenderer(console)
        for event in shown:
            renderer(event)
    finished = next((e for e in shown if isinstance(e, InspectionFinished)), None)
    return 0 if finished is not None and not finished.skipped else 1
