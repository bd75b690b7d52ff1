"""The result of the lesson's checks: which passed, and why each of the others failed."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.markup import escape

from envlab.engine.describe import visible
from envlab.engine.events import CheckFinished
from envlab.engine.wording import say
from envlab.lessons.model import DriftLesson
from envlab.lessons.text import pick
from envlab.ui.inline import inline_markup
from envlab.ui.strings import t
from envlab.ui.widgets.fit_text import FitText


class ChecksPanel(VerticalScroll):
    """Shows a list of :class:`CheckFinished` with each check's title and explanation.

    The box is as tall as the checks up to its maximum; beyond that it scrolls (it takes focus, so
    Tab then the arrows or PageDown reach a failed check's why, as the wheel does).
    """

    def compose(self) -> ComposeResult:
        yield FitText(id="checks-text")

    @property
    def text(self) -> str:
        """What the box says, without its styles."""
        return str(self.query_one("#checks-text", FitText).visual)

    def show(self, results: list[CheckFinished], lesson: DriftLesson, lang: str, *, heading: str) -> None:
        """Draw ``results``; a failed check says why, then what the lesson explains about it."""
        checks = {c.name: c for c in lesson.checks}
        order = {name: index for index, name in enumerate(checks)}
        lines = [f"[b]{escape(heading)}[/b]"]
        # In the lesson's order: setups finish (and their checks run) in whatever order they like.
        for result in sorted(results, key=lambda r: order.get(r.check, len(order))):
            check = checks.get(result.check)
            title = inline_markup(pick(check.title, lang)) if check and check.title else escape(result.check)
            # A check that must hold through the fix says so: the learner must not break it on the way.
            both = f" [dim]· {escape(t('holds_both', lang))}[/dim]" if check and lesson.holds(check) == "both" else ""
            if result.passed:
                lines.append(f"[$success]✓[/] {title} [dim]({result.target})[/dim]{both}")
                continue
            lines.append(f"[$error]✗[/] {title} [dim]({result.target})[/dim]{both}")
            lines.append(f"    [dim]{t('why', lang)}[/dim] {escape(visible(say(result.detail, lang)))}")
            if check and check.explain:
                lines.append(f"    [i]{inline_markup(pick(check.explain, lang))}[/i]")
        self.query_one("#checks-text", FitText).update("\n".join(lines))
        self.display = True
        self.scroll_home(animate=False)
