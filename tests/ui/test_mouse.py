"""The TUI driven by the mouse alone through Pilot on the fake runtime: every flow a key drives, a click drives.

Clicks land where a learner would click: on a tree line or a quiz choice found by what is drawn there,
and on footer keys found by their action (their labels are translated).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual import events
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import OptionList, Static, Tree

from envlab.ui.messages import ChecksVerified, LessonTornDown, RunFinished, ShellClosed
from envlab.ui.screens.confirm_modal import ConfirmModal
from envlab.ui.screens.drift_modal import DriftModal
from envlab.ui.screens.help_modal import HelpModal
from envlab.ui.screens.home_screen import HomeScreen
from envlab.ui.screens.lesson_screen import LessonScreen
from envlab.ui.screens.next_modal import NextLessonModal
from envlab.ui.screens.quiz_modal import QuizModal
from envlab.ui.widgets.key_bar import KeyBar
from tests.ui.support import Harness, async_test, build, settle

SIZE = (100, 30)


@pytest.fixture
def h(tmp_path: Path) -> Harness:
    return build(tmp_path)


def spot(pilot: Pilot[int], widget: Widget, **meta: object) -> tuple[int, int]:
    """The first cell of ``widget`` drawn with ``meta`` (a tree node, a quiz option), as a click offset.

    A meta value of ``None`` means the key must be absent: ``toggle=None`` is a label, not its arrow.
    """
    region = widget.region
    for y in range(region.height):
        for x in range(region.width):
            drawn = pilot.app.screen.get_style_at(region.x + x, region.y + y).meta
            if all(drawn.get(key) == value for key, value in meta.items()):
                return x, y
    raise AssertionError(f"nothing drawn with {meta} in {widget!r}")


async def click_key(pilot: Pilot[int], action: str) -> None:
    """Click the footer key bound to ``action``; fail if it is missing or covered by something else."""
    await pilot.pause()  # the footer recomposes after a screen change
    screen = pilot.app.screen
    bar = screen.query_one(KeyBar)
    key = bar.key_for(action)
    assert key is not None, f"{type(screen).__name__} has no footer key for {action!r}: a mouse cannot do it"
    assert key.end <= bar.region.width, f"the {key.description!r} key is cut off"
    assert await pilot.click(bar, offset=(key.start + 1, 0)), f"the {key.description!r} key is covered"
    await settle(pilot)


async def click_lesson(pilot: Pilot[int]) -> LessonScreen:
    """Open the (only) lesson with one click on its line in the curriculum."""
    await settle(pilot)
    tree: Tree[str] = pilot.app.screen.query_one(Tree)
    [leaf] = tree.root.children[0].children
    assert await pilot.click(tree, offset=spot(pilot, tree, node=leaf.id))
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, LessonScreen)
    return screen


async def scroll(pilot: Pilot[int], widget: Widget, kind: type[events.MouseScrollDown | events.MouseScrollUp],
                 times: int) -> None:
    """Turn the wheel over ``widget``: post what the terminal driver posts (Pilot has no wheel)."""
    x, y = widget.region.center
    for _ in range(times):
        pilot.app.post_message(kind(None, x, y, 0, 0, 0, False, False, False, screen_x=x, screen_y=y))
        await pilot.pause()


def text_of(widget: Static) -> str:
    return str(widget.render())


@async_test
async def test_the_arrow_folds_a_chapter_its_title_opens_it_and_a_click_on_a_lesson_opens_it(h: Harness) -> None:
    async with h.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        home = h.app.screen
        tree: Tree[str] = home.query_one(Tree)
        chapter = tree.root.children[0]
        await pilot.click(tree, offset=spot(pilot, tree, node=chapter.id, toggle=None))
        await pilot.pause()
        assert isinstance(h.app.screen, LessonScreen), "the chapter's title opens its first unfinished lesson"
        assert chapter.is_expanded, "and does not fold it"
        await pilot.press("escape")
        await settle(pilot)
        assert h.app.screen is home
        chapter = tree.root.children[0]
        await pilot.click(tree, offset=spot(pilot, tree, node=chapter.id, toggle=True))
        assert not chapter.is_expanded and h.app.screen is home
        await pilot.click(tree, offset=spot(pilot, tree, node=chapter.id, toggle=True))
        assert chapter.is_expanded
        screen = await click_lesson(pilot)
        assert screen.lesson.id == "os-skew"
        assert h.store.last_lesson() == "os-skew"


@async_test
async def test_the_language_key_switches_the_language_and_back(h: Harness) -> None:
    async with h.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await click_key(pilot, "app.switch_language")
        assert h.app.lang == "ja"
        assert "第1章" in str(h.app.screen.query_one(Tree).root.children[0].label)
        await click_key(pilot, "app.switch_language")
        assert h.app.lang == "en"


@async_test
async def test_a_lesson_runs_is_fixed_verified_and_left_from_its_footer(h: Harness) -> None:
    async with h.app.run_test(size=SIZE, message_hook=h.seen.append) as pilot:
        screen = await click_lesson(pilot)
        await click_key(pilot, "run")
        [finished] = h.posted(RunFinished)
        assert finished.summary.verdicts == {"dev-laptop": "passed", "prod-server": "failed-as-expected",
                                     "container": "passed"}
        await click_key(pilot, "verify")
        [before] = h.posted(ChecksVerified)
        assert not before.ok
        await click_key(pilot, "fix_it")
        prod = screen.run.containers["prod-server"] if screen.run else ""
        assert h.shells == [(prod, "prod-server")] and len(h.posted(ShellClosed)) == 1
        assert h.posted(ChecksVerified)[-1].ok
        assert h.store.get("os-skew").steps_done == ("run", "fix")
        await click_key(pilot, "back")
        assert isinstance(h.app.screen, HomeScreen)
        [torn] = h.posted(LessonTornDown)
        assert torn.lesson == "os-skew" and h.fake.containers == {}


@async_test
async def test_the_quiz_is_answered_by_clicking_choices_and_the_score_is_saved(h: Harness) -> None:
    async with h.app.run_test(size=SIZE) as pilot:
        await click_lesson(pilot)
        await click_key(pilot, "quiz")
        quiz = h.app.screen
        assert isinstance(quiz, QuizModal)
        choices = quiz.query_one(OptionList)
        explanation = quiz.query_one("#quiz-explanation", Static)
        wrong = (quiz.question.answer + 1) % len(quiz.question.choices)
        await pilot.click(choices, offset=spot(pilot, choices, option=wrong))
        assert quiz.answered == wrong and "Not quite" in text_of(explanation)
        await pilot.click(choices, offset=spot(pilot, choices, option=0))  # a second click moves on
        assert quiz.index == 1 and quiz.answered is None
        await pilot.click(choices, offset=spot(pilot, choices, option=quiz.question.answer))
        assert "Right" in text_of(explanation)
        await click_key(pilot, "next")  # or the footer's Next
        assert quiz.index == 2
        await pilot.click(choices, offset=spot(pilot, choices, option=quiz.question.answer))
        await click_key(pilot, "next")
        assert isinstance(h.app.screen, NextLessonModal), "then what comes next"
        await click_key(pilot, "stay")
        assert isinstance(h.app.screen, LessonScreen)
        progress = h.store.get("os-skew")
        assert (progress.quiz_score, progress.quiz_total) == (2, 3)
        assert "quiz" in progress.steps_done


@pytest.mark.parametrize(("opening", "modal", "close"), [
    (["help"], HelpModal, "dismiss"),
    (["quiz"], QuizModal, "dismiss_quiz"),
    (["run", "inspect"], DriftModal, "dismiss"),
])
@async_test
async def test_every_modal_closes_with_a_click_on_its_close_key(h: Harness, opening: list[str],
                                                                 modal: type[Screen[object]], close: str) -> None:
    async with h.app.run_test(size=(120, 30)) as pilot:  # wide enough for every key of the lesson
        screen = await click_lesson(pilot)
        for action in opening:
            await click_key(pilot, action)
        assert isinstance(h.app.screen, modal)
        await click_key(pilot, close)
        assert h.app.screen is screen
        assert h.store.get("os-skew").quiz_score is None, "closing the quiz saves no score"


@async_test
async def test_resetting_progress_is_confirmed_by_clicking_yes_or_no(h: Harness) -> None:
    h.store.step_done(h.app.catalog.lessons[0].lesson, "run")  # type: ignore[union-attr]
    async with h.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await click_key(pilot, "forget")
        assert isinstance(h.app.screen, ConfirmModal)
        assert await pilot.click("#no", offset=(2, 1))
        assert isinstance(h.app.screen, HomeScreen)
        assert h.store.get("os-skew").steps_done == ("run",)
        await click_key(pilot, "forget")
        assert await pilot.click("#yes", offset=(2, 1))
        await pilot.pause()
        assert h.store.get("os-skew").steps_done == ()
        assert str(h.app.screen.query_one(Tree).root.children[0].children[0].label).startswith("○")


@async_test
async def test_the_mouse_wheel_scrolls_the_story(h: Harness) -> None:
    async with h.app.run_test(size=(80, 20)) as pilot:
        screen = await click_lesson(pilot)
        story = screen.query_one("#story")
        assert story.max_scroll_y > 0, "the story must be longer than its panel for this test"
        await scroll(pilot, story, events.MouseScrollDown, 3)
        scrolled = story.scroll_y
        assert scrolled > 0
        await scroll(pilot, story, events.MouseScrollUp, 1)
        assert 0 <= story.scroll_y < scrolled


@async_test
async def test_at_80_columns_back_is_one_click_away(h: Harness) -> None:
    async with h.app.run_test(size=(80, 24)) as pilot:
        await click_lesson(pilot)
        bar = h.app.screen.query_one(KeyBar)
        assert all(key.end <= 80 for key in bar.keys), "every key of the lesson's footer is in sight"
        await click_key(pilot, "back")
        assert isinstance(h.app.screen, HomeScreen)


def link_spot(pilot: Pilot[int], widget: Widget, href: str) -> tuple[int, int] | None:
    """A screen cell inside ``widget`` that, clicked, follows the Markdown link ``href``."""
    region = widget.region
    for y in range(region.y, region.bottom):
        for x in range(region.x, region.right):
            click = pilot.app.screen.get_style_at(x, y).meta.get("@click")
            if click and href in str(click):
                return x, y
    return None


@async_test
async def test_the_guide_steps_forward_and_back_by_its_links(h: Harness) -> None:
    async with h.app.run_test(size=SIZE) as pilot:
        screen = await click_lesson(pilot)
        story = screen.query_one("#story")
        for expected, href in ((1, "#next"), (2, "#next"), (1, "#previous")):
            story.scroll_end(animate=False)
            await pilot.pause()
            where = link_spot(pilot, story, href)
            assert where is not None, f"no {href} link in sight"
            await pilot.click(offset=where)
            await pilot.pause()
            assert screen.step == expected


@async_test
async def test_the_key_under_the_mouse_is_highlighted_and_a_gap_runs_nothing(h: Harness) -> None:
    async with h.app.run_test(size=SIZE) as pilot:
        screen = await click_lesson(pilot)
        bar = screen.query_one(KeyBar)
        run = bar.key_for("run")
        assert run is not None
        await pilot.hover(bar, offset=(run.start, 0))
        assert bar.hovered == bar.keys.index(run)
        await pilot.hover(screen.query_one("#story"))
        assert bar.hovered is None
        await pilot.click(bar, offset=(run.end, 0))  # the space between two keys
        await settle(pilot)
        assert screen.run is None and not screen.running
