"""The drift inspector's report: one row per item, a page of setups at a time, and whether they differ.

At 80 columns three setups do not fit beside their labels, so the table shows as many setups as fit
(two at 80×24), with the item labels fixed on the left and the status (same, differs...) on the right,
as the headless table has it; ``←``/``→`` turn to the other setups. A value too long for its cell ends
in ``…``; the highlighted row is shown whole under the table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.markup import escape
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label

from envlab.engine.describe import visible
from envlab.engine.inspect import STATUS_LABELS, DriftReport, DriftRow, short_value, summarize
from envlab.engine.wording import say
from envlab.ui.strings import t
from envlab.ui.widgets.fit_text import FitText
from envlab.ui.widgets.key_bar import KeyBar

LABEL_WIDTH = 18  # the item column at most
STATUS_WIDTH = 15  # "= shared kernel", the widest status
MIN_VALUE = 14  # a setup's column at least: enough for "Python 3.11.2"
PADDING = 2  # the DataTable pads each cell by one on both sides
SCROLLBAR = 1  # the table keeps a column for its vertical scrollbar


def status_of(row: DriftRow, lang: str) -> str:
    """How a row's status reads in ``lang``: ``= same``, ``≠ differs``... (the kernel they all share says so)."""
    return t("drift_shared_kernel", lang) if row.shared_kernel else say(STATUS_LABELS[row.status], lang)


def fit_cell(value: str, width: int) -> str:
    """``value`` cut to ``width`` cells with ``…`` when it is wider."""
    text = Text(value)
    text.truncate(width, overflow="ellipsis")
    return text.plain


def columns_for(width: int, setups: int, label: int) -> tuple[int, int]:
    """How many setups fit beside the labels and the status in ``width`` cells, and each one's width."""
    room = width - SCROLLBAR - (label + PADDING) - (STATUS_WIDTH + PADDING)
    shown = max(1, min(setups, room // (MIN_VALUE + PADDING)))
    return shown, max(MIN_VALUE, room // shown - PADDING)


class DriftTable(DataTable[Text]):
    """The inspector's table; it tells its screen when its width changes (a scrollbar came or went)."""

    @dataclass
    class Resized(Message):
        """The table's width changed: its columns are laid out again."""

    def on_resize(self) -> None:
        self.post_message(self.Resized())


class DriftModal(ModalScreen[None]):
    """Shows a :class:`DriftReport` of the running setups.

    Styles come from the theme's variables at draw time, so the table follows the theme.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,i", "dismiss", "Close"),
        Binding("right", "next_setups", "Other setups", priority=True),  # over the table's own arrows
        Binding("left", "previous_setups", "Previous setups", show=False, priority=True),
    ]

    def __init__(self, report: DriftReport, skipped: list[str], lang: str) -> None:
        super().__init__()
        self.report = report
        self.skipped = skipped
        self.lang = lang
        #: The first setup shown, and how many fit.
        self.first = 0
        self.shown = len(report.setups)
        self._width = 0

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="drift"):  # a short screen (or a toast) leaves less room: the box scrolls
            yield Label(t("drift_title", self.lang), id="drift-title")
            yield Label(id="drift-page")
            yield DriftTable(id="drift-table", cursor_type="row", zebra_stripes=False)
            yield FitText(id="drift-row")
            yield FitText(self._summary(), id="drift-summary")
        yield KeyBar()  # the screen below is covered: this modal's own keys, clickable

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()

    def on_resize(self) -> None:
        self._layout()

    def on_drift_table_resized(self) -> None:
        self._layout()

    def _layout(self) -> None:
        table: DataTable[Text] = self.query_one(DataTable)
        width = table.size.width or self.query_one("#drift").content_region.width
        if width != self._width:
            self._width = width
            self._draw()

    @property
    def label_width(self) -> int:
        return min(LABEL_WIDTH, max((cell_len(say(r.label, self.lang)) + 2 for r in self.report.rows), default=4))

    def _draw(self) -> None:
        table: DataTable[Text] = self.query_one(DataTable)
        setups = self.report.setups
        self.shown, value_width = columns_for(self._width, len(setups), self.label_width)
        self.first = max(0, min(self.first, len(setups) - self.shown))
        page = setups[self.first:self.first + self.shown]
        cursor = table.cursor_row
        table.clear(columns=True)
        table.add_column(t("drift_item", self.lang), width=self.label_width)
        for setup in page:
            table.add_column(fit_cell(setup, value_width), width=value_width)
        table.add_column("", width=STATUS_WIDTH)
        for row in self.report.rows:
            table.add_row(*self._cells(row, page, value_width), key=row.key)
        table.move_cursor(row=cursor)
        more = len(setups) > self.shown
        self.query_one("#drift-page", Label).update(
            t("drift_page", self.lang, first=self.first + 1, last=self.first + len(page), total=len(setups))
            if more else "")
        self.query_one("#drift-page", Label).display = more
        self._show_row()

    def _cells(self, row: DriftRow, page: list[str], width: int) -> list[Text]:
        theme = self.app.theme_variables
        differs = f"bold {theme['warning']}"
        label = fit_cell(("▶ " if row.cause else "") + say(row.label, self.lang), self.label_width)
        item = Text(label, style=f"bold {theme['error']}" if row.cause else ("bold" if row.status != "same" else ""))
        values = []
        for setup in page:
            value = fit_cell(short_value(visible(say(row.values[setup], self.lang))), width)
            style = differs if row.status != "same" else (theme["accent"] if row.shared_kernel else "")
            values.append(Text(value, style=style))
        return [item, *values, Text(status_of(row, self.lang), style=differs if row.status != "same" else "dim")]

    def action_next_setups(self) -> None:
        """Show the setups after these, the labels and statuses staying where they are."""
        self._page(1)

    def action_previous_setups(self) -> None:
        self._page(-1)

    def _page(self, step: int) -> None:
        setups = len(self.report.setups)
        first = max(0, min(self.first + step * self.shown, setups - self.shown))
        if first != self.first:
            self.first = first
            self._draw()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_row()

    def _show_row(self) -> None:
        """The highlighted row whole: every setup's value, however long."""
        table: DataTable[Text] = self.query_one(DataTable)
        rows = self.report.rows
        if not rows or table.cursor_row >= len(rows):
            return
        row = rows[max(table.cursor_row, 0)]
        values = " · ".join(f"[b]{escape(s)}[/b] {escape(visible(say(row.values[s], self.lang)))}"
                            for s in self.report.setups)
        self.query_one("#drift-row", FitText).update(
            f"{escape(say(row.label, self.lang))} ({escape(status_of(row, self.lang))}): {values}")

    def _summary(self) -> str:
        colours = {"drift": "$warning", "same": "", "cause": "$error", "kernel": "$accent", "skipped": "dim",
                   "unread": "$warning"}
        lines = []
        for line in summarize(self.report, self.skipped):
            said = escape(say(line.lead, self.lang))
            lead = f"[{colours[line.kind]}]{said}[/]" if colours[line.kind] else said
            lines.append(f"{lead} {escape(say(line.text, self.lang))}".rstrip())
        return "\n".join(lines)
