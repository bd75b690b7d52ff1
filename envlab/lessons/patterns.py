"""The regular expressions lessons give, matched in linear time.

Python's ``re`` backtracks: a pattern such as ``(a+)+$`` against a long line of ``a`` spins envlab's
own process for hours, with the UI frozen and Ctrl+C ignored (the matcher holds the GIL). Every
pattern a lesson gives is therefore compiled and searched with RE2 (google-re2), whose matching time
grows linearly with the text. RE2 has no back-references and no look-around; a lesson pattern
that uses them is refused when the lesson is validated, with RE2's reason.
"""

from __future__ import annotations

import functools
from typing import Any

import re2

from envlab.errors import LessonError
from envlab.lessons.limits import MAX_PATTERN_CHARS

_ESCAPE = "invalid escape sequence: \\"


def _hint(reason: str) -> str:
    """What to do about a pattern RE2 refuses for ``reason``."""
    if reason.startswith("invalid perl operator"):
        return ("RE2 has no look-around ((?=...), (?!...), (?<=...), (?<!...)) and no named back-references; "
                "match the text itself instead")
    if reason.startswith(_ESCAPE) and reason[len(_ESCAPE) : len(_ESCAPE) + 1].isdigit():
        return "RE2 has no back-references (\\1); repeat the text itself instead"
    return "envlab matches with RE2: check the pattern's brackets, repetitions and escapes against RE2's syntax"


class PatternError(LessonError):
    """A pattern RE2 cannot take.

    Attributes:
        reason: RE2's own words for what is wrong.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(f"not a valid regular expression: {reason}", hint=_hint(reason))
        self.reason = reason


def _options() -> Any:
    options = re2.Options()
    options.log_errors = False  # RE2 would print every refused pattern on stderr
    return options


@functools.lru_cache(maxsize=512)
def compile_pattern(text: str, *, multiline: bool = False) -> Any:
    """Compile ``text`` with RE2 (cached); with ``multiline``, ``^`` and ``$`` match at every line.

    Raises:
        PatternError: RE2 cannot take the pattern; its reason is in the message.
    """
    if len(text) > MAX_PATTERN_CHARS:
        raise PatternError(f"it is {len(text)} characters long; a pattern may have at most {MAX_PATTERN_CHARS}")
    try:
        return re2.compile(f"(?m){text}" if multiline else text, _options())
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        raise PatternError(reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)) from None
    except UnicodeEncodeError as exc:  # a lone surrogate cannot be given to RE2 as UTF-8
        raise PatternError(f"it is not valid text ({exc.reason})") from None


def search(pattern: str, text: str, *, multiline: bool = True) -> bool:
    """Whether ``pattern`` occurs anywhere in ``text``; ``^``/``$`` match at each line by default.

    Raises:
        PatternError: The pattern is not one RE2 can take (validation refuses such lessons).
    """
    compiled = compile_pattern(pattern, multiline=multiline)
    try:
        return compiled.search(text) is not None
    except UnicodeError:  # output decoded with surrogateescape: match what a terminal would show
        return compiled.search(text.encode("utf-8", "replace").decode("utf-8")) is not None
