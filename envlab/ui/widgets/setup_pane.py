"""One live pane per setup: a title with a status badge and duration, over its streamed output."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Self

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.markup import escape
from textual.reactive import reactive
from textual.widgets import Log, Static

from envlab.engine.outcome import VERDICT_LABELS

MAX_LINES = 2000  # a pane never holds more; a flood scrolls through without growing memory

#: Badge text per state; the state is also the pane's CSS class (``-passed``...).
BADGES: dict[str, str] = {
    "idle": "○ not run",
    "waiting": "… waiting",
    "running": "● running",
    **{str(verdict): label for verdict, label in VERDICT_LABELS.items()},
}


#: Theme variables, not colours: the badge follows the theme.
BADGE_STYLE = {
    "running": "$accent", "passed": "$success", "failed-as-expected": "$warning",
    "failed-unexpectedly": "$error", "passed-unexpectedly": "$error",
}


class FollowingLog(Log):
    """A :class:`Log` that stays at its end when it gets shorter while following its output.

    A plain ``Log`` only scrolls on a write when it is already at its end, so a panel growing above
    it (the live picture of a scenario lesson) would leave it stuck part-way. A learner who scrolled
    up to read stays where they are.
    """

    following = True

    def write_lines(self, lines: Iterable[str], scroll_end: bool | None = None) -> Self:
        super().write_lines(lines, scroll_end)
        self.following = self.is_vertical_scroll_end
        return self

    def on_resize(self) -> None:
        if self.following:
            self.scroll_end(animate=False, immediate=True, x_axis=False)


class SetupPane(Vertical):
    """The output of one bare host or of the containerized fix.

    The lesson screen sets :attr:`state` and :attr:`duration` and appends batches of lines; the pane
    only draws them.
    """

    state: reactive[str] = reactive("idle")
    duration: reactive[float | None] = reactive(None)
    reason: reactive[str] = reactive("")

    def __init__(self, setup: str, title: str, kind: str, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="setup-pane -idle")
        self.setup = setup
        self.title_text = title
        self.kind = kind

    def compose(self) -> ComposeResult:
        yield Static(id="pane-title", classes="pane-title")
        yield FollowingLog(max_lines=MAX_LINES, highlight=False, auto_scroll=True)

    def on_mount(self) -> None:
        self._draw_title()

    @property
    def output(self) -> Log:
        """The pane's output log."""
        return self.query_one(Log)

    @property
    def lines(self) -> list[str]:
        """Every line the pane currently shows."""
        return list(self.output.lines)

    def append(self, lines: list[str]) -> None:
        """Add a batch of lines at once (one refresh, however many lines)."""
        if lines:
            self.output.write_lines(lines)

    def clear(self) -> None:
        """Forget the output and the verdict."""
        self.output.clear()
        self.state, self.duration, self.reason = "waiting", None, ""

    def watch_state(self, old: str, new: str) -> None:
        self.remove_class(f"-{old}")
        self.add_class(f"-{new}")
        self._draw_title()

    def watch_duration(self) -> None:
        self._draw_title()

    def _draw_title(self) -> None:
        if not self.is_mounted:
            return
        took = f" {self.duration:.1f}s" if self.duration is not None else ""
        what = self.kind  # host, fix or topology
        badge = BADGES.get(self.state, self.state)
        if self.state in BADGE_STYLE:
            badge = f"[{BADGE_STYLE[self.state]}]{badge}[/]"
        self.query_one("#pane-title", Static).update(
            f"[b]{escape(self.setup)}[/b] [dim]{what}[/dim] · {badge}{took}"
        )
        self.tooltip = f"{self.title_text}\n{self.reason}" if self.reason else self.title_text
