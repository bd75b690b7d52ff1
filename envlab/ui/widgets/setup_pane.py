"""One live pane per setup: a title with a status badge and duration, over its streamed output."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from typing import Self

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.markup import escape
from textual.reactive import reactive
from textual.widgets import Log, Static

from envlab.engine.outcome import VERDICT_LABELS
from envlab.engine.wording import say
from envlab.ui.linebreak import line_spans, wrap
from envlab.ui.strings import t

MAX_LINES = 2000  # a pane never holds more; a flood scrolls through without growing memory

#: The states before a verdict; the state is also the pane's CSS class (``-passed``...).
STATES = ("idle", "waiting", "running")


def badge(state: str, lang: str) -> str:
    """A pane's badge in ``lang``: ``○ not run``, ``● running``, the verdict (``✓ failed as expected``)…"""
    if state in STATES:
        return t(f"badge_{state}", lang)
    labels: dict[str, str] = {str(verdict): label for verdict, label in VERDICT_LABELS.items()}
    return say(labels[state], lang) if state in labels else state


#: Theme variables, not colours: the badge follows the theme.
BADGE_STYLE = {
    "running": "$accent", "passed": "$success", "failed-as-expected": "$warning",
    "failed-unexpectedly": "$error", "passed-unexpectedly": "$error",
}


def wrap_output(line: str, width: int) -> list[str]:
    """``line`` in rows of ``width`` cells; the rows that go on from the first keep its indent, plus two."""
    if width <= 0 or cell_len(line) <= width:
        return [line]
    spans = list(line_spans(line, width))
    if len(spans) == 1:
        return [line]
    indent = " " * min(len(line) - len(line.lstrip(" ")) + 2, width // 2)
    return [line[:spans[0][1]], *(indent + row for row in wrap(line[spans[1][0]:], width - len(indent)))]


class FollowingLog(Log):
    """A :class:`Log` that wraps what it shows and stays at its end while following its output.

    A setup's output is read (and its commands copied), so a long line is wrapped to the pane's width,
    never cut; the lines as written are kept in :attr:`written` and wrapped again when the pane's width
    changes.

    A plain ``Log`` only scrolls on a write when it is already at its end, so a panel growing above
    it (the live picture of a scenario lesson) would leave it stuck part-way. A learner who scrolled
    up to read stays where they are.
    """

    following = True

    def __init__(self, *, max_lines: int, highlight: bool = False, auto_scroll: bool = True) -> None:
        super().__init__(max_lines=max_lines, highlight=highlight, auto_scroll=auto_scroll)
        self.written: deque[str] = deque(maxlen=max_lines)
        self._wrapped_at = 0

    @property
    def wrap_width(self) -> int:
        """The cells a row may take: the pane's width less its gutter and a column for the scrollbar."""
        return self.size.width - self.styles.gutter.width - self.styles.scrollbar_size_vertical

    def write_lines(self, lines: Iterable[str], scroll_end: bool | None = None) -> Self:
        lines = list(lines)
        self.written.extend(lines)
        width = self._wrapped_at = self.wrap_width
        rows = [row for line in lines for row in wrap_output(line, width)] if width > 0 else lines
        super().write_lines(rows, scroll_end)
        self.following = self.is_vertical_scroll_end
        return self

    def clear(self) -> Self:
        self.written.clear()
        return super().clear()

    def on_resize(self) -> None:
        if self.wrap_width != self._wrapped_at and self.written:
            written = list(self.written)
            super().clear()
            self.written.clear()
            self.write_lines(written, scroll_end=False)
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

    def __init__(self, setup: str, title: str, kind: str, lang: str, *, label: str | None = None,
                 id: str | None = None) -> None:
        """``setup`` is the setup's name, shown unless a ``label`` to show is given."""
        super().__init__(id=id, classes="setup-pane -idle")
        self.setup = setup
        self.label = label or setup
        self.title_text = title
        self.kind = kind
        self.lang = lang

    def compose(self) -> ComposeResult:
        yield Static(id="pane-title", classes="pane-title")
        yield FollowingLog(max_lines=MAX_LINES, highlight=False, auto_scroll=True)

    def on_mount(self) -> None:
        self._draw_title()

    @property
    def output(self) -> FollowingLog:
        """The pane's output log."""
        return self.query_one(FollowingLog)

    @property
    def lines(self) -> list[str]:
        """Every line the pane holds, as written (the pane shows them wrapped to its width)."""
        return list(self.output.written)

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
        if not self.query("#pane-title"):
            return  # not composed yet: on_mount draws it
        took = f" {self.duration:.1f}s" if self.duration is not None else ""
        what = t(f"pane_{self.kind}", self.lang)  # host, fix or topology
        shown = escape(badge(self.state, self.lang))
        if self.state in BADGE_STYLE:
            shown = f"[{BADGE_STYLE[self.state]}]{shown}[/]"
        self.query_one("#pane-title", Static).update(
            f"[b]{escape(self.label)}[/b] [dim]{what}[/dim] · {shown}{took}"
        )
        self.tooltip = f"{self.title_text}\n{self.reason}" if self.reason else self.title_text
