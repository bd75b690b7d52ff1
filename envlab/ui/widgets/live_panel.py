"""The live state of a scenario lesson: replicas and their health, traffic per second, replicas over time."""

from __future__ import annotations

from collections.abc import Iterable

from rich.cells import cell_len
from textual import events
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.markup import escape
from textual.reactive import reactive
from textual.widgets import Static

from envlab.engine.describe import server_status
from envlab.engine.events import Event
from envlab.engine.scenario.live import LiveState, ReplicaView, bar, sparkline
from envlab.engine.wording import Words, say
from envlab.ui.strings import t
from envlab.ui.widgets.fit_text import FitText

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


class LivePanel(VerticalScroll):
    """What a scenario lesson's containers and traffic are doing, redrawn as events arrive.

    The lesson's panes hand it the run's events in batches (:meth:`apply`); it folds them into a
    :class:`LiveState` and redraws at most once per batch. Everything shown comes from the Docker
    events stream and the traffic generator's record. Replica states keep Docker's own words
    (healthy, dead...), as ``docker ps`` shows them, in every language.
    """

    #: The learner's language; the screen sets it, and the panel redraws.
    lang: reactive[str] = reactive("en", init=False)

    def __init__(self, lang: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.set_reactive(LivePanel.lang, lang)
        self.state = LiveState()

    def compose(self) -> ComposeResult:
        yield FitText(id="live-phase")
        yield FitText(id="live-replicas")
        yield FitText(id="live-servers")
        yield FitText(id="live-charts")

    def on_mount(self) -> None:
        self.draw()

    def watch_lang(self) -> None:
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
        self.border_title = t("live_title", self.lang)
        self.query_one("#live-phase", Static).update(self._phase())
        self.query_one("#live-replicas", Static).update(self._replicas())
        servers = self.query_one("#live-servers", Static)
        servers.display = bool(self.state.servers)
        servers.update(self._servers())
        self.query_one("#live-charts", Static).update(self._charts())

    def _phase(self) -> str:
        state, lang = self.state, self.lang
        if state.phase_index < 0:
            if state.services:
                return f"[b]{t('live_starting', lang)}[/b]"
            return f"[dim]{t('live_press_r', lang)}[/dim]"
        phase = t("live_phase", lang, n=state.phase_index + 1, name=escape(state.phase))
        line = f"[b]{phase}[/b] · t={state.clock:.0f}s"
        if state.last_fault is not None:
            fault = state.last_fault
            said = t("live_fault", lang, action=fault.action, replica=escape(fault.replica), at=f"{fault.at:.1f}")
            line += f"  [$error]{said}[/]"
        if state.last_server_fault is not None:
            hit = state.last_server_fault
            said = t("live_server_fault", lang, server=escape(hit.server), at=f"{hit.at:.1f}",
                     action=say(Words(f"fault.{hit.action}"), lang))
            line += f"  [$error]{said}[/]"
        if state.last_decision is not None:
            d = state.last_decision
            line += f"  [$accent]{t('live_autoscaler', lang, observed=f'{d.observed:g}', desired=d.desired)}[/]"
        return line

    def _replicas(self) -> str:
        rows = []
        width = max(20, self.content_size.width)
        for service in self.state.services.values():
            up = self.state.up(service.name)
            colour = "$success" if up >= service.desired else "$warning"
            counts = t("live_up", self.lang, up=up, desired=service.desired)
            head = f"[b]{escape(service.name)}[/b] [{colour}]{counts}[/]"
            chips = [chip(r) for r in self.state.of(service.name)]
            rows += flow(head, cell_len(service.name) + 1 + cell_len(counts), chips, width)
        return "\n".join(rows) or f"[dim]{t('live_no_services', self.lang)}[/dim]"

    def _servers(self) -> str:
        """One row per server: its state in the swarm, then the replicas running on it (who runs where)."""
        rows = []
        width = max(20, self.content_size.width)
        for name, status, replicas in self.state.servers:
            word = server_status(status, self.lang)
            colour = {"ready": "$success", "drained": "$warning"}.get(status, "$error")
            head = f"[b]▣ {escape(name)}[/b] [{colour}]{escape(word)}[/]"
            chips = [(escape(label), cell_len(label)) for label in replicas] or [
                (f"[dim]{t('live_nothing_on_server', self.lang)}[/dim]",
                 cell_len(t("live_nothing_on_server", self.lang)))]
            rows += flow(head, 2 + cell_len(name) + 1 + cell_len(word), chips, width)
        return "\n".join(rows)

    def _charts(self) -> str:
        state, lang = self.state, self.lang
        if not state.seconds:
            return f"[dim]{t('live_no_traffic', lang)}[/dim]"
        width = max(8, self.content_size.width - LABEL - VALUE - 1)
        seconds = list(state.seconds)[-width:]
        desired = state.desired(state.balanced) or max(s.running for s in seconds)
        errors = [s.errors for s in seconds]
        running = [s.running for s in seconds]
        share = state.errors / state.requests if state.requests else 0.0
        rows = [
            self._row(t("live_requests", lang), f"[$accent]{sparkline([s.requests for s in seconds], 0)}[/]",
                      f"{state.rate()}/s"),
            self._row(t("live_errors", lang), f"[$error]{sparkline(errors, 0)}[/]", f"{state.errors} ({share:.1%})"),
            self._row(t("live_replicas", lang), f"[{'$success' if min(running) >= desired else '$warning'}]"
                      f"{sparkline(running, desired)}[/]",
                      t("live_replicas_of", lang, up=running[-1], desired=desired)),
        ]
        if state.lost:
            lost = t("live_lost_count", lang, lost=state.lost)
            rows.append(self._row(t("live_lost", lang), "", f"[$warning]{lost}[/]"))
        total = sum(state.answered.values())
        for replica, count in sorted(state.answered.items()):
            rows.append(self._row(replica, f"[$primary]{bar(count / total, width)}[/]", f"{count / total:.0%}"))
        return "\n".join(rows)

    @staticmethod
    def _row(label: str, chart: str, value: str) -> str:
        padded = escape(label) + " " * max(1, LABEL - cell_len(label))
        return f"[b]{padded}[/b]{chart} {value}"

