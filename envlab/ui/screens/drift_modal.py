"""The drift inspector's report: one row per item, what differs highlighted, the kernel shared."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.markup import escape
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label, Static

from envlab.engine.describe import visible
from envlab.engine.inspect import STATUS_LABELS, DriftReport, DriftRow, short_value, summarize
from envlab.ui.widgets.key_bar import KeyBar

VALUE_WIDTH = 30


class DriftModal(ModalScreen[None]):
    """Shows a :class:`DriftReport` of the running setups.

    Styles come from the theme's variables at draw time, so the table follows the theme.
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,i", "dismiss", "Close")]

    def __init__(self, report: DriftReport, skipped: list[str]) -> None:
        super().__init__()
        self.report = report
        self.skipped = skipped

    def compose(self) -> ComposeResult:
        with Vertical(id="drift"):
            yield Label("[b]Drift between the setups[/b] · Esc closes", id="drift-title")
            yield DataTable(id="drift-table", cursor_type="row", zebra_stripes=False)
            yield Static(self._summary(), id="drift-summary")
        yield KeyBar()  # the screen below is covered: this modal's own keys, clickable

    def on_mount(self) -> None:
        table: DataTable[Text] = self.query_one(DataTable)
        table.add_column("item")
        for setup in self.report.setups:
            table.add_column(setup)
        table.add_column("")
        for row in self.report.rows:
            table.add_row(*self._cells(row), key=row.key)
        table.focus()

    def _cells(self, row: DriftRow) -> list[Text]:
        theme = self.app.theme_variables
        differs = f"bold {theme['warning']}"
        item = Text(("▶ " if row.cause else "") + row.label,
                    style=f"bold {theme['error']}" if row.cause else ("bold" if row.status != "same" else ""))
        values = []
        for setup in self.report.setups:
            value = short_value(visible(row.values[setup]), VALUE_WIDTH)  # a long PATH must not push the others out
            style = differs if row.status != "same" else (theme["accent"] if row.shared_kernel else "")
            values.append(Text(value, style=style))
        status = "= shared kernel" if row.shared_kernel else STATUS_LABELS[row.status]
        return [item, *values, Text(status, style=differs if row.status != "same" else "dim")]

    def _summary(self) -> str:
        colours = {"drift": "$warning", "same": "", "cause": "$error", "kernel": "$accent", "skipped": "dim",
                   "unread": "$warning"}
        lines = []
        for line in summarize(self.report, self.skipped):
            lead = f"[{colours[line.kind]}]{escape(line.lead)}[/]" if colours[line.kind] else escape(line.lead)
            lines.append(f"{lead} {escape(line.text)}".rstrip())
        return "\n".join(lines)
