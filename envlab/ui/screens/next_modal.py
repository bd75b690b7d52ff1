"""After the quiz: what comes next in the course, offered with one key."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from envlab.engine.progress import LessonProgress, first_unfinished
from envlab.lessons.catalog import Catalog
from envlab.lessons.model import Lesson
from envlab.lessons.text import pick
from envlab.ui.inline import inline_markup
from envlab.ui.screens.home_screen import chapter_label
from envlab.ui.strings import t
from envlab.ui.widgets.key_bar import KeyBar


@dataclass(frozen=True)
class NextOffer:
    """What to offer after ``current``'s quiz.

    Attributes:
        lesson: The lesson Enter opens: the first unfinished one after ``current``, else one left open
            before it; ``None`` when no other lesson is unfinished (the course's end).
        finished_chapter: ``current``'s chapter, when every lesson of it is now done and the offer leaves it.
        earlier: The offered lesson comes before ``current`` (left open earlier).
        new_chapter: The offered lesson is in another chapter than ``current``.
        current_done: Every step of ``current`` is done.
    """

    lesson: Lesson | None
    finished_chapter: int | None
    earlier: bool
    new_chapter: bool
    current_done: bool


def what_next(lessons: Sequence[Lesson], records: Mapping[str, LessonProgress], current: Lesson) -> NextOffer:
    """The next step of the course after ``current``, in curriculum order, from the learner's ``records``."""
    def done(lesson: Lesson) -> bool:
        record = records.get(lesson.id)
        return record is not None and record.state(lesson) == "done"

    offered = first_unfinished(lessons, records, after=current.id)
    ids = [lesson.id for lesson in lessons]
    earlier = offered is not None and current.id in ids and ids.index(offered.id) < ids.index(current.id)
    chapter_done = all(done(lesson) for lesson in lessons if lesson.chapter == current.chapter)
    leaves = offered is None or offered.chapter != current.chapter
    return NextOffer(offered, current.chapter if chapter_done and leaves else None, earlier,
                     offered is not None and offered.chapter != current.chapter, done(current))


class NextLessonModal(ModalScreen[str | None]):
    """Says what comes next; dismisses with the lesson to open (Enter), or ``None`` to stay (Esc)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "follow", "Open it"),
        Binding("escape", "stay", "Stay here"),
    ]

    def __init__(self, offer: NextOffer, catalog: Catalog | None, lang: str) -> None:
        super().__init__()
        self.offer = offer
        self.catalog = catalog
        self.lang = lang

    def compose(self) -> ComposeResult:
        with Vertical(id="next"):
            yield Label(t("next_title", self.lang), id="next-title")
            yield Static(self.text(), id="next-text")
            keys = "next_keys" if self.offer.lesson is not None else "next_keys_end"
            yield Label(t(keys, self.lang), id="next-keys")
        yield KeyBar()  # the lesson below is covered: this modal's own keys, clickable

    def text(self) -> str:
        """What the modal says, as markup."""
        offer, lang = self.offer, self.lang
        lines = []
        if offer.finished_chapter is not None:
            lines += [t("next_chapter_done", lang, chapter=chapter_label(self.catalog, offer.finished_chapter, lang)),
                      ""]
        lesson = offer.lesson
        if lesson is None:
            lines.append(t("next_course_done" if offer.current_done else "next_only_this", lang))
            return "\n".join(lines)
        if offer.earlier:
            lead = t("next_earlier", lang)
        elif offer.new_chapter:
            lead = t("next_in_chapter", lang, chapter=chapter_label(self.catalog, lesson.chapter, lang))
        else:
            lead = t("next_up", lang)
        lines += [lead, f"[b $primary]{inline_markup(pick(lesson.title, lang))}[/]",
                  inline_markup(pick(lesson.summary, lang))]
        return "\n".join(lines)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """At the course's end there is nothing to open."""
        return self.offer.lesson is not None if action == "follow" else True

    def action_follow(self) -> None:
        if self.offer.lesson is not None:
            self.dismiss(self.offer.lesson.id)

    def action_stay(self) -> None:
        self.dismiss(None)
