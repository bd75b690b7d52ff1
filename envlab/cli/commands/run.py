"""`envlab run`: a lesson headless, every step of every setup live, a verdict per setup."""

from __future__ import annotations

import argparse

from rich.console import Console
from rich.markup import escape

from envlab.cli.root import open_runtime
from envlab.engine.drift.run import DriftRun
from envlab.engine.outcome import RunSummary
from envlab.engine.run import open_run
from envlab.headless import RichRenderer, print_json
from envlab.lessons.catalog import find_lesson
from envlab.lessons.text import detect_language, pick
from envlab.runtime.labels import Session


def run(args: argparse.Namespace, console: Console) -> int:
    lang = detect_language(args.lang)
    loaded = find_lesson(args.lesson, args.lessons)
    session = Session()
    lesson_run = open_run(loaded, open_runtime(session), session=session, lang=lang)
    events = lesson_run.events_then_inspect() if args.inspect and isinstance(lesson_run, DriftRun) \
        else lesson_run.events()
    if args.json:
        return 0 if print_json(events, console) else 1
    console.print(f"[bold]{escape(pick(loaded.lesson.title, lang))}[/]")
    renderer = RichRenderer(console)
    summary = RunSummary()
    for event in events:
        renderer(event)
        summary.add(event)
    return 0 if summary.ok else 1
