"""The interface's own words: every text in every language, with the same placeholders."""

from __future__ import annotations

import importlib
import pkgutil

from textual.binding import Binding
from textual.dom import DOMNode

import envlab.ui.screens
import envlab.ui.widgets
from envlab.lessons.text import SUPPORTED_LANGUAGES
from envlab.ui.app import EnvlabApp
from envlab.ui.strings import KEY_LABELS, STRINGS, key_label, t
from tests.helpers import untranslated

TRANSLATED = set(SUPPORTED_LANGUAGES) - {"en"}


def test_every_text_exists_in_every_language_with_the_same_placeholders() -> None:
    assert untranslated(STRINGS) == []


def test_a_language_without_a_text_falls_back_to_english() -> None:
    assert t("chapter", "ja", n=3) == "第3章"
    assert t("chapter", "fr", n=3) == "Chapter 3"


def envlab_bindings() -> list[Binding]:
    """Every key envlab binds itself: on the app, and on each screen and widget class it defines."""
    classes: list[type[DOMNode]] = [EnvlabApp]
    for package in (envlab.ui.screens, envlab.ui.widgets):
        for info in pkgutil.iter_modules(package.__path__):
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            classes += [value for value in vars(module).values() if isinstance(value, type)
                        and issubclass(value, DOMNode) and value.__module__ == module.__name__]
    return [binding for cls in classes for binding in Binding.make_bindings(vars(cls).get("BINDINGS", []))]


def test_every_key_label_exists_in_every_language_but_english() -> None:
    for action, labels in KEY_LABELS.items():
        assert set(labels) == TRANSLATED and all(labels.values()), action


def test_every_described_key_has_a_label_in_every_language() -> None:
    bindings = [binding for binding in envlab_bindings() if binding.description]
    assert {"run", "app.switch_language", "answer(True)"} <= {binding.action for binding in bindings}
    for binding in bindings:
        for lang in TRANSLATED:
            assert key_label(binding.action, lang, ""), f"{binding.action} ({binding.description!r}) in {lang}"


def test_a_key_label_is_looked_up_by_action_and_falls_back_to_the_bindings_own() -> None:
    assert key_label("app.switch_language", "ja", "Language") == "言語"
    assert key_label("switch_language", "en", "Language") == "Language"
    assert key_label("scroll_up", "ja", "Scroll up") == "Scroll up"
