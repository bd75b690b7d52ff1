"""Inline Markdown in one line of lesson text, drawn without the Markdown widget.

Lesson texts shown outside the guide (a summary, a goal, a quiz question, a check's title, a phase's
words) are short and use only inline Markdown: ``code``, **bold**, *emphasis* and [links](…). The
Markdown widget costs more to import than home's first paint, so these are turned into Textual
markup (:func:`inline_markup`) for a ``Static``, or into plain text (:func:`inline_plain`) where
only plain text can be shown (a pane's log, the header, the command palette).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from textual.markup import escape

#: The inline code style of Textual's own Markdown widget (dark themes), as markup.
CODE_STYLE = "$text-warning on $warning 10%"

# One alternative per construct, tried left to right. Emphasis needs a non-space next to its markers
# (CommonMark's flanking rule, simplified); ``_`` emphasis only between non-word characters, so
# ``final_running`` and ``snake_case_names`` stay as written.
_INLINE = re.compile(
    r"(?P<ticks>`+)(?P<code>.+?)(?P=ticks)"
    r"|\*\*(?=\S)(?P<strong>.+?)(?<=\S)\*\*"
    r"|(?<!\w)__(?=\S)(?P<strong2>.+?)(?<=\S)__(?!\w)"
    r"|\*(?=[^\s*])(?P<em>[^*]+?)(?<=\S)\*"
    r"|(?<!\w)_(?=[^\s_])(?P<em2>[^_]+?)(?<=\S)_(?!\w)"
    r"|\[(?P<label>[^\]]+)\]\((?P<url>[^)\s]*)\)"
    r"|\\(?P<escaped>[\\`*_\[\]()#!])"
)


def inline_markup(text: str) -> str:
    """``text`` as Textual markup: code, bold, emphasis and links styled, everything else escaped."""
    return _convert(text, escape, _styled)


def inline_plain(text: str) -> str:
    """``text`` with its inline Markdown markers dropped: what a reader sees, as plain text."""
    return _convert(text, lambda part: part, lambda _kind, inner: inner)


def _styled(kind: str, inner: str) -> str:
    style = {"code": CODE_STYLE, "strong": "b", "em": "i", "link": "u"}[kind]
    return f"[{style}]{inner}[/]"


def _convert(text: str, literal: Callable[[str], str], wrap: Callable[[str, str], str]) -> str:
    out: list[str] = []
    position = 0
    for match in _INLINE.finditer(text):
        out.append(literal(text[position:match.start()]))
        out.append(_one(match, literal, wrap))
        position = match.end()
    out.append(literal(text[position:]))
    return "".join(out)


def _one(match: re.Match[str], literal: Callable[[str], str], wrap: Callable[[str, str], str]) -> str:
    found = match.groupdict()
    if found["code"] is not None:
        code = found["code"]
        # CommonMark strips one space each side, so `` `x` `` can show backticks.
        if len(code) > 2 and code.startswith(" ") and code.endswith(" ") and code.strip():
            code = code[1:-1]
        return wrap("code", literal(code))
    if found["escaped"] is not None:
        return literal(found["escaped"])
    for kind, group in (("strong", "strong"), ("strong", "strong2"), ("em", "em"), ("em", "em2"), ("link", "label")):
        if found[group] is not None:
            return wrap(kind, _convert(found[group], literal, wrap))
    raise AssertionError(f"unmatched inline construct: {match.group()!r}")
