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

from envlab.engine.inspect import DriftReport, DriftRow

VALUE_WIDTH = 30
STATUS = {"same": "= same", "differs": "≠ differs", "missing": "∅ missing"}


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
            value = row.values[setup]
            if value.startswith("sha256:"):
                value = value[:19] + "…"  # enough of the digest to tell files apart
            elif len(value) > VALUE_WIDTH:
                value = value[: VALUE_WIDTH - 1] + "…"  # a long PATH must not push the others out
            style = differs if row.status != "same" else (theme["accent"] if row.shared_kernel else "")
            values.append(Text(value, style=style))
        status = "= shared kernel" if row.shared_kernel else STATUS[row.status]
        return [item, *values, Text(status, style=differs if row.status != "same" else "dim")]

    def _summary(self) -> str:
        report = self.report
        lines = []
        drifted = report.drifted
        if drifted:
            lines.append(f"[$warning]{len(drifted)} of {len(report.rows)} items differ:[/] "
                         + escape(", ".join(r.label for r in drifted)))
        else:
            lines.append(f"All {len(report.rows)} items are the same on every setup.")
        if report.causes:
            lines.append("[$error]▶ the cause:[/] " + escape(", ".join(r.label for r in report.causes)))
        kernel = report.row("kernel")
        if kernel is not None and kernel.shared_kernel:
            lines.append("[$accent]= shared:[/] every setup runs on the engine's one kernel; "
                         "only the userland differs.")
        if self.skipped:
            lines.append(f"[dim]not inspected (not running): {escape(', '.join(self.skipped))}[/dim]")
        return "\n".join(lines)
