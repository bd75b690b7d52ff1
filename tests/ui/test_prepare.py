"""First run inside the TUI: home says which images are missing, and prepares them with a live row per image."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from textual.widgets import Static

from envlab.engine import images
from envlab.engine.images import image_needs
from envlab.engine.prepare import needed_first
from envlab.engine.readiness import Reach
from envlab.lessons.assets import AssetError
from envlab.ui.screens.home_screen import HomeScreen
from envlab.ui.screens.lesson_screen import LessonScreen
from envlab.ui.screens.prepare_screen import PrepareScreen
from envlab.ui.widgets.key_bar import KeyBar
from tests.ui.support import Harness, PreparingFake, async_test, build, one_lesson, settle, wait_until

SIZE = (100, 30)
NEEDS = image_needs(one_lesson().lessons)  # os-skew: two bases, the editor on each, two hosts on that, the fix
BULLSEYE = "debian:bullseye-slim"


def text_of(widget: Static) -> str:
    return str(widget.render())


def notice(h: Harness) -> Static:
    return h.app.screen.query_one("#images-notice", Static)


def preparing(h: Harness) -> PrepareScreen:
    screen = h.app.screen
    assert isinstance(screen, PrepareScreen)
    return screen


def states(screen: PrepareScreen) -> dict[str, str]:
    return {tag: row.state for tag, row in screen.rows.items()}


@async_test
async def test_home_says_how_many_images_are_missing_how_big_how_long_and_that_it_is_offline(tmp_path: Path) -> None:
    h = build(tmp_path, fake=PreparingFake())
    async with h.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        shown = text_of(notice(h))
        assert notice(h).display
        assert f"{len(NEEDS)} of {len(NEEDS)} images are missing" in shown
        # Two bases, the editor on each (small), two hosts and a fix, by kind; 60 + 10 + 20 + 5 s side by side.
        assert "about 508 MB" in shown and "about 2 min" in shown
        assert "Offline" in shown and "envlab images import FILE" in shown
        assert "Prepare images" in str(h.app.screen.query_one(KeyBar).render())


@async_test
async def test_home_says_nothing_when_every_image_is_there(tmp_path: Path) -> None:
    h = build(tmp_path)  # os-skew's images are all present
    async with h.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(h.app.screen, HomeScreen) and h.app.screen.images is not None
        assert h.app.screen.images.missing == []
        assert not notice(h).display
        assert "Prepare images" not in str(h.app.screen.query_one(KeyBar).render())
        await pilot.press("P")
        assert isinstance(h.app.screen, HomeScreen), "nothing to prepare"


@async_test
async def test_home_says_whether_a_registry_or_only_debians_archive_answers(tmp_path: Path) -> None:
    for reach, said in ((Reach(registry=True, debian=True), "A registry answers"),
                        (Reach(registry=False, debian=True), "No registry answers, Debian's archive does")):
        fake = PreparingFake(images={NEEDS[0].tag})
        h = build(tmp_path, fake=fake, reach=reach)
        async with h.app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            assert f"{len(NEEDS) - 1} of {len(NEEDS)} images are missing" in text_of(notice(h))
            assert said in text_of(notice(h))


@async_test
async def test_the_notice_speaks_japanese(tmp_path: Path) -> None:
    h = build(tmp_path, fake=PreparingFake(), lang="ja")
    async with h.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert f"{len(NEEDS)} 個中 {len(NEEDS)} 個のイメージがありません" in text_of(notice(h))
        assert "オフライン" in text_of(notice(h))


@async_test
async def test_p_prepares_every_image_then_the_notice_goes_and_the_lesson_runs(tmp_path: Path) -> None:
    fake = PreparingFake()
    h = build(tmp_path, fake=fake)
    fake.script = build(tmp_path).fake.script  # os-skew's answers, once its images are there
    async with h.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("P")
        await settle(pilot)
        screen = preparing(h)
        assert states(screen) == {need.tag: "done" for need in NEEDS}
        assert {row.step for row in screen.rows.values()} == {"bootstrap", "build"}
        assert all(fake.image_present(need.tag) for need in NEEDS)
        assert f"All {len(NEEDS)} images are ready" in text_of(screen.query_one("#prepare-summary", Static))
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(h.app.screen, HomeScreen)
        assert not notice(h).display
        await pilot.press("enter", "r")
        await settle(pilot)
        lesson = h.app.screen
        assert isinstance(lesson, LessonScreen)
        assert not lesson.query_one("#lesson-error", Static).display
        assert lesson.pane("prod-server").state == "failed-as-expected"


@async_test
async def test_a_failure_shows_the_real_error_and_hint_and_what_is_built_from_it_fails_too(tmp_path: Path) -> None:
    fake = PreparingFake(refuse={BULLSEYE})
    h = build(tmp_path, fake=fake)
    tags = {need.tag for need in NEEDS}
    dependents = {BULLSEYE}
    while grown := {need.tag for need in NEEDS if needed_first(need, tags) & dependents} - dependents:
        dependents |= grown  # what is built on bullseye, and what is built on that
    dependents -= {BULLSEYE}
    assert len(dependents) == 2, "prod-server's host image is built on the editor, built on bullseye"
    async with h.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("P")
        await settle(pilot)
        screen = preparing(h)
        failed = {tag for tag, state in states(screen).items() if state == "failed"}
        assert failed == {BULLSEYE, *dependents}
        assert all(state == "done" for tag, state in states(screen).items() if tag not in failed)
        assert screen.rows[BULLSEYE].message == f"{BULLSEYE} is not on this engine and no registry answered"
        shown = text_of(screen.query_one("#prepare-failures", Static))
        assert f"{BULLSEYE} is not on this engine and no registry answered" in shown
        assert "building it offline needs Linux, root and debootstrap" in shown
        assert f"it is built from {BULLSEYE}, which could not be made" in shown
        await pilot.press("escape")
        await settle(pilot)
        assert f"{len(failed)} of {len(NEEDS)} images are missing" in text_of(notice(h)), "the rest stays done"


@async_test
async def test_cancel_lets_what_runs_finish_and_marks_the_rest_cancelled_then_p_goes_on(tmp_path: Path) -> None:
    fake = PreparingFake(hold=threading.Event())
    h = build(tmp_path, fake=fake)
    bases = {need.tag for need in NEEDS if need.kind == "base"}
    async with h.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("P")
        screen = preparing(h)
        await wait_until(pilot, lambda: {screen.rows[tag].state for tag in bases} == {"running"})
        summary = text_of(screen.query_one("#prepare-summary", Static))
        assert f"0 of {len(NEEDS)} images ready · 2 running · {len(NEEDS) - 2} waiting · 0 failed · about" in summary
        assert {screen.rows[tag].step for tag in bases} == {"bootstrap"}
        assert screen.rows[BULLSEYE].note == f"I: Retrieving InRelease for {BULLSEYE}"
        await pilot.press("c")
        assert "Cancelling" in text_of(screen.query_one("#prepare-summary", Static))
        await pilot.press("escape")
        assert h.app.screen is screen, "it leaves only once what runs has finished"
        fake.hold.set()
        await settle(pilot)
        assert states(screen) == {need.tag: "done" if need.tag in bases else "cancelled" for need in NEEDS}
        await pilot.press("escape")
        await settle(pilot)
        assert f"{len(NEEDS) - len(bases)} of {len(NEEDS)} images are missing" in text_of(notice(h))
        await pilot.press("P")
        await settle(pilot)
        again = preparing(h)
        assert set(again.rows) == {need.tag for need in NEEDS} - bases, "only what is still missing"
        assert set(states(again).values()) == {"done"}


@async_test
async def test_images_that_cannot_be_worked_out_are_said_with_why(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    def unreadable(_lessons: object) -> None:
        raise AssetError("fix/Dockerfile cannot be read", hint="run `envlab validate`")

    monkeypatch.setattr(images, "image_needs", unreadable)
    h = build(tmp_path, fake=PreparingFake())
    async with h.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert notice(h).display and notice(h).has_class("-error")
        assert "fix/Dockerfile cannot be read" in text_of(notice(h)) and "envlab validate" in text_of(notice(h))


@async_test
async def test_a_bug_while_preparing_is_shown_and_the_screen_can_still_be_left(tmp_path: Path) -> None:
    class Broken(PreparingFake):
        def provide_base(self, tag: str, progress: object) -> str:
            raise ZeroDivisionError("a bug")

    h = build(tmp_path, fake=Broken())
    async with h.app.run_test(size=SIZE, message_hook=h.seen.append) as pilot:
        await settle(pilot)
        await pilot.press("P")
        # Not settle: it re-raises a worker's failure, and that failure is what is under test.
        await wait_until(pilot, lambda: preparing(h).ended)
        assert any("ZeroDivisionError: a bug" in n for n in h.notices())
        await pilot.press("escape")
        assert isinstance(h.app.screen, HomeScreen)


@async_test
async def test_a_bug_while_checking_the_images_is_shown(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(_lessons: object) -> None:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(images, "image_needs", broken)
    h = build(tmp_path, fake=PreparingFake())
    async with h.app.run_test(size=SIZE, message_hook=h.seen.append) as pilot:
        await wait_until(pilot, lambda: any("ZeroDivisionError: a bug" in n for n in h.notices()))
        assert not notice(h).display
