"""The live state of a scenario lesson: replicas and their health, traffic per second, replicas over time."""

from __future__ import annotations

from collections.abc import Iterable

from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.markup import escape
from textual.widgets import Static

from envlab.engine.events import Event
from envlab.engine.live import LiveState, ReplicaView, bar, sparkline

#: Mark and theme variable per replica state: colour says up or not, the mark says it without colour.
LOOKS = {
    "starting": ("◌", "$accent"),
    "running": ("●", "$success"),
    "healthy": ("●", "$success"),
    "unhealthy": ("◍", "$warning"),
    "paused": ("‖", "$warning"),
    "stopping": ("◍", "$warning"),
    "dead": ("✗", "$error"),
    "stopped": ("○", "$text-muted"),
    "removed": ("○", "$text-muted"),
}
LABEL = 9  # width of the charts' label column
VALUE = 12  # width of the charts' value column


def chip(replica: ReplicaView) -> tuple[str, int]:
    """``● shop-2 healthy ↻1``: one replica, its state and how often it came back; and its width."""
    mark, colour = LOOKS.get(replica.state, ("?", "$text"))
    back = f" ↻{replica.restarts}" if replica.restarts else ""
    text = f"{mark} {replica.label} {replica.state}{back}"
    return f"[{colour}]{escape(text)}[/]", len(text)


def flow(head: str, head_width: int, chips: list[tuple[str, int]], width: int) -> list[str]:
    """Lay chips out after ``head``, breaking between chips (never inside one) to fit ``width``."""
    lines, line, used, fresh = [], head, head_width, False
    for text, size in chips:
        if not fresh and used > head_width and used + 2 + size > width:
            lines.append(line)
            line, used, fresh = "  ", 2, True
        line, used, fresh = f"{line}{'' if fresh else '  '}{text}", used + (0 if fresh else 2) + size, False
    return [*lines, line]


class LivePanel(Vertical):
    """What a scenario lesson's containers and traffic are doing, redrawn as events arrive.

    The lesson's panes hand it the run's events in batches (:meth:`apply`); it folds them into a
    :class:`LiveState` and redraws at most once per batch. Everything shown comes from the Docker
    events stream and the traffic generator's record.
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.state = LiveState()

    def compose(self) -> ComposeResult:
        yield Static(id="live-phase")
        yield Static(id="live-replicas")
        yield Static(id="live-charts")

    def on_mount(self) -> None:
        self.border_title = "live"
        self.draw()

    def on_resize(self, event: events.Resize) -> None:
        self.draw()  # the charts keep as many seconds as fit

    def apply(self, batch: Iterable[Event]) -> None:
        """Fold a batch of events in; redraw once if any of them changed the picture."""
        changed = False
        for event in batch:
            changed = self.state.apply(event) or changed
        if changed:
            self.draw()

    def clear(self) -> None:
        """Forget the previous run."""
        self.state = LiveState()
        self.draw()

    # drawing ------------------------------------------------------------------------------------
    def draw(self) -> None:
        if not self.is_mounted:
            return
        self.query_one("#live-phase", Static).update(self._phase())
        self.query_one("#live-replicas", Static).update(self._replicas())
        self.query_one("#live-charts", Static).update(self._charts())

    def _phase(self) -> str:
        state = self.state
        if state.phase_index < 0:
            starting = bool(state.services)
            return "[b]starting the services…[/b]" if starting else "[dim]press r to start the services[/dim]"
        line = f"[b]phase {state.phase_index + 1}: {escape(state.phase)}[/b] · t={state.clock:.0f}s"
        if state.last_fault is not None:
            fault = state.last_fault
            line += f"  [$error]⚡ {fault.action} {escape(fault.replica)} at {fault.at:.1f}s[/]"
        if state.last_decision is not None:
            d = state.last_decision
            line += f"  [$accent]autoscaler: {d.observed:g} req/s → {d.desired} replicas[/]"
        return line

    def _replicas(self) -> str:
        rows = []
        width = max(20, self.content_size.width)
        for service in self.state.services.values():
            up = self.state.up(service.name)
            colour = "$success" if up >= service.desired else "$warning"
            counts = f"{up}/{service.desired} up"
            head = f"[b]{escape(service.name)}[/b] [{colour}]{counts}[/]"
            chips = [chip(r) for r in self.state.of(service.name)]
            rows += flow(head, len(service.name) + 1 + len(counts), chips, width)
        return "\n".join(rows) or "[dim]no services yet[/dim]"

    def _charts(self) -> str:
        state = self.state
        if not state.seconds:
            return "[dim]traffic: none yet[/dim]"
        width = max(8, self.content_size.width - LABEL - VALUE - 1)
        seconds = list(state.seconds)[-width:]
        desired = state.desired(state.balanced) or max(s.running for s in seconds)
        errors = [s.errors for s in seconds]
        running = [s.running for s in seconds]
        share = state.errors / state.requests if state.requests else 0.0
        rows = [
            self._row("req/s", f"[$accent]{sparkline([s.requests for s in seconds], 0)}[/]",
                      f"{state.rate()}/s"),
            self._row("errors", f"[$error]{sparkline(errors, 0)}[/]", f"{state.errors} ({share:.1%})"),
            self._row("replicas", f"[{'$success' if min(running) >= desired else '$warning'}]"
                      f"{sparkline(running, desired)}[/]", f"{running[-1]} of {desired}"),
        ]
        if state.lost:
            rows.append(self._row("logged out", "", f"[$warning]{state.lost} requests lost the session[/]"))
        total = sum(state.answered.values())
        for replica, count in sorted(state.answered.items()):
            rows.append(self._row(replica, f"[$primary]{bar(count / total, width)}[/]", f"{count / total:.0%}"))
        return "\n".join(rows)

    @staticmethod
    def _row(label: str, chart: str, value: str) -> str:
        padded = escape(label[:LABEL - 1].ljust(LABEL))
        return f"[b]{padded}[/b]{chart} {value}"

