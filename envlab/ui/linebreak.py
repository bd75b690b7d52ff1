"""Where a line may break: after spaces, between Japanese phrases, never before closing punctuation.

Textual wraps at spaces only, so Japanese (which has none) broke anywhere, or not at all: a lone key
letter or ``•`` on a line, lines starting with ``。``. Here a line breaks

- after a run of spaces, as in English;
- between the phrases BudouX finds in Japanese text (imported the first time Japanese is wrapped, so
  the first paint never pays for it);
- never before closing punctuation (``、。」）``…) nor after opening punctuation (``「（``…), the
  line-start and line-end rules of Japanese typesetting (JIS X 4051's *kinsoku*);
- inside a word only when the word alone is wider than the line (then by terminal cells, so a
  double-width character never hangs over the edge).

:func:`fit` lays Textual ``Content`` out this way, styles kept; :class:`Phrased` is a visual that does it
at whatever width a widget is given.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import TYPE_CHECKING

from rich.cells import cell_len
from textual.content import Content
from textual.visual import Visual, VisualType

if TYPE_CHECKING:
    from textual.css.styles import RulesMap
    from textual.strip import Strip
    from textual.style import Style
    from textual.visual import RenderOptions

#: A line never starts with these (closing brackets, Japanese and Latin stops, iteration marks).
NO_LINE_START = frozenset("、。，．・：；？！ー々ゝゞヽヾ」』）］｝〕〉》】〙〗〟’”｣)]},.;:!?%")
#: A line never ends with these (opening brackets and quotes).
NO_LINE_END = frozenset("「『（［｛〔〈《【〘〖〝‘“｢([{")
#: Hiragana, katakana, CJK ideographs and full-width forms: text BudouX should segment.
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef\u3000-\u303f]")


def is_japanese(text: str) -> bool:
    """Whether ``text`` holds Japanese that needs phrase breaks."""
    return JAPANESE.search(text) is not None


@lru_cache(maxsize=1)
def _parser() -> object:
    import budoux  # only when Japanese text is first wrapped: it is not needed for the first paint

    return budoux.load_default_japanese_parser()


@lru_cache(maxsize=4096)
def _phrase_ends(paragraph: str) -> frozenset[int]:
    """Offsets in ``paragraph`` where a BudouX phrase ends (a break is allowed there)."""
    ends, at = set(), 0
    for phrase in _parser().parse(paragraph):  # type: ignore[attr-defined]
        at += len(phrase)
        ends.add(at)
    return frozenset(ends)


def break_points(paragraph: str) -> list[int]:
    """Every offset in ``paragraph`` (a line without newlines) where a line may break."""
    points = {m.end() for m in re.finditer(r" +", paragraph) if m.end() < len(paragraph)}
    if is_japanese(paragraph):
        for end in _phrase_ends(paragraph):
            before, after = paragraph[end - 1:end], paragraph[end:end + 1]
            # BudouX reads Japanese; between two letters of a Latin word or a command there is no break.
            if 0 < end < len(paragraph) and not (before.isascii() and after.isascii()
                                                 and not before.isspace() and not after.isspace()):
                points.add(end)
    return sorted(p for p in points if _allowed(paragraph, p))


def _allowed(text: str, at: int) -> bool:
    """Whether a line may end before ``at``: spaces at the break are dropped, so look past them."""
    after, before = text[at:].lstrip(" "), text[:at].rstrip(" ")
    return not (after and after[0] in NO_LINE_START) and not (before and before[-1] in NO_LINE_END)


def _hard_break(text: str, start: int, width: int) -> int:
    """Where to cut a word that is wider than the line alone: as many cells as fit, kinsoku kept."""
    end, used = start, 0
    while end < len(text) and used + cell_len(text[end]) <= width:
        used += cell_len(text[end])
        end += 1
    end = max(end, start + 1)  # a character wider than the line still moves on
    back = end
    while start + 1 < back < len(text) and not _allowed(text, back):
        back -= 1
    return back if back > start + 1 or _allowed(text, back) else end


def line_spans(paragraph: str, width: int) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of each line of ``paragraph`` laid out in ``width`` cells; spaces at a break dropped."""
    if width <= 0 or cell_len(paragraph) <= width:
        yield 0, len(paragraph)
        return
    points = [*break_points(paragraph), len(paragraph)]
    start, index = 0, 0
    while start < len(paragraph):
        end = start
        while index < len(points) and cell_len(paragraph[start:points[index]].rstrip(" ")) <= width:
            end = points[index]
            index += 1
        if end == start:  # the next piece alone is wider than the line
            end = _hard_break(paragraph, start, width)
            while index < len(points) and points[index] <= end:
                index += 1
        yield start, start + len(paragraph[start:end].rstrip(" "))
        start = end
        while start < len(paragraph) and paragraph[start] == " ":
            start += 1


def wrap(text: str, width: int) -> list[str]:
    """``text`` as lines of at most ``width`` cells (its own newlines kept)."""
    lines = []
    for paragraph in text.split("\n"):
        lines += [paragraph[a:b] for a, b in line_spans(paragraph, width)]
    return lines


def fit(content: Content, width: int) -> Content:
    """``content`` with a newline at each break :func:`line_spans` chooses, its styles kept."""
    pieces, offset = [], 0
    for paragraph in content.plain.split("\n"):
        line = content[offset:offset + len(paragraph)]
        pieces += [line[a:b] for a, b in line_spans(paragraph, width)]
        offset += len(paragraph) + 1
    return Content("\n").join(pieces)


class Phrased(Visual):
    """Content that breaks its lines as :func:`fit` does, at the width the widget is given."""

    def __init__(self, content: Content) -> None:
        self.content = content
        self._fitted: tuple[int, Content] | None = None

    def __str__(self) -> str:
        return self.content.plain

    def at(self, width: int) -> Content:
        """The content laid out for ``width`` cells (the last layout is kept)."""
        if self._fitted is None or self._fitted[0] != width:
            self._fitted = (width, fit(self.content, width))
        return self._fitted[1]

    def render_strips(self, width: int, height: int | None, style: Style, options: RenderOptions) -> list[Strip]:
        return self.at(width).render_strips(width, height, style, options)

    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        return self.content.get_optimal_width(rules, container_width)

    def get_minimal_width(self, rules: RulesMap) -> int:
        return self.content.get_minimal_width(rules)

    def get_height(self, rules: RulesMap, width: int) -> int:
        return self.at(width).get_height(rules, width)


def phrased(visual: VisualType) -> VisualType:
    """``visual`` breaking as :func:`fit` does when it is Japanese content; anything else as it is."""
    if isinstance(visual, Content) and is_japanese(visual.plain):
        return Phrased(visual)
    return visual
