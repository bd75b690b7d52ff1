"""Inline Markdown in lesson texts outside the guide: styled in a Static, dropped where only plain text fits."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from textual.content import Content
from textual.widgets import Static

from envlab.lessons.catalog import Catalog, load_catalog
from envlab.lessons.text import SUPPORTED_LANGUAGES, pick
from envlab.ui.inline import CODE_STYLE, inline_markup, inline_plain
from envlab.ui.screens.home_screen import HomeScreen
from envlab.ui.screens.quiz_modal import QuizModal
from tests.ui.support import async_test, build, one_lesson, settle, wait_until


def os_skew_with(**fields: Any) -> Catalog:
    """The os-skew lesson with some of its texts written otherwise."""
    loaded = one_lesson().lessons[0]
    return Catalog(lessons=[dataclasses.replace(loaded, lesson=loaded.lesson.model_copy(update=fields))])


def test_code_bold_emphasis_and_links_become_markup() -> None:
    assert inline_markup("Use `tomllib` on **Python 3.11**") == (
        f"Use [{CODE_STYLE}]tomllib[/] on [b]Python 3.11[/]")
    assert inline_markup("*only* the _session_ [docs](https://example.invalid/x)") == (
        "[i]only[/] the [i]session[/] [u]docs[/]")
    assert inline_markup("**bold `code`**") == f"[b]bold [{CODE_STYLE}]code[/][/]"


def test_what_is_not_markdown_stays_as_written_and_markup_is_escaped() -> None:
    assert inline_plain("final_running and snake_case_names, 2 * 3 * 4") == (
        "final_running and snake_case_names, 2 * 3 * 4")
    assert inline_plain(r"\*not emphasis\*") == "*not emphasis*"
    assert inline_markup("[b]not bold[/b] `[i]`") == rf"\[b]not bold\[/b] [{CODE_STYLE}]\[i][/]"
    assert Content.from_markup(inline_markup("[b]x `[y]`")).plain == "[b]x [y]"


def test_plain_text_drops_the_markers() -> None:
    assert inline_plain("Run `envlab doctor`, **then** press *r*") == "Run envlab doctor, then press r"
    assert inline_plain("``a `tick` inside``") == "a `tick` inside"


def test_no_lesson_text_shown_outside_the_guide_keeps_a_backtick_or_two_stars() -> None:
    """Every summary, goal and quiz text of the course reads without Markdown markers once converted."""
    for loaded in load_catalog().lessons:
        lesson = loaded.lesson
        texts = [lesson.title, lesson.summary, *lesson.goals]
        for question in lesson.quiz:
            texts += [question.question, question.explanation, *question.choices]
        for text in texts:
            for lang in SUPPORTED_LANGUAGES:
                shown = Content.from_markup(inline_markup(pick(text, lang))).plain
                assert "`" not in shown and "**" not in shown, (lesson.id, shown)


@async_test
async def test_home_shows_a_summary_with_code_styled_and_no_backticks(tmp_path: Path) -> None:
    h = build(tmp_path, catalog=os_skew_with(summary="Reads its settings with `tomllib`, **new** in Python 3.11."))
    async with h.app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = h.app.screen
        assert isinstance(screen, HomeScreen)
        detail = screen.query_one("#lesson-detail", Static)
        await wait_until(pilot, lambda: "tomllib" in str(detail.content))
        content = detail.visual
        assert isinstance(content, Content)
        assert "Reads its settings with tomllib, new in Python 3.11." in content.plain
        styled = {(content.plain[span.start:span.end], str(span.style)) for span in content.spans}
        assert {("tomllib", CODE_STYLE), ("new", "b")} <= styled


@async_test
async def test_a_quiz_question_and_its_explanation_render_their_markdown(tmp_path: Path) -> None:
    first = one_lesson().lessons[0].lesson.quiz[0]
    question = first.model_copy(update={"question": "Which module is `tomllib`?",
                                        "explanation": "It is **standard** since 3.11."})
    h = build(tmp_path, catalog=os_skew_with(quiz=[question]))
    async with h.app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("t")
        await wait_until(pilot, lambda: isinstance(h.app.screen, QuizModal))
        modal = h.app.screen
        shown = modal.query_one("#quiz-question", Static).visual
        assert isinstance(shown, Content) and shown.plain == "Which module is tomllib?"
        await pilot.press("enter")
        await settle(pilot)
        explained = modal.query_one("#quiz-explanation", Static).visual
        assert isinstance(explained, Content)
        assert explained.plain.endswith("It is standard since 3.11.")
