"""Snapshots of the TUI on the fake runtime; regenerate with ``pytest --snapshot-update`` and look."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from textual.pilot import Pilot

from envlab.engine import run as run_base
from envlab.engine.drift import run as drift_run
from tests.ui.support import build, settle


@pytest.fixture(autouse=True)
def _still_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every duration reads 0.0s, so a slow machine draws the same screen."""
    for module in (drift_run, run_base):
        monkeypatch.setattr(module, "time", SimpleNamespace(monotonic=lambda: 0.0))


async def _quiet(pilot: Pilot[int]) -> None:
    await settle(pilot)
    pilot.app.clear_notifications()
    await pilot.pause()


def test_home_at_80x24(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """You should see the curriculum with "○ OS version skew" as a new lesson, "0/3 steps" beside an
    empty progress bar, the lesson's summary and three goals on the right, "Docker is ready." and
    the footer keys (Continue, Language, Reset progress, Quit, Help)."""
    assert snap_compare(build(tmp_path).app, terminal_size=(80, 24), run_before=_quiet)


def test_lesson_after_a_run(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """You should see the story on the left with "Checks before your fix" under it (✗ the report
    does not run on the production server, with why); on the right three panes: dev-laptop
    "✓ passed" (success border), prod-server "✓ failed as expected" ending in "No module named
    'tomllib'" (warning border), container "✓ passed"."""

    async def run(pilot: Pilot[int]) -> None:
        await settle(pilot)
        await pilot.press("enter", "r")
        await _quiet(pilot)

    assert snap_compare(build(tmp_path).app, terminal_size=(100, 30), run_before=run)


def test_quiz_after_a_wrong_answer(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """You should see the quiz over the lesson: "Question 1 of 3", the three choices with the first
    highlighted, and below them "✗ Not quite. The answer is: Debian 11 ships Python 3.9, which has
    no tomllib module." followed by the explanation; the footer has the quiz's own keys, "n Next" and
    "esc Close", for the mouse."""

    async def answer_wrong(pilot: Pilot[int]) -> None:
        await settle(pilot)
        await pilot.press("enter", "t", "enter")
        await _quiet(pilot)

    assert snap_compare(build(tmp_path).app, terminal_size=(100, 30), run_before=answer_wrong)
