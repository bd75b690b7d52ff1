"""What home lists before the lessons load: a card per lesson, kept from the last time they loaded.

Home needs a lesson's id, chapter, title, summary, goals and steps; loading the catalog means building the
models that validate a stranger's lesson, a few hundred milliseconds at start-up. So each full load leaves
its cards in the cache folder, keyed by the content of every lesson file and ``pack.yaml`` the catalog reads
(and envlab's version). The next start lists those cards in its first moments while the catalog loads again
behind them; the loaded catalog's own cards then take their place, so a lesson changed in between (or an
asset gone that refuses it) is shown as it is within the load's time. A card never opens a lesson: only a
loaded one does.

This module imports no model: it must stay cheap to import (import-linter and a unit test keep it so).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from envlab import __version__
from envlab.lessons.assets import PACK_FILE, pack_root
from envlab.lessons.discover import lesson_dirs, scan
from envlab.lessons.parse_cache import cache_folder

if TYPE_CHECKING:
    from envlab.lessons.catalog import Catalog
    from envlab.lessons.model import Lesson

Text = str | dict[str, str]
#: Raise when the cards' shape changes: cards of another format are never read.
FORMAT = 1


@dataclass(frozen=True)
class PackCard:
    """The pack a lesson comes from, as home names it."""

    id: str
    title: Text
    version: str
    builtin: bool


@dataclass(frozen=True)
class LessonCard:
    """One lesson as home lists and describes it."""

    id: str
    chapter: int
    title: Text
    summary: Text
    goals: tuple[Text, ...]
    #: The steps a learner completes (``run``, ``fix``, ``quiz``), as the progress store counts them.
    steps: tuple[str, ...]
    pack: PackCard | None = None


@dataclass(frozen=True)
class Cards:
    """Every lesson's card in curriculum order, and the chapters' titles."""

    lessons: tuple[LessonCard, ...] = ()
    chapters: dict[int, Text] = field(default_factory=dict)

    def get(self, lesson_id: str) -> LessonCard | None:
        return next((card for card in self.lessons if card.id == lesson_id), None)

    def chapter_title(self, chapter: int) -> Text | None:
        return self.chapters.get(chapter)


def cards_of(catalog: Catalog, steps: Callable[[Lesson], Sequence[str]]) -> Cards:
    """The cards of a loaded catalog; ``steps`` says which steps a learner completes in a lesson (the
    progress store's :func:`~envlab.engine.progress.lesson_steps`)."""
    cards = []
    for loaded in catalog.lessons:
        lesson, pack = loaded.lesson, loaded.pack
        shown = None if pack is None else PackCard(pack.manifest.id, pack.manifest.title, pack.manifest.version,
                                                   pack.builtin)
        cards.append(LessonCard(lesson.id, lesson.chapter, lesson.title, lesson.summary, tuple(lesson.goals),
                                tuple(steps(lesson)), shown))
    chapters = {card.chapter: title for card in cards if (title := catalog.chapter_title(card.chapter)) is not None}
    return Cards(tuple(cards), chapters)


def source_key(extra: Sequence[str | Path] = ()) -> str:
    """A digest of everything the catalog of ``extra`` (and the built-in course) is read from: each lesson
    file's path and content and each ``pack.yaml`` beside them, with envlab's version."""
    files, _problems = scan(lesson_dirs(extra))
    digest = hashlib.sha256(f"{__version__} {FORMAT}".encode())
    packs = {pack_root(path)[0] / PACK_FILE for path in files}
    for path in [*files, *sorted(packs)]:
        digest.update(str(path).encode("utf-8", "surrogateescape") + b"\0")
        with contextlib.suppress(OSError):
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def cards_file() -> Path:
    return cache_folder() / f"lesson-cards-{__version__}-{FORMAT}.json"


def saved_cards(key: str) -> Cards | None:
    """The cards saved under ``key``, or ``None`` (none saved, another key, or a file that is not ours)."""
    try:
        data = json.loads(cards_file().read_text(encoding="utf-8"))
        if data.get("key") != key:
            return None
        return Cards(tuple(_card(item) for item in data["lessons"]),
                     {int(chapter): title for chapter, title in data["chapters"].items()})
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def save_cards(key: str, cards: Cards) -> None:
    """Keep ``cards`` under ``key`` for the next start (quietly not, when the cache folder is not writable)."""
    path = cards_file()
    data = {"key": key, "lessons": [asdict(card) for card in cards.lessons],
            "chapters": {str(chapter): title for chapter, title in cards.chapters.items()}}
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=path.parent, prefix=".cards-", suffix=".json")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(data, out, ensure_ascii=False)
            os.replace(name, path)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(name)


def _card(item: dict[str, Any]) -> LessonCard:
    pack = item.get("pack")
    return LessonCard(str(item["id"]), int(item["chapter"]), _text(item["title"]), _text(item["summary"]),
                      tuple(_text(goal) for goal in item["goals"]), tuple(str(step) for step in item["steps"]),
                      None if pack is None else PackCard(str(pack["id"]), _text(pack["title"]),
                                                         str(pack["version"]), bool(pack["builtin"])))


def _text(value: Any) -> Text:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        return dict(value)
    raise TypeError("not a text")


def offered(cards: Cards, chapters: Iterable[int]) -> Cards:
    """Only the cards of ``chapters`` (all of them when it is empty), as a kiosk offers them."""
    wanted = set(chapters)
    return Cards(tuple(card for card in cards.lessons if not wanted or card.chapter in wanted), cards.chapters)
