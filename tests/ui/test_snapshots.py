"""Snapshots of the TUI on the fake runtime; regenerate with ``pytest --snapshot-update`` and look."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from textual.pilot import Pilot

from envlab.engine import run as run_base
from envlab.engine.drift import run as drift_run
from envlab.ui.screens import prepare_screen
from tests.ui.support import PreparingFake, build, settle


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


def test_preparing_images_with_one_base_refused(snap_compare, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """You should see "Preparing images" in the header, "3 of 5 images ready · 2 failed · 0 cancelled" with
    what to press, the headings "Image Kind Step State Time Latest", and a line per image:
    debian:bookworm-slim "bootstrap ✓ done 0s 1 MB", debian:bullseye-slim "bootstrap ✗ failed 0s" with the
    start of its error, the two host images (one "build ✓ done", the one built from bullseye "— ✗ failed —"),
    envlab-fix/os-skew:latest "build ✓ done"; under them each failure with its whole error and "What to do:"
    with its hint; the footer has "esc Back" and no Cancel (nothing runs any more)."""
    monkeypatch.setattr(prepare_screen, "time", SimpleNamespace(monotonic=lambda: 0.0))

    async def prepare(pilot: Pilot[int]) -> None:
        await settle(pilot)
        await pilot.press("P")
        await _quiet(pilot)

    fake = PreparingFake(refuse={"debian:bullseye-slim"})
    assert snap_compare(build(tmp_path, fake=fake).app, terminal_size=(80, 24), run_before=prepare)


def test_what_next_at_a_chapters_end(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """You should see, over the lesson, "What next", "✓ You have finished Chapter 1: Release hell before
    Docker.", then "Next, Chapter 2: Images, their distribution and the shared kernel:" with the title
    "One image, many containers: where a hand fix goes" in bold and its summary; under it
    "Enter: open it · Esc: stay in this lesson", and the footer's "enter Open it" and "esc Stay here"."""
    from envlab.lessons.catalog import load_catalog
    from envlab.ui.screens.quiz_modal import QuizModal

    catalog = load_catalog()
    h = build(tmp_path, catalog=catalog)
    chapter_one = [loaded.lesson for loaded in catalog.lessons if loaded.lesson.chapter == 1]
    for lesson in chapter_one:
        h.store.step_done(lesson, "run")
        h.store.step_done(lesson, "fix")
        if lesson != chapter_one[-1]:
            h.store.quiz_taken(lesson, 3, 3)

    async def finish_the_chapter(pilot: Pilot[int]) -> None:
        await settle(pilot)
        pilot.app.open_lesson(chapter_one[-1].id)  # type: ignore[attr-defined]
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        while isinstance(pilot.app.screen, QuizModal):
            await pilot.press("enter", "enter")
            await settle(pilot)
        await _quiet(pilot)

    assert snap_compare(h.app, terminal_size=(100, 30), run_before=finish_the_chapter)
