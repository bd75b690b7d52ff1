"""The lesson guide: the steps a learner walks through, each as the Markdown shown beside the panes."""

from __future__ import annotations

from dataclasses import dataclass

from envlab.lessons.model import Lesson
from envlab.lessons.text import pick


@dataclass(frozen=True)
class GuideStep:
    """One step of a lesson as the guide presents it."""

    key: str  # "story", "watch", "fix" or "quiz"
    title: str


def guide_steps(lesson: Lesson) -> list[GuideStep]:
    """The story, watching the run, then the challenge and the quiz when the lesson has them."""
    steps = [GuideStep("story", "The story"), GuideStep("watch", "Watch the run")]
    if lesson.challenge:
        steps.append(GuideStep("fix", "Fix it yourself"))
    if lesson.quiz:
        steps.append(GuideStep("quiz", "Check your understanding"))
    return steps


def guide_text(lesson: Lesson, lang: str, *, step: int, hints_shown: int = 0) -> str:
    """The Markdown of step number ``step`` (counting from 0) of ``lesson``'s guide."""
    steps = guide_steps(lesson)
    current = steps[max(0, min(step, len(steps) - 1))]
    body = {"story": _story, "watch": _watch, "fix": _fix, "quiz": _quiz}[current.key](lesson, lang, hints_shown)
    where = f"**Step {steps.index(current) + 1} of {len(steps)} · {current.title}**"
    after = "" if current is steps[-1] else f"\n\n---\n\n**n**: next step ({steps[steps.index(current) + 1].title})"
    return f"{where}\n\n{body}{after}"


def _story(lesson: Lesson, lang: str, _hints: int) -> str:
    text = pick(lesson.narrative, lang)
    if lesson.goals:
        text += "\n\n### Goals\n\n" + "\n".join(f"- {pick(goal, lang)}" for goal in lesson.goals)
    return text


def _watch(lesson: Lesson, lang: str, _hints: int) -> str:
    hosts = ", ".join(f"`{h.name}`" for h in lesson.hosts) or "no bare host"
    fix = f" and the containerized fix `{lesson.fix.name}`" if lesson.fix else ""
    return (
        f"Press **r**: {hosts}{fix} start side by side on real containers, and each pane on the "
        "right streams what its setup does.\n\n"
        "- A badge says how each setup ended: **passed**, **failed as expected** (the lesson's "
        "point), or **failed unexpectedly** (something else went wrong: read the pane).\n"
        "- Press **i** to inspect the drift: what differs between the setups, and what they share.\n"
        "- The checks under this guide show how each setup looks from outside."
    )


def _fix(lesson: Lesson, lang: str, hints: int) -> str:
    challenge = lesson.challenge
    assert challenge is not None
    text = (f"{pick(challenge.task, lang)}\n\n"
            f"Press **f** for a shell inside `{challenge.target}` (type `exit` to come back), "
            "then **v** to verify. **h** shows a hint.")
    shown = lesson.hints[:hints]
    if shown:
        text += "\n\n### Hints\n\n" + "\n".join(f"{i}. {pick(h, lang)}" for i, h in enumerate(shown, 1))
    return text


def _quiz(lesson: Lesson, lang: str, _hints: int) -> str:
    count = len(lesson.quiz)
    return (f"Press **t** for the quiz: {count} question"
            f"{'s' if count != 1 else ''}, one at a time, each explained after you answer. "
            "Your score is saved.")
