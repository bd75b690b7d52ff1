"""The interface's own words: every text in every language, with the same placeholders."""

from __future__ import annotations

import string

from envlab.lessons.text import SUPPORTED_LANGUAGES
from envlab.ui.strings import STRINGS, t


def placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


def test_every_text_exists_in_every_language_with_the_same_placeholders() -> None:
    for key, texts in STRINGS.items():
        assert set(texts) == set(SUPPORTED_LANGUAGES), key
        assert placeholders(texts["ja"]) == placeholders(texts["en"]), key


def test_a_language_without_a_text_falls_back_to_english() -> None:
    assert t("chapter", "ja", n=3) == "第3章"
    assert t("chapter", "fr", n=3) == "Chapter 3"
