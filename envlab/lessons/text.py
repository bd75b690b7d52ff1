"""Text fields that may be one string or a map of language code to string."""

from __future__ import annotations

import locale
import os
from typing import Annotated

from pydantic import Field

SUPPORTED_LANGUAGES = ("en", "ja")
FALLBACK = "en"

#: A lesson text: ``"plain"`` or ``{"en": "...", "ja": "..."}``. English is required in a map so every
#: other language can fall back to it.
Text = Annotated[
    str | dict[str, str],
    Field(
        description="A string, or a map of language code (en, ja) to string; missing languages fall back to en."
    ),
]


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
