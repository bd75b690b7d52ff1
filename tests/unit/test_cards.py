"""Home's lesson cards: kept from a load, listed at the next start only while the files are unchanged."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from envlab.engine.progress import lesson_steps
from envlab.lessons.cards import cards_file, cards_of, offered, save_cards, saved_cards, source_key
from envlab.lessons.catalog import load_catalog
from tests.helpers import CURRICULUM


def test_the_cards_of_a_load_come_back_under_the_same_files(tmp_path: Path) -> None:
    catalog = load_catalog([CURRICULUM])
    cards = cards_of(catalog, lesson_steps)
    assert [card.id for card in cards.lessons] == [loaded.lesson.id for loaded in catalog.lessons]
    assert [card.steps for card in cards.lessons] == [tuple(lesson_steps(ll.lesson)) for ll in catalog.lessons]
    key = source_key([CURRICULUM])
    save_cards(key, cards)
    assert saved_cards(key) == cards
    assert {chapter: catalog.chapter_title(chapter) for chapter in cards.chapters} == cards.chapters


def test_a_changed_lesson_file_or_another_folder_finds_no_cards(tmp_path: Path) -> None:
    folder = tmp_path / "lessons"
    folder.mkdir()
    lesson = next(CURRICULUM.glob("*.yaml"))
    (folder / lesson.name).write_text(lesson.read_text(encoding="utf-8"), encoding="utf-8")
    key = source_key([folder])
    save_cards(key, cards_of(load_catalog([folder]), lesson_steps))
    assert saved_cards(key) is not None
    (folder / lesson.name).write_text(lesson.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert source_key([folder]) != key and saved_cards(source_key([folder])) is None
    assert source_key([folder, CURRICULUM]) != source_key([folder])


def test_a_damaged_or_foreign_cards_file_is_not_read() -> None:
    key = source_key()
    path = cards_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    for damaged in ("{not json", json.dumps({"key": key, "lessons": [{"id": 3}], "chapters": {}}),
                    json.dumps({"key": key, "lessons": "x", "chapters": {}}), json.dumps([1, 2])):
        path.write_text(damaged, encoding="utf-8")
        assert saved_cards(key) is None


def test_a_kiosk_offers_only_its_chapters() -> None:
    cards = cards_of(load_catalog(), lesson_steps)
    assert {card.chapter for card in offered(cards, [1, 5]).lessons} == {1, 5}
    assert offered(cards, []) == cards


def test_listing_the_cards_builds_no_model() -> None:
    code = ("import sys; from envlab.lessons.cards import saved_cards, source_key; "
            "from envlab.engine.progress import ProgressStore; saved_cards(source_key()); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pydantic', 'docker', 'yaml')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
