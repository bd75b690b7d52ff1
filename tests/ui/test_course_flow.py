"""A course that leads on: what comes after the quiz, c at the first unfinished lesson, chapter headers that open."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from envlab.engine.progress import ProgressStore, first_unfinished
from envlab.lessons.catalog import Catalog, load_catalog
from envlab.lessons.model import Lesson
from envlab.ui.guide import guide_steps
from envlab.ui.screens.home_screen import HomeScreen
from envlab.ui.screens.lesson_screen import LessonScreen
from envlab.ui.screens.next_modal import NextLessonModal, what_next
from envlab.ui.screens.quiz_modal import QuizModal
from tests.ui.support import Harness, async_test, build, settle, wait_until

SIZE = (100, 30)


@pytest.fixture(scope="module")
def course() -> Catalog:
    """The built-in course, every chapter of it."""
    return load_catalog()


def lessons_of(catalog: Catalog) -> list[Lesson]:
    return [loaded.lesson for loaded in catalog.lessons]


def finish(store: ProgressStore, lesson: Lesson, *, but: str | None = None) -> None:
    """Record every step of ``lesson`` done (but one, if ``but`` names it)."""
    for step in ("run", "fix"):
        if step != but and (step == "run" or lesson.challenge is not None):
            store.step_done(lesson, step)
    if but != "quiz":
        store.quiz_taken(lesson, 3, 3)


def all_done_but_the_last_quiz(store: ProgressStore, lessons: list[Lesson]) -> Lesson:
    """Record ``lessons`` done but the quiz of the last one; return that one."""
    for lesson in lessons:
        finish(store, lesson, but="quiz" if lesson == lessons[-1] else None)
    return lessons[-1]


async def open_lesson(pilot: Pilot[int], h: Harness, lesson_id: str) -> LessonScreen:
    h.app.open_lesson(lesson_id)
    await wait_until(pilot, lambda: isinstance(h.app.screen, LessonScreen) and h.app.screen.lesson.id == lesson_id)
    screen = h.app.screen
    assert isinstance(screen, LessonScreen)
    return screen


async def take_quiz(pilot: Pilot[int], h: Harness, lesson: Lesson) -> NextLessonModal:
    """Open ``lesson``, answer every question of its quiz (the first choice each time) and wait for what
    comes next."""
    await settle(pilot)
    await open_lesson(pilot, h, lesson.id)
    await pilot.press("t")
    await wait_until(pilot, lambda: isinstance(h.app.screen, QuizModal))
    while isinstance(h.app.screen, QuizModal):
        await pilot.press("enter")  # answers
        await pilot.press("enter")  # goes to the next question, or ends the quiz
    await wait_until(pilot, lambda: isinstance(h.app.screen, NextLessonModal))
    modal = h.app.screen
    assert isinstance(modal, NextLessonModal)
    return modal


def said(modal: NextLessonModal) -> str:
    return str(modal.query_one("#next-text", Static).visual)


# what comes next, as data ------------------------------------------------------------------------
def test_the_first_unfinished_lesson_comes_after_the_current_one_else_from_the_start(course: Catalog,
                                                                                   tmp_path: Path) -> None:
    store, lessons = ProgressStore(tmp_path / "p.sqlite3"), lessons_of(course)
    assert first_unfinished(lessons, store.all()) == lessons[0]
    for lesson in lessons[:3]:
        finish(store, lesson)
    finish(store, lessons[4])
    assert first_unfinished(lessons, store.all()) == lessons[3]
    assert first_unfinished(lessons, store.all(), after=lessons[3].id) == lessons[5], "not the current one"
    offer = what_next(lessons, store.all(), lessons[-1])
    assert offer.lesson == lessons[3] and offer.earlier, "at the end: one left open earlier"


# after the quiz ------------------------------------------------------------------------------------
@async_test
async def test_after_the_quiz_enter_opens_the_next_lesson_in_place_of_this_one(tmp_path: Path,
                                                                             course: Catalog) -> None:
    h = build(tmp_path, catalog=course)
    first, second = lessons_of(course)[:2]
    finish(h.store, first, but="quiz")
    async with h.app.run_test(size=SIZE) as pilot:
        modal = await take_quiz(pilot, h, first)
        assert modal.offer.lesson == second and modal.offer.finished_chapter is None
        assert "Up next:" in said(modal) and second.title["en"] in said(modal)  # type: ignore[index]
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(h.app.screen, LessonScreen) and h.app.screen.lesson == second)
        assert [type(s).__name__ for s in h.app.screen_stack[1:]] == ["HomeScreen", "LessonScreen"]
        assert h.store.get(first.id).state(first) == "done"


@async_test
async def test_at_a_chapters_end_the_next_chapter_is_offered(tmp_path: Path, course: Catalog) -> None:
    h = build(tmp_path, catalog=course)
    last = all_done_but_the_last_quiz(h.store, [lesson for lesson in lessons_of(course) if lesson.chapter == 1])
    async with h.app.run_test(size=SIZE) as pilot:
        modal = await take_quiz(pilot, h, last)
        assert modal.offer.finished_chapter == 1 and modal.offer.lesson is not None
        assert modal.offer.lesson.id == "image-vs-container"
        assert "You have finished Chapter 1: Release hell before Docker." in said(modal)
        assert "Next, Chapter 2: Images, their distribution and the shared kernel:" in said(modal)
        await pilot.press("escape")  # stay: the lesson is still there
        await wait_until(pilot, lambda: isinstance(h.app.screen, LessonScreen))
        assert h.app.screen.lesson == last


@async_test
async def test_at_the_courses_end_it_says_so_and_offers_nothing_to_open(tmp_path: Path, course: Catalog) -> None:
    h = build(tmp_path, catalog=course, lang="ja")
    last = all_done_but_the_last_quiz(h.store, lessons_of(course))
    async with h.app.run_test(size=SIZE) as pilot:
        modal = await take_quiz(pilot, h, last)
        assert modal.offer.lesson is None and modal.offer.finished_chapter == 5
        assert "すべてのレッスンを修了しました" in said(modal)
        await pilot.press("enter")
        await settle(pilot)
        assert h.app.screen is modal, "nothing to open"
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(h.app.screen, LessonScreen))


# c, and chapter headers ------------------------------------------------------------------------------
@async_test
async def test_c_goes_on_at_the_first_unfinished_lesson_at_its_first_step_not_done(tmp_path: Path,
                                                                                 course: Catalog) -> None:
    h = build(tmp_path, catalog=course)
    first, second = lessons_of(course)[:2]
    finish(h.store, first)
    h.store.step_done(second, "run")
    h.store.opened(first.id)  # the lesson just finished was the last one open
    async with h.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        home = h.app.screen
        assert isinstance(home, HomeScreen)
        await wait_until(pilot, lambda: home.curriculum.cursor_node is not None
                         and home.curriculum.cursor_node.data == second.id)
        await pilot.press("c")
        await wait_until(pilot, lambda: isinstance(h.app.screen, LessonScreen))
        screen = h.app.screen
        assert isinstance(screen, LessonScreen) and screen.lesson == second
        assert guide_steps(second)[screen.step].key == "fix", "run is done: the fix comes next"


@async_test
async def test_c_says_so_when_every_lesson_is_done(tmp_path: Path, course: Catalog) -> None:
    h = build(tmp_path, catalog=course)
    for lesson in lessons_of(course):
        finish(h.store, lesson)
    async with h.app.run_test(size=SIZE, message_hook=h.seen.append) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(h.app.screen, HomeScreen)
        assert any(n.startswith("Course finished: Every lesson") for n in h.notices())


@async_test
async def test_enter_on_a_chapter_header_opens_it_and_only_space_folds_it(tmp_path: Path, course: Catalog) -> None:
    h = build(tmp_path, catalog=course)
    first, second = lessons_of(course)[:2]
    finish(h.store, first)
    async with h.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        home = h.app.screen
        assert isinstance(home, HomeScreen)
        tree = home.curriculum
        header = tree.root.children[0]
        tree.move_cursor(header)
        await wait_until(pilot, lambda: "Enter" in str(home.query_one("#lesson-detail", Static).visual))
        detail = str(home.query_one("#lesson-detail", Static).visual)
        assert "1 of 6 lessons done." in detail and second.title["en"] in detail  # type: ignore[index]
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(h.app.screen, LessonScreen))
        assert h.app.screen.lesson == second
        await pilot.press("escape")
        await wait_until(pilot, lambda: h.app.screen is home)
        header = tree.root.children[0]
        assert header.is_expanded, "Enter did not fold the chapter"
        tree.move_cursor(header)
        await pilot.press("space")
        await wait_until(pilot, lambda: not tree.root.children[0].is_expanded)
        await pilot.press("l")  # the tree is drawn again in Japanese: the chapter stays folded
        await settle(pilot)
        assert "第1章" in str(tree.root.children[0].label) and not tree.root.children[0].is_expanded
        assert tree.root.children[1].is_expanded
