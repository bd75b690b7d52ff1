"""The language a learner chooses is their profile's: envlab opens in it next time, unless told otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import OptionList

from envlab.engine.progress import ProgressStore
from envlab.ui.kiosk.start_screen import KioskStartScreen
from envlab.ui.screens.home_screen import HomeScreen
from envlab.ui.screens.profile_modal import ProfileModal
from tests.ui.support import async_test, build, settle, wait_until
from tests.ui.test_kiosk import CONFIG, present, start_as

SIZE = (100, 30)


@pytest.fixture
def no_language_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    """Neither ``--lang`` nor ``ENVLAB_LANG``, and an English locale: only the profile can say Japanese."""
    monkeypatch.delenv("ENVLAB_LANG", raising=False)
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    monkeypatch.setenv("LANG", "en_US.UTF-8")


@async_test
async def test_a_switched_language_is_kept_and_envlab_opens_in_it_again(tmp_path: Path,
                                                                        no_language_asked: None) -> None:
    h = build(tmp_path, lang=None)
    async with h.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert h.app.lang == "en"
        await pilot.press("l")
        await settle(pilot)
        assert h.app.lang == "ja" and h.store.language() == "ja"
    again = build(tmp_path, lang=None)  # the same progress file: as after a restart
    async with again.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert again.app.lang == "ja"
        assert isinstance(again.app.screen, HomeScreen)
        await wait_until(pilot, lambda: "カリキュラム" in str(again.app.screen.curriculum.root.label))


@async_test
async def test_lang_and_envlab_lang_still_win_over_the_profile(tmp_path: Path, no_language_asked: None,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    ProgressStore(tmp_path / "progress.sqlite3").set_language("ja")
    given = build(tmp_path, lang="en")
    async with given.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert given.app.lang == "en"
    monkeypatch.setenv("ENVLAB_LANG", "en")
    from_env = build(tmp_path, lang=None)
    async with from_env.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert from_env.app.lang == "en"
    assert from_env.store.language() == "ja", "overriding it once does not forget the learner's choice"


@async_test
async def test_switching_learner_switches_to_their_language(tmp_path: Path, no_language_asked: None) -> None:
    store = ProgressStore(tmp_path / "progress.sqlite3")
    store.create_profile("seat 7")
    store.switch_profile("seat 7")
    store.set_language("ja")
    store.switch_profile("default")
    store.set_language("en")
    h = build(tmp_path, lang=None)
    async with h.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert h.app.lang == "en"
        await pilot.press("u")
        await wait_until(pilot, lambda: isinstance(h.app.screen, ProfileModal))
        listing = h.app.screen.query_one(OptionList)
        listing.highlighted = [o.id for o in listing.options].index("seat 7")
        await pilot.press("enter")
        await settle(pilot)
        assert h.app.store.profile == "seat 7" and h.app.lang == "ja"
        await pilot.press("l")
        await settle(pilot)
    assert store.language() == "en", "the default profile's own choice is untouched"
    store.switch_profile("seat 7")
    assert store.language() == "en", "seat 7 switched back to English, and that is kept"


@async_test
async def test_each_kiosk_learner_keeps_their_own_language(tmp_path: Path) -> None:
    h = build(tmp_path, kiosk=CONFIG.model_copy(update={"idle_timeout": 60}))
    async with h.app.run_test(size=SIZE) as pilot:
        await start_as(h, pilot, "Ada")
        await pilot.press("l")
        await present(pilot, lambda: h.app.lang == "ja")
        await pilot.press("ctrl+d")
        await present(pilot, lambda: isinstance(h.app.screen, KioskStartScreen) and h.app.lang == "en")
        await start_as(h, pilot, "Bob")
        assert h.app.lang == "en", "Bob never chose: the kiosk's language"
        await pilot.press("ctrl+d")
        await present(pilot, lambda: isinstance(h.app.screen, KioskStartScreen))
        await start_as(h, pilot, "Ada")
        assert h.app.lang == "ja", "Ada's own choice"
