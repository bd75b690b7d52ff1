"""The lesson screen records how long each lesson was open, visit by visit, in the learner's profile."""

from __future__ import annotations

import time
from pathlib import Path

from envlab.ui.screens.home_screen import HomeScreen
from envlab.ui.screens.lesson_screen import LessonScreen
from tests.ui.support import async_test, build, settle

SIZE = (100, 30)


@async_test
async def test_time_in_a_lesson_is_added_on_leaving_and_on_quitting(tmp_path: Path) -> None:
    h = build(tmp_path)
    before = time.monotonic()
    async with h.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert h.store.get("os-skew").seconds_spent is None, "nothing recorded before the lesson opens"
        await pilot.press("enter")
        assert isinstance(h.app.screen, LessonScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(h.app.screen, HomeScreen)
        first = h.store.get("os-skew").seconds_spent
        assert first is not None and 0 < first <= time.monotonic() - before
        assert h.store.get("os-skew").started_at is None, "opening a lesson does not start it"
        await pilot.press("enter")
        assert isinstance(h.app.screen, LessonScreen)
    # Quitting with the lesson open (the app closes its screens) still records the second visit.
    second = h.store.get("os-skew").seconds_spent
    assert second is not None and first < second <= time.monotonic() - before
