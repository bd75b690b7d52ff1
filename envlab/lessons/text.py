"""Choosing the language of lesson texts, which may be one string or a map of language code to string.

This module stays free of pydantic so the TUI can use it before the lesson models load.
"""

from __future__ import annotations

import locale
import os

SUPPORTED_LANGUAGES = ("en", "ja")
FALLBACK = "en"


def pick(text: str | dict[str, str] | None, lang: str) -> str:
    """Return ``text`` in ``lang``, falling back to English, then to any language present."""
    if text is None:
        return ""
    if isinstance(text, str):
        return text
    return text.get(lang) or text.get(FALLBACK) or next(iter(text.values()), "")


def detect_language(explicit: str | None = None) -> str:
    """Choose the interface language: ``--lang``, then ``ENVLAB_LANG``, then the system locale.

    Args:
        explicit: The value of ``--lang``, if given.
    """
    for candidate in (explicit, os.environ.get("ENVLAB_LANG")):
        if candidate:
            return _normalise(candidate)
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var)
        if value:
            return _normalise(value)
    system = locale.getlocale()[0]
    return _normalise(system or FALLBACK)


def _normalise(value: str) -> str:
    code = value.split(".")[0].split("_")[0].lower()
    return code if code in SUPPORTED_LANGUAGES else FALLBACK
