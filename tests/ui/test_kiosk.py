"""Kiosk mode through Pilot on the fake runtime: a learner's session from the start screen to its end."""

from __future__ import annotations

import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.command import CommandPalette
from textual.pilot import Pilot
from textual.widgets import Input, Markdown, Static

from envlab.kiosk.config import KioskConfig
from envlab.kiosk.pin import hash_pin
from envlab.runtime.fake import FakeRuntime
from envlab.ui.app import make_app
from envlab.ui.kiosk.app import LEAVING_SIGNALS
from envlab.ui.kiosk.countdown_modal import CountdownModal
from envlab.ui.kiosk.help_modal import KioskHelpModal
from envlab.ui.kiosk.messages import LearnerLeft, LearnerStarted
from envlab.ui.kiosk.operator_modal import OperatorModal, PinModal
from envlab.ui.kiosk.start_screen import KioskStartScreen
from envlab.ui.messages import RunFinished
from envlab.ui.screens.home_screen import HomeScreen
from envlab.ui.screens.lesson_screen import LessonScreen
from envlab.ui.screens.prepare_screen import PrepareScreen
from envlab.ui.widgets.key_bar import KeyBar
from tests.ui.support import (
    Harness,
    PreparingFake,
    async_test,
    build,
    fixture_curriculum,
    one_lesson,
    settle,
    wait_until,
)

#: How long the idle flows may take on a busy machine (a wait that is over early costs nothing).
PATIENCE = 60.0
SIZE = (100, 30)
PIN = "2468"
CONFIG = KioskConfig(pin_hash=hash_pin(PIN), idle_timeout=0.5, countdown=0.5)


def kiosk(tmp_path: Path, **fields: Any) -> Harness:
    """The app in kiosk mode on the fake runtime; ``fields`` change the configuration."""
    return build(tmp_path, kiosk=CONFIG.model_copy(update=fields))


async def present(pilot: Pilot[int], condition: Callable[[], bool]) -> None:
    """Wait for ``condition`` as a learner at the kiosk would, so the idle timeout does not end the session."""
    def touched() -> bool:
        pilot.app.touched()  # type: ignore[attr-defined]
        return condition()

    await wait_until(pilot, touched, timeout=PATIENCE)


def shown(h: Harness, kind: type[object], child: str) -> bool:
    """Whether the screen on top is a ``kind`` whose ``child`` is mounted (keys then reach it)."""
    return isinstance(h.app.screen, kind) and bool(h.app.screen.query(child))


async def type_text(pilot: Pilot[int], text: str) -> None:
    await pilot.press(*("space" if c == " " else c for c in text))


async def start_as(h: Harness, pilot: Pilot[int], name: str) -> None:
    """Type ``name`` on the start screen and wait for home."""
    await present(pilot, lambda: isinstance(h.app.screen, KioskStartScreen) and h.app.lessons_ready)
    await type_text(pilot, name)
    await pilot.press("enter")
    await present(pilot, lambda: isinstance(h.app.screen, HomeScreen) and bool(h.app.screen.query("#curriculum")))


async def run_lesson(h: Harness, pilot: Pilot[int]) -> None:
    """Open the lesson and run it; its setups stay up, as for a learner working on the challenge."""
    await pilot.press("enter")
    await present(pilot, lambda: isinstance(h.app.screen, LessonScreen))
    await pilot.press("r")
    await present(pilot, lambda: bool(h.posted(RunFinished)))
    assert h.fake.containers


@async_test
async def test_a_learner_names_their_profile_and_is_taken_home_with_it(tmp_path: Path) -> None:
    h = kiosk(tmp_path, idle_timeout=60)
    async with h.app.run_test(size=SIZE, message_hook=h.seen.append) as pilot:
        await settle(pilot)
        assert isinstance(h.app.screen, KioskStartScreen)
        assert h.app.screen.focused is h.app.screen.query_one("#learner-name", Input)
        await start_as(h, pilot, "seat 4")
        assert h.store.profile == "seat 4" == h.store.current_profile()
        assert "seat 4" in {p.name for p in h.store.profiles()}
        assert [m.profile for m in h.posted(LearnerStarted)] == ["seat 4"]
        keys = h.app.screen.query_one(KeyBar)
        assert keys.key_for("app.quit") is None, "no key offers to quit"
        assert keys.key_for("done") is not None, "the key bar offers I'm done"


@async_test
async def test_idle_then_the_countdown_tear_the_running_lesson_down_and_show_the_start_screen(tmp_path: Path) -> None:
    h = kiosk(tmp_path)
    async with h.app.run_test(size=SIZE, message_hook=h.seen.append) as pilot:
        await start_as(h, pilot, "Ada")
        await run_lesson(h, pilot)
        counted = []

        def left() -> bool:  # nobody touches the kiosk from here on
            counted.append(isinstance(h.app.screen, CountdownModal))
            return bool(h.posted(LearnerLeft))

        await wait_until(pilot, left, timeout=PATIENCE)
        assert any(counted), "the countdown was shown before the session ended"
        [gone] = h.posted(LearnerLeft)
        assert (gone.profile, gone.reason) == ("Ada", "idle") and gone.removed
        assert h.fake.containers == {} and h.fake.networks == {}
        assert isinstance(h.app.screen, KioskStartScreen) and h.app.learner is None
        await present(pilot, lambda: not h.app.screen.query_one("#learner-name", Input).disabled)
        assert h.store.all("Ada")["os-skew"].seconds_spent is not None, "the lesson's time was kept"


@async_test
async def test_any_key_cancels_the_countdown_and_does_nothing_else(tmp_path: Path) -> None:
    h = kiosk(tmp_path, countdown=30)
    async with h.app.run_test(size=SIZE, message_hook=h.seen.append) as pilot:
        await start_as(h, pilot, "Ada")
        await wait_until(pilot, lambda: isinstance(h.app.screen, CountdownModal)
                         and bool(h.app.screen.query("#countdown-title")), timeout=PATIENCE)
        assert "Still there?" in str(h.app.screen.query_one("#countdown-title", Static).render())
        await pilot.press("x")  # on home, x would ask to forget the learner's progress
        await present(pilot, lambda: isinstance(h.app.screen, HomeScreen))
        await settle(pilot)
        assert isinstance(h.app.screen, HomeScreen) and h.app.learner == "Ada"
        assert not h.posted(LearnerLeft)


@async_test
async def test_im_done_ends_the_session_and_the_next_learner_starts_afresh(tmp_path: Path) -> None:
    h = kiosk(tmp_path, idle_timeout=60)
    async with h.app.run_test(size=SIZE, message_hook=h.seen.append) as pilot:
        await start_as(h, pilot, "Ada")
        await run_lesson(h, pilot)
        await pilot.press("ctrl+d")
        await wait_until(pilot, lambda: bool(h.posted(LearnerLeft)), timeout=PATIENCE)
        assert h.posted(LearnerLeft)[0].reason == "done" and h.fake.containers == {}
        assert "run" in h.store.all("Ada")["os-skew"].steps_done
        await start_as(h, pilot, "Grace")
        assert h.store.profile == "Grace" and h.store.all() == {}, "Grace starts with nothing of Ada's"
        assert "run" in h.store.all("Ada")["os-skew"].steps_done, "and Ada's progress is kept"
        await pilot.press("ctrl+d")
        await wait_until(pilot, lambda: len(h.posted(LearnerLeft)) == 2, timeout=PATIENCE)
        await present(pilot, lambda: not h.app.screen.query_one("#learner-name", Input).disabled)
        await pilot.press("enter")  # no name: a guest, on a profile of their own
        await present(pilot, lambda: isinstance(h.app.screen, HomeScreen))
        guest = h.store.profile
        assert guest.startswith("guest ") and h.store.all() == {}


@async_test
async def test_a_name_no_profile_can_have_is_refused_on_the_start_screen(tmp_path: Path) -> None:
    h = kiosk(tmp_path, idle_timeout=60)
    async with h.app.run_test(size=SIZE, message_hook=h.seen.append) as pilot:
        await settle(pilot)
        h.app.screen.query_one("#learner-name", Input).value = "tab\there"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(h.app.screen, KioskStartScreen) and h.app.learner is None
        assert "cannot name a profile" in str(h.app.screen.query_one("#kiosk-status", Static).render())


LEAVING_KEYS = ["ctrl+q", "ctrl+c", "ctrl+z", "ctrl+backslash", "ctrl+p", "q", "escape",
                *(f"f{n}" for n in range(2, 13))]


@async_test
async def test_no_key_leaves_the_course(tmp_path: Path) -> None:
    h = kiosk(tmp_path, idle_timeout=60)
    before = {sig: signal.getsignal(sig) for sig in LEAVING_SIGNALS}
    async with h.app.run_test(size=SIZE, message_hook=h.seen.append) as pilot:
        await settle(pilot)
        assert all(signal.getsignal(sig) == signal.SIG_IGN for sig in LEAVING_SIGNALS), "the second line"
        for key in LEAVING_KEYS:
            await pilot.press(key)
        await settle(pilot)
        assert h.app.is_running and h.app.return_code is None
        assert isinstance(h.app.screen, KioskStartScreen)
        h.app.screen.query_one("#learner-name", Input).value = ""
        await start_as(h, pilot, "Ada")
        for key in LEAVING_KEYS[:-11]:  # escape leaves a lesson for home: that is the course
            await pilot.press(key)
            await settle(pilot)
            assert h.app.is_running and not isinstance(h.app.screen, CommandPalette), key
        assert isinstance(h.app.screen, HomeScreen) and h.app.learner == "Ada"
        assert not any("quit" in notice.lower() for notice in h.notices())
    assert {sig: signal.getsignal(sig) for sig in LEAVING_SIGNALS} == before, "given back when the kiosk ends"


@async_test
async def test_the_operator_pin_quits_and_a_wrong_one_is_refused(tmp_path: Path) -> None:
    h = kiosk(tmp_path, idle_timeout=60)
    async with h.app.run_test(size=SIZE, message_hook=h.seen.append) as pilot:
        await start_as(h, pilot, "Ada")
        await run_lesson(h, pilot)
        await pilot.press("ctrl+o")
        await present(pilot, lambda: shown(h, PinModal, "#pin"))
        await type_text(pilot, "1111")
        await pilot.press("enter")
        message = h.app.screen.query_one("#pin-message", Static)
        await present(pilot, lambda: "Wrong PIN" in str(message.render()))
        assert isinstance(h.app.screen, PinModal) and h.app.is_running
        assert h.app.screen.query_one("#pin", Input).password, "the PIN is not shown as typed"
        await type_text(pilot, PIN)
        await pilot.press("enter")
        await present(pilot, lambda: shown(h, OperatorModal, "#back"))
        await pilot.click("#quit")
        await wait_until(pilot, lambda: h.app.return_code is not None, timeout=PATIENCE)
    assert h.app.return_code == 0
    assert h.fake.containers == {}, "quitting removed the learner's containers first"


@async_test
async def test_the_operator_can_end_a_session_and_escape_backs_out(tmp_path: Path) -> None:
    h = kiosk(tmp_path, idle_timeout=60)
    async with h.app.run_test(size=SIZE, message_hook=h.seen.append) as pilot:
        await start_as(h, pilot, "Ada")
        await pilot.press("ctrl+o")
        await present(pilot, lambda: shown(h, PinModal, "#pin"))
        await pilot.press("escape")
        await present(pilot, lambda: isinstance(h.app.screen, HomeScreen))
        await pilot.press("ctrl+o")
        await present(pilot, lambda: shown(h, PinModal, "#pin"))
        await type_text(pilot, PIN)
        await pilot.press("enter")
        await present(pilot, lambda: shown(h, OperatorModal, "#back"))
        await pilot.press("e")
        await wait_until(pilot, lambda: bool(h.posted(LearnerLeft)), timeout=PATIENCE)
        assert h.posted(LearnerLeft)[0].reason == "operator"
        assert isinstance(h.app.screen, KioskStartScreen) and h.app.is_running


@async_test
async def test_the_kiosk_offers_its_chapters_languages_and_no_browser_or_shell(tmp_path: Path) -> None:
    catalog = fixture_curriculum()
    chapters = sorted({ll.lesson.chapter for ll in catalog.lessons})
    h = build(tmp_path, catalog=catalog, lang="en",
              kiosk=CONFIG.model_copy(update={"idle_timeout": 60, "chapters": chapters[:1], "languages": ["ja"],
                                              "fix_it_shell": False}))
    async with h.app.run_test(size=SIZE, message_hook=h.seen.append) as pilot:
        await settle(pilot)
        assert h.app.lang == "ja", "the kiosk's first language, whatever was asked"
        assert {ll.lesson.chapter for ll in h.app.lessons} == {chapters[0]}
        assert not h.app.screen.query_one("#language").display, "one language: nothing to switch"
        h.app.open_url("https://example.com/guide")
        assert h.app.open_shell("container", "prod-server") is None and h.shells == []
        await settle(pilot)
        assert any("https://example.com/guide" in notice for notice in h.notices())


def test_the_kiosk_shell_ends_when_left_idle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[list[str]] = []
    monkeypatch.setattr("envlab.ui.app.shutil.which", lambda _name: "/usr/bin/docker")
    monkeypatch.setattr("envlab.ui.app.subprocess.call", lambda argv: calls.append(argv) or 0)
    app = make_app(runtime=FakeRuntime(), catalog=one_lesson(), kiosk=CONFIG.model_copy(update={"idle_timeout": 120}))
    assert app.shell("c0ffee", "prod-server") == 0
    assert calls[0][:7] == ["/usr/bin/docker", "exec", "-it", "-e", "TMOUT=120", "-w", "/"]


@async_test
async def test_a_name_half_typed_by_someone_who_walked_away_is_forgotten(tmp_path: Path) -> None:
    h = kiosk(tmp_path)
    async with h.app.run_test(size=SIZE, message_hook=h.seen.append) as pilot:
        await settle(pilot)
        await type_text(pilot, "Ad")
        field = h.app.screen.query_one("#learner-name", Input)
        assert field.value == "Ad"
        await wait_until(pilot, lambda: field.value == "", timeout=PATIENCE)
        assert isinstance(h.app.screen, KioskStartScreen) and not h.posted(LearnerStarted)


def test_the_start_screen_at_80x24(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """You should see a card with "Welcome to envlab" over the tagline, the request for a name or seat
    number above an empty field, the buttons "Start without a name" and "日本語", "Ready." under them,
    and only "f1 Help" on the key bar (no quit, no command palette)."""

    async def quiet(pilot: Pilot[int]) -> None:
        await settle(pilot)
        pilot.app.clear_notifications()
        await pilot.pause()

    assert snap_compare(kiosk(tmp_path, idle_timeout=60).app, terminal_size=(80, 24), run_before=quiet)


@async_test
async def test_the_help_says_how_to_finish_and_offers_no_way_out(tmp_path: Path) -> None:
    h = kiosk(tmp_path, idle_timeout=60)
    async with h.app.run_test(size=SIZE, message_hook=h.seen.append) as pilot:
        await start_as(h, pilot, "Ada")
        await pilot.press("f1")
        await present(pilot, lambda: isinstance(h.app.screen, KioskHelpModal))
        text = h.app.screen.query_one(Markdown).source
        assert "Ctrl+D" in text and "Ctrl+Q" not in text and "Ctrl+P" not in text
        assert "| q |" not in text and "| P |" not in text
        assert "| Enter |" in text, "the course's own keys are all there"
        h.app.lang = "ja"
        await present(pilot, lambda: "このキオスクでは" in h.app.screen.query_one(Markdown).source)


@async_test
async def test_only_the_operator_prepares_missing_images(tmp_path: Path) -> None:
    h = build(tmp_path, fake=PreparingFake(), kiosk=CONFIG.model_copy(update={"idle_timeout": 60}))
    async with h.app.run_test(size=SIZE, message_hook=h.seen.append) as pilot:
        await start_as(h, pilot, "Ada")
        home = h.app.screen
        assert isinstance(home, HomeScreen)
        await present(pilot, lambda: home.images is not None and bool(home.images.missing))
        assert home.query_one(KeyBar).key_for("prepare_images") is None, "not a learner's key here"
        await pilot.press("P")
        await settle(pilot)
        assert h.app.screen is home
        await pilot.press("ctrl+o")
        await present(pilot, lambda: shown(h, PinModal, "#pin"))
        await type_text(pilot, PIN)
        await pilot.press("enter")
        await present(pilot, lambda: shown(h, OperatorModal, "#prepare"))
        await pilot.press("p")
        await present(pilot, lambda: isinstance(h.app.screen, PrepareScreen))
