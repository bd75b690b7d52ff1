"""`envlab list`: the packs, then chapters (titled by their packs) and lessons, in order; ``--json`` for scripts."""

from __future__ import annotations

import argparse
import json
from typing import Any

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from envlab.cli.commands.common import catalog
from envlab.lessons.catalog import Catalog, display_path
from envlab.lessons.loader import LoadedLesson
from envlab.lessons.text import detect_language, pick


def run(args: argparse.Namespace, console: Console) -> int:
    lang = detect_language(args.lang)
    found = catalog(args)
    if getattr(args, "json", False):
        console.out(json.dumps(listing(found), indent=2, ensure_ascii=False), highlight=False)
        return 0
    if found.packs:
        console.print(_packs_table(found, lang))
    console.print(_lessons_table(found, lang))
    return 0


def _packs_table(found: Catalog, lang: str) -> Table:
    table = Table(title="packs", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("pack", no_wrap=True)
    table.add_column("version", no_wrap=True)
    table.add_column("title", overflow="fold")
    table.add_column("from", overflow="fold")
    for pack in found.packs:
        where = "built-in" if pack.builtin else display_path(pack.path.parent)
        table.add_row(escape(pack.manifest.id), escape(pack.manifest.version), escape(pick(pack.manifest.title, lang)),
                      escape(where))
    return table


def _lessons_table(found: Catalog, lang: str) -> Table:
    table = Table(title="envlab lessons", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("chapter", justify="right", no_wrap=True)
    table.add_column("id", no_wrap=True)
    table.add_column("kind", no_wrap=True)
    table.add_column("title", overflow="fold")
    table.add_column("pack", no_wrap=True)
    chapter: int | None = None
    titled = False
    for loaded in found.lessons:
        lesson = loaded.lesson
        if lesson.chapter != chapter:
            if chapter is not None:
                table.add_section()
            chapter = lesson.chapter
            title = found.chapter_title(chapter)
            titled = title is not None
            if title is not None:  # the chapter's own row, with its number; its lessons' rows need none
                table.add_row(str(chapter), "", "", f"[b]{escape(pick(title, lang))}[/b]", "")
        table.add_row("" if titled else str(chapter), lesson.id, lesson.kind, escape(pick(lesson.title, lang)),
                      escape(pack_label(loaded)))
    return table


def pack_label(loaded: LoadedLesson) -> str:
    """The id of the pack a lesson comes from, for lessons from outside the built-in course ("" otherwise)."""
    return "" if loaded.pack is None or loaded.pack.builtin else loaded.pack.manifest.id


def listing(found: Catalog) -> dict[str, Any]:
    """The catalog as data: its packs, the chapters' titles and the lessons (texts in every language given)."""
    chapters = sorted({loaded.lesson.chapter for loaded in found.lessons})
    return {
        "packs": [{"id": pack.manifest.id, "title": pack.manifest.title, "version": pack.manifest.version,
                   "builtin": pack.builtin, "path": display_path(pack.path), "envlab": pack.manifest.envlab,
                   "chapters": {str(n): title for n, title in sorted(pack.manifest.chapters.items())}}
                  for pack in found.packs],
        "chapters": [{"chapter": n, "title": found.chapter_title(n)} for n in chapters],
        "lessons": [{"id": ll.lesson.id, "chapter": ll.lesson.chapter, "order": ll.lesson.order, "kind": ll.lesson.kind,
                     "title": ll.lesson.title, "pack": ll.pack.manifest.id if ll.pack else None,
                     "path": display_path(ll.path)} for ll in found.lessons],
    }
