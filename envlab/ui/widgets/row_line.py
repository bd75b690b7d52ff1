"""One line of fixed-width columns that redraws only itself, and only when what it shows changes.

A ``DataTable`` redraws every visible cell after any ``update_cell`` (it keys its cache on a table-wide
update count); with rows changing a few times a second each, that was most of the event loop's time
(docs/performance.md). A line per row costs one short render when that row changes, nothing otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.widget import Widget


class RowLine(Widget):
    """Cells laid out in ``widths`` (the last cell takes what is left), cut with an ellipsis, one cell apart."""

    DEFAULT_CSS: ClassVar[str] = """
    RowLine {
        height: 1;
        padding: 0 1;
    }
    """

    def __init__(self, widths: Sequence[int], cells: Sequence[Text] = (), *, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.widths = tuple(widths)
        self.cells: tuple[Text, ...] = tuple(cells)

    def show(self, cells: Sequence[Text]) -> None:
        """Show ``cells``; nothing is redrawn when they are what is shown already."""
        cells = tuple(cells)
        if [(c.plain, c.style) for c in cells] != [(c.plain, c.style) for c in self.cells]:
            self.cells = cells
            self.refresh()

    def render(self) -> Text:
        line = Text(no_wrap=True, overflow="ellipsis", end="")
        left = self.content_size.width
        for index, cell in enumerate(self.cells):
            last = index == len(self.cells) - 1
            width = max(left, 0) if last else min(self.widths[index], max(left, 0))
            piece = cell.copy()
            piece.truncate(width, overflow="ellipsis", pad=not last)
            line.append_text(piece)
            left -= width
            if not last and left > 0:
                line.append(" ")
                left -= 1
        return line
