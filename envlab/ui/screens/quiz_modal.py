"""The quiz: one question at a time, the explanation after each answer, the score at the end."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList, Static

from envlab.lessons.model import QuizQuestion
from envlab.lessons.text import pick
from envlab.ui.inline import inline_markup
from envlab.ui.strings import t
from envlab.ui.widgets.fit_text import FitText
from envlab.ui.widgets.key_bar import KeyBar


class QuizModal(ModalScreen[tuple[int, int] | None]):
    """Asks each question; dismisses with ``(score, total)``, or ``None`` if the learner leaves early.

    Choosing an option (Enter or a click) answers; choosing again (or ``n``) moves to the next question.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "next", "Next"),
        Binding("escape", "dismiss_quiz", "Close"),
    ]

    def __init__(self, questions: list[QuizQuestion], lang: str) -> None:
        super().__init__()
        self.questions = questions
        self.lang = lang
        self.index = 0
        self.score = 0
        self.answered: int | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="quiz"):  # a long explanation scrolls (Tab, then the arrows)
            yield Label(id="quiz-progress")
            yield FitText(id="quiz-question")
            yield OptionList(id="quiz-choices")
            yield FitText(id="quiz-explanation")
            yield Label(t("quiz_keys", self.lang), id="quiz-keys")
        yield KeyBar()  # the screen below is covered: this modal's own keys, clickable

    def on_mount(self) -> None:
        self._ask()

    @property
    def question(self) -> QuizQuestion:
        return self.questions[self.index]

    def _ask(self) -> None:
        self.answered = None
        self.query_one("#quiz-progress", Label).update(t("question_of", self.lang, n=self.index + 1,
                                                          total=len(self.questions)))
        self.query_one("#quiz-question", Static).update(inline_markup(pick(self.question.question, self.lang)))
        choices = self.query_one(OptionList)
        choices.clear_options()
        choices.add_options([inline_markup(pick(c, self.lang)) for c in self.question.choices])
        choices.highlighted = 0
        choices.focus()
        explanation = self.query_one("#quiz-explanation", Static)
        explanation.update("")
        explanation.display = False

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if self.answered is None:
            self.answer(event.option_index)
        else:
            self.action_next()

    def answer(self, choice: int) -> None:
        """Record ``choice`` for the current question and explain the right answer."""
        self.answered = choice
        right = choice == self.question.answer
        self.score += right
        answer = inline_markup(pick(self.question.choices[self.question.answer], self.lang))
        verdict = (f"[$success]{t('right', self.lang)}[/]" if right
                   else f"[$error]{t('not_quite', self.lang, answer=answer)}[/]")
        explanation = self.query_one("#quiz-explanation", Static)
        explanation.update(f"{verdict}\n\n{inline_markup(pick(self.question.explanation, self.lang))}")
        explanation.display = True

    def action_next(self) -> None:
        if self.answered is None:
            self.notify(t("choose_answer", self.lang))
            return
        if self.index + 1 >= len(self.questions):
            self.dismiss((self.score, len(self.questions)))
            return
        self.index += 1
        self._ask()

    def action_dismiss_quiz(self) -> None:
        self.dismiss(None)
