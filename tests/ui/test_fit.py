"""At 80×24 nothing a learner reads is out of reach: the inspector turns to the setups that did not fit,
the checks box scrolls by keys, a pane wraps a long line instead of cutting it."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import DataTable

from envlab.ui.screens.drift_modal import DriftModal
from envlab.ui.screens.lesson_screen import LessonScreen
from envlab.ui.widgets.checks_panel import ChecksPanel
from tests.ui.support import Harness, async_test, build, settle, wait_until

SIZE = (80, 24)


async def _run(pilot: Pilot[int], h: Harness) -> LessonScreen:
    await settle(pilot)
    await pilot.press("enter", "r")
    await settle(pilot)
    screen = h.app.screen
    assert isinstance(screen, LessonScreen)
    return screen


def _columns(modal: DriftModal) -> list[str]:
    table: DataTable[object] = modal.query_one(DataTable)
    return [str(column.label) for column in table.columns.values()]


@async_test
async def test_the_inspector_shows_two_setups_then_the_third_with_the_labels_and_status_kept(tmp_path: Path) -> None:
    h = build(tmp_path)
    async with h.app.run_test(size=SIZE) as pilot:
        await _run(pilot, h)
        await pilot.press("i")
        await settle(pilot)
        await wait_until(pilot, lambda: isinstance(h.app.screen, DriftModal))
        modal = h.app.screen
        assert isinstance(modal, DriftModal)
        await pilot.pause()
        assert _columns(modal) == ["item", "dev-laptop", "prod-server", ""]
        python = modal.query_one(DataTable).get_row("package:python3")
        assert str(python[-1]) == "= same", "the status column, as the headless table has it"
        await pilot.press("right")
        await pilot.pause()
        assert _columns(modal) == ["item", "prod-server", "container", ""]
        await pilot.press("left")
        await pilot.pause()
        assert _columns(modal)[1] == "dev-laptop"


@async_test
async def test_the_checks_box_scrolls_to_the_why_by_keys(tmp_path: Path) -> None:
    h = build(tmp_path)
    async with h.app.run_test(size=SIZE) as pilot:
        screen = await _run(pilot, h)
        checks = screen.query_one(ChecksPanel)
        assert checks.max_scroll_y > 0, "at 80×24 the why is below the box's edge"
        checks.focus()
        await pilot.press("pagedown")
        await wait_until(pilot, lambda: checks.scroll_y > 0)


@async_test
async def test_a_pane_wraps_a_long_line_and_keeps_it_whole(tmp_path: Path) -> None:
    h = build(tmp_path)
    async with h.app.run_test(size=SIZE) as pilot:
        screen = await _run(pilot, h)
        pane = screen.pane("prod-server")
        error = "  ModuleNotFoundError: No module named 'tomllib'"
        assert error in pane.lines, "the line as written"
        rows = list(pane.output.lines)
        assert all(len(row) <= pane.output.wrap_width for row in rows)
        at = rows.index("  ModuleNotFoundError: No module named")
        assert rows[at + 1].strip() == "'tomllib'", "the rest of the line on the next row, indented"
