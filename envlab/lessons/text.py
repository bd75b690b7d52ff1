"""Choosing the language of lesson texts, which may be one string or a map of language code to string.

This module stays free of pydantic so the TUI can use it before the lesson models load.
"""

from __future__ import annotations

import locale
import os
import re

SUPPORTED_LANGUAGES = ("en", "ja")
FALLBACK = "en"

#: Characters a terminal acts on instead of printing: C0 controls but tab and newline, DEL, and C1
#: controls (ESC starts the sequences that set a window title, clear the screen or fill the clipboard).
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
#: Code points that are not characters at all: a lone surrogate cannot even be written as UTF-8.
SURROGATE = re.compile("[\ud800-\udfff]")
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


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


def visible(text: str) -> str:
    """``text`` safe to print on one terminal line: every control character and lone surrogate escaped.

    Used for messages that quote a stranger's file (its name, its keys, a pattern), so a lesson
    cannot move the cursor or retitle the window of whoever validates it.
    """
    return _UNPRINTABLE.sub(lambda found: _escape(found.group()), text)


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
