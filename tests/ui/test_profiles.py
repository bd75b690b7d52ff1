"""The TUI opens the learner profile switched to with `envlab progress profiles switch`."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, OptionList, Static

from envlab.engine.progress import ProgressStore
from envlab.runtime.fake import FakeRuntime
from envlab.ui.app import make_app
from envlab.ui.screens.profile_modal import ProfileModal
from tests.ui.support import async_test, build, one_lesson, settle


def test_the_app_opens_the_profile_in_use() -> None:
    assert make_app(runtime=FakeRuntime(), catalog=one_lesson()).store.profile == "default"
    store = ProgressStore.open_default()
    store.create_profile("seat 4")
    store.switch_profile("seat 4")
    app = make_app(runtime=FakeRuntime(), catalog=one_lesson())
    assert app.store.profile == "seat 4" and app.store.path == store.path


@async_test
async def test_the_learner_makes_a_profile_switches_and_back_from_home(tmp_path: Path) -> None:
    """`u` on home lists the profiles; a new name makes one and switches to it, with nothing done yet;
    choosing the old one again shows its progress again, and the choice outlasts the app."""
    h = build(tmp_path, catalog=one_lesson())
    h.app.store.step_done(h.app.lessons[0].lesson, "run")
    async with h.app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("u")
        modal = h.app.screen
        assert isinstance(modal, ProfileModal)
        assert "default" in str(modal.query_one(OptionList).get_option_at_index(0).prompt)
        await pilot.click("#profiles-new")
        await pilot.press(*"default", "enter")  # taken: said, and nothing changes
        assert isinstance(h.app.screen, ProfileModal)
        assert "exists already" in str(h.app.screen.query_one("#profiles-problem", Static).render())
        h.app.screen.query_one(Input).value = "seat 7"
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(h.app.screen, ProfileModal)
        assert h.app.store.profile == "seat 7" and h.app.store.all() == {}
        await pilot.press("u")
        await pilot.press("enter")  # the highlighted one is the profile in use: nothing changes
        await settle(pilot)
        assert h.app.store.profile == "seat 7"
        await pilot.press("u")
        listing = h.app.screen.query_one(OptionList)
        listing.highlighted = [o.id for o in listing.options].index("default")
        await pilot.press("enter")
        await settle(pilot)
        assert h.app.store.profile == "default" and h.app.store.all()
    assert ProgressStore.open_default().current_profile() == "default"
