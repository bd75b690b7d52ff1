"""The lesson guide: the steps a learner walks through, each as the Markdown shown beside the panes."""

from __future__ import annotations

from dataclasses import dataclass

from envlab.lessons.model import Lesson, ScenarioLesson
from envlab.lessons.scenario import ConsoleChallenge
from envlab.lessons.text import pick
from envlab.ui.strings import t


@dataclass(frozen=True)
class GuideStep:
    """One step of a lesson as the guide presents it."""

    key: str  # "story", "watch", "fix" or "quiz"

    def title(self, lang: str) -> str:
        """The step's name in ``lang``."""
        return t(f"step_{self.key}", lang)


def guide_steps(lesson: Lesson) -> list[GuideStep]:
    """The story, watching the run, then the challenge and the quiz when the lesson has them."""
    challenge = lesson.challenge is not None
    keys = ["story", "watch", *(["fix"] if challenge else []), *(["quiz"] if lesson.quiz else [])]
    return [GuideStep(key) for key in keys]


def hint_step(lesson: Lesson) -> str:
    """The step that shows the hints taken so far: the challenge's, or watching the run in a lesson without one
    (a scenario lesson's hints are about what its run shows)."""
    return "fix" if any(step.key == "fix" for step in guide_steps(lesson)) else "watch"


def guide_text(lesson: Lesson, lang: str, *, step: int, hints_shown: int = 0) -> str:
    """The Markdown of step number ``step`` (counting from 0) of ``lesson``'s guide."""
    steps = guide_steps(lesson)
    index = max(0, min(step, len(steps) - 1))
    current = steps[index]
    body = {"story": _story, "watch": _watch, "fix": _fix, "quiz": _quiz}[current.key](lesson, lang, hints_shown)
    where = t("step_of", lang, n=index + 1, total=len(steps), title=current.title(lang))
    # The links take a mouse user where the n and p keys take the keyboard (#next and #previous).
    moves = [t("previous_step", lang, title=steps[index - 1].title(lang))] if index > 0 else []
    if index < len(steps) - 1:
        moves.append(t("next_step", lang, title=steps[index + 1].title(lang)))
    after = "\n\n---\n\n" + "\n\n".join(moves) if moves else ""
    return f"**{where}**\n\n{body}{after}"


def _story(lesson: Lesson, lang: str, _hints: int) -> str:
    text = pick(lesson.narrative, lang)
    if lesson.goals:
        text += f"\n\n### {t('goals', lang)}\n\n" + "\n".join(f"- {pick(goal, lang)}" for goal in lesson.goals)
    return text


def _watch(lesson: Lesson, lang: str, hints: int) -> str:
    if isinstance(lesson, ScenarioLesson):  # replicas, phases and traffic instead of hosts
        text = t("watch_scenario", lang)
        if lesson.kubernetes is not None:
            text += "\n" + t("kubernetes_key", lang)
    else:
        setups = ", ".join(f"`{h.name}`" for h in lesson.hosts)
        if lesson.fix:
            setups = t("and_fix", lang, hosts=setups, fix=lesson.fix.name) if setups else f"`{lesson.fix.name}`"
        text = t("watch_body", lang, setups=setups)
    if hint_step(lesson) != "watch" or not lesson.hints:
        return text
    return f"{text}\n\n{t('hint_key', lang)}{_hints(lesson, lang, hints)}"


def _fix(lesson: Lesson, lang: str, hints: int) -> str:
    challenge = lesson.challenge
    assert challenge is not None
    if isinstance(challenge, ConsoleChallenge):
        keys = t("console_keys", lang, check=challenge.check.name)
    else:
        keys = t("fix_keys", lang, target=challenge.target)
    return f"{pick(challenge.task, lang)}\n\n{keys}{_hints(lesson, lang, hints)}"


def _hints(lesson: Lesson, lang: str, hints: int) -> str:
    """The first ``hints`` hints as a numbered section, or nothing before the first is taken."""
    shown = lesson.hints[:hints]
    if not shown:
        return ""
    return f"\n\n### {t('hints', lang)}\n\n" + "\n".join(f"{i}. {pick(h, lang)}" for i, h in enumerate(shown, 1))


def _quiz(lesson: Lesson, lang: str, _hints: int) -> str:
    return t("quiz_body", lang, count=len(lesson.quiz))
