"""`envlab list`: chapters and lessons, in order."""

from __future__ import annotations

import argparse

from rich import box
from rich.console import Console
from rich.table import Table

from envlab.cli.commands.common import catalog
from envlab.lessons.text import detect_language, pick


def run(args: argparse.Namespace, console: Console) -> int:
    lang = detect_language(args.lang)
    table = Table(title="envlab lessons", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("chapter", justify="right", no_wrap=True)
    table.add_column("id", no_wrap=True)
    table.add_column("kind", no_wrap=True)
    table.add_column("title", overflow="fold")
    chapter = None
    for loaded in catalog(args).lessons:
        lesson = loaded.lesson
        if chapter is not None and lesson.chapter != chapter:
            table.add_section()
        chapter = lesson.chapter
        table.add_row(str(lesson.chapter), lesson.id, lesson.kind, pick(lesson.title, lang))
    console.print(table)
    return 0
