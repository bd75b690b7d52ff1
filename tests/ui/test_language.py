"""The interface follows the learner's language: the footer's key labels, the help and the command palette."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Markdown

from envlab.ui.app import EnvlabApp
from envlab.ui.screens.confirm_modal import ConfirmModal
from envlab.ui.screens.help_modal import HelpModal
from envlab.ui.screens.home_screen import HomeScreen
from envlab.ui.screens.lesson_screen import LessonScreen
from envlab.ui.widgets.key_bar import KeyBar
from tests.ui.support import Harness, async_test, build, settle

SIZE = (100, 30)
HOME_EN = {"resume": "Continue", "app.switch_language": "Language", "forget": "Reset progress", "profiles": "Learner",
           "app.quit": "Quit", "help": "Help", "command_palette": "palette"}
HOME_JA = {"resume": "続きから", "app.switch_language": "言語", "forget": "進捗をリセット", "profiles": "受講者",
           "app.quit": "終了", "help": "ヘルプ", "command_palette": "コマンド"}
LESSON_JA = {"run": "実行", "next_step": "次へ", "hint": "ヒント", "inspect": "調査", "fix_it": "直す",
             "verify": "確認", "quiz": "クイズ", "reset": "初期化", "back": "戻る", "help": "ヘルプ"}



@pytest.fixture
def h(tmp_path: Path) -> Harness:
    return build(tmp_path)


def footer_labels(app: EnvlabApp) -> dict[str, str]:
    """What the current screen's footer shows: each key's label, by the action it runs."""
    return {key.action: key.description for key in app.screen.query_one(KeyBar).keys}


def binding_labels(app: EnvlabApp) -> set[str]:
    """The descriptions of every key bound on the current screen (the footer and the key panel read these)."""
    return {active.binding.description for active in app.screen.active_bindings.values()}


@async_test
async def test_the_home_footer_switches_to_japanese_and_back(h: Harness) -> None:
    async with h.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(h.app.screen, HomeScreen)
        assert footer_labels(h.app) == HOME_EN
        await pilot.press("l")
        await settle(pilot)
        assert footer_labels(h.app) == HOME_JA
        await pilot.press("l")
        await settle(pilot)
        assert footer_labels(h.app) == HOME_EN


@async_test
async def test_the_lesson_footer_follows_a_switch_and_so_does_the_screen_below(h: Harness) -> None:
    async with h.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(h.app.screen, LessonScreen)
        assert footer_labels(h.app)["run"] == "Run"
        await pilot.press("l")  # bound on the lesson too, hidden from its footer
        await settle(pilot)
        assert LESSON_JA.items() <= footer_labels(h.app).items()
        assert "Run" not in footer_labels(h.app).values()
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(h.app.screen, HomeScreen)
        assert footer_labels(h.app) == HOME_JA


@async_test
async def test_screens_opened_after_a_switch_have_japanese_keys(h: Harness) -> None:
    async with h.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("l", "x")
        await settle(pilot)
        assert isinstance(h.app.screen, ConfirmModal)
        assert {"はい", "いいえ"} <= binding_labels(h.app)
        assert not {"Yes", "No"} & binding_labels(h.app)
        await pilot.press("n", "enter")
        await settle(pilot)
        assert isinstance(h.app.screen, LessonScreen)
        assert LESSON_JA.items() <= footer_labels(h.app).items()


@async_test
async def test_an_app_started_in_japanese_draws_japanese_keys_first(tmp_path: Path) -> None:
    h = build(tmp_path, lang="ja")
    async with h.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert footer_labels(h.app) == HOME_JA


@async_test
async def test_the_help_is_in_the_learners_language_and_follows_a_switch(h: Harness) -> None:
    async with h.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("l", "f1")
        await settle(pilot)
        assert isinstance(h.app.screen, HelpModal)
        help_text = h.app.screen.query_one(Markdown).source
        assert "## ホーム" in help_text and "言語を切り替える" in help_text
        assert "閉じる" in binding_labels(h.app)
        h.app.lang = "en"  # the help has no language key; the command palette could still switch
        await settle(pilot)
        help_text = h.app.screen.query_one(Markdown).source
        assert "## Home" in help_text and "ホーム" not in help_text
        assert "Close" in binding_labels(h.app)


@async_test
async def test_the_command_palettes_own_commands_are_in_the_learners_language(h: Harness) -> None:
    async with h.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("l")
        titles = {command.title for command in h.app.get_system_commands(h.app.screen)}
        assert {"ヘルプ", "言語を切り替える", "Docker に再接続"} <= titles
        assert any(title.startswith("レッスンを開く: ") for title in titles)


@pytest.mark.parametrize("lang", ["en", "ja"])
@async_test
async def test_every_lesson_key_fits_an_80_column_footer(tmp_path: Path, lang: str) -> None:
    """A kiosk terminal is often 80×24: no key of the lesson's footer may be cut off or hidden."""
    h = build(tmp_path, lang=lang)
    async with h.app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await pilot.pause()
        bar = h.app.screen.query_one(KeyBar)
        assert {key.action for key in bar.keys} >= {"run", "next_step", "fix_it", "verify", "quiz", "reset", "back"}
        assert bar.region.width == 80 and all(key.end <= 80 for key in bar.keys), \
            [(key.description, key.start, key.end) for key in bar.keys]
