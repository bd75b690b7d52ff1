"""Headless rendering of scenario events: phases, traffic per second, faults, replicas over time."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from envlab.engine.live import UP, LiveState, bar, sparkline
from envlab.engine.scenario_events import (
    AutoscalerDecided,
    ChangeApplied,
    ChangeSettled,
    FaultInjected,
    KubernetesShown,
    MeasurementChecked,
    PhaseFinished,
    PhaseStarted,
    ReplicaChanged,
    ServiceStarted,
    TrafficSample,
    TrafficSummary,
)

#: Engine events worth a line: a replica came, went, or changed health.
SHOWN_STATES = {"start", "die", "kill", "stop", "healthy", "unhealthy", "oom", "restart"}


def bounds(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f"{low:g} … {high:g}" if low != high else f"= {low:g}"
    return f"≥ {low:g}" if low is not None else f"≤ {high:g}"


def traffic_table(event: TrafficSummary) -> Table:
    """A phase's traffic: totals, who answered, and the replicas up over time as a small chart."""
    table = Table(title=f"traffic · {event.phase}", title_justify="left", show_header=False, expand=False)
    table.add_column("what", style="bold")
    table.add_column("value")
    lost_share = event.lost / event.page_requests if event.page_requests else 0.0
    table.add_row("requests", f"{event.requests} in {event.duration:g}s ({event.rate:g}/s), "
                  f"latency p50 {event.latency_p50_ms:g} ms, p95 {event.latency_p95_ms:g} ms")
    table.add_row("errors", Text(f"{event.errors}", style="red bold" if event.errors else "green"))
    table.add_row("lost sessions", Text(f"{event.lost} of {event.page_requests} page requests ({lost_share:.0%})",
                                        style="yellow bold" if event.lost else "green"))
    total = sum(event.distribution.values()) or 1
    for replica, count in event.distribution.items():
        table.add_row(f"  {replica}", f"{bar(count / total)} {count:>5} ({count / total:.0%})")
    if len(event.versions) > 1 or event.versions:
        table.add_row("versions", ", ".join(f"{v}: {n}" for v, n in event.versions.items()))
    if event.timeline:
        counts = [up for _, up in event.timeline]
        table.add_row("replicas up", f"{sparkline(counts, event.desired)}  "
                      f"(one mark a second; desired {event.desired}, lowest {min(counts)})")
    return table


class ScenarioRendering:
    """Mixed into the headless renderer: one handler per scenario event."""

    console: Console
    #: Every phase's verdict and its measurements, for the closing table (set per renderer).
    phases: list[tuple[PhaseFinished, list[MeasurementChecked]]]
    _measured: list[MeasurementChecked]
    #: The replicas as the Docker events stream tells them, fed every event by the renderer.
    live: LiveState

    def __post_init__(self) -> None:
        self.phases, self._measured, self.live = [], [], LiveState()

    def replicas_now(self) -> Text:
        """Each service's replicas at this moment: up out of desired, each one's state and returns."""
        text = Text()
        for service in self.live.services.values():
            up = self.live.up(service.name)
            text.append(f"  {service.name} ", style="bold")
            text.append(f"{up}/{service.desired} up", style="green" if up >= service.desired else "yellow")
            for replica in self.live.of(service.name):
                back = f" ↻{replica.restarts}" if replica.restarts else ""
                text.append(f"  {replica.label} {replica.state}{back}", style="green" if replica.state in UP else
                            "red" if replica.state == "dead" else "yellow")
            text.append("\n")
        text.rstrip()
        return text

    def phase_table(self) -> Table:
        """One row per phase: its verdict and each measurement against its bound."""
        table = Table(title="phases", title_justify="left", expand=False)
        for column in ("phase", "measured", "expected", "verdict", "time"):
            table.add_column(column)
        for phase, measured in self.phases:
            lines = "\n".join(f"{'✓' if m.ok else '✗'} {m.metric} = "
                              f"{'never' if m.value is None else f'{m.value:g}'}" for m in measured)
            bounds_text = "\n".join(bounds(m.low, m.high) for m in measured)
            verdict = Text("✓ holds", style="green") if phase.ok else Text("✗ does not hold", style="red")
            table.add_row(phase.phase, lines, bounds_text, verdict, f"{phase.duration:.1f}s")
        return table

    def _on_ServiceStarted(self, event: ServiceStarted) -> None:
        what = {"balancer": "load balancer", "swarm": "Swarm service", "docker": "plain containers"}
        detail = f" · {event.detail}" if event.detail else ""
        self.console.print(f"[bold cyan]● {escape(event.service)}[/]: {event.replicas} × "
                           f"{what.get(event.orchestrator, event.orchestrator)} from {event.image}{escape(detail)}")

    def _on_PhaseStarted(self, event: PhaseStarted) -> None:
        self.console.rule(f"[bold]phase {event.index + 1}: {escape(event.phase)}[/]")
        self.console.print(escape(event.say))

    def _on_ChangeApplied(self, event: ChangeApplied) -> None:
        self.console.print(f"[bold magenta]↻ {escape(event.service)}[/]: {escape(event.what)}")

    def _on_ChangeSettled(self, event: ChangeSettled) -> None:
        style = "green" if event.state == "completed" else "yellow"
        self.console.print(f"[{style}]  {escape(event.service)}: {escape(event.state)} in {event.duration:.1f}s[/]")

    def _on_FaultInjected(self, event: FaultInjected) -> None:
        self.console.print(f"[bold red]⚡ t={event.at:.1f}s {event.action} {escape(event.replica)}[/]")

    def _on_ReplicaChanged(self, event: ReplicaChanged) -> None:
        if event.state in SHOWN_STATES and event.service:
            style = "red" if event.state in ("die", "kill", "unhealthy", "oom") else "dim"
            self.console.print(f"[{style}]  t={event.at:.1f}s {escape(event.replica)} {escape(event.state)}[/]")

    def _on_TrafficSample(self, event: TrafficSample) -> None:
        spread = " ".join(f"{k}:{v}" for k, v in event.replicas.items())
        errors = f"[red]{event.errors}[/]" if event.errors else "0"
        lost = f"[yellow]{event.lost}[/]" if event.lost else "0"
        self.console.print(f"  [dim]{event.second:>3}s[/] {event.requests:>4} req  errors {errors:>3}  "
                           f"lost {lost:>3}  up {event.running}  [dim]{escape(spread)}[/]")

    def _on_TrafficSummary(self, event: TrafficSummary) -> None:
        self.console.print(traffic_table(event))

    def _on_MeasurementChecked(self, event: MeasurementChecked) -> None:
        self._measured.append(event)
        mark, style = ("✓", "green") if event.ok else ("✗", "red")
        value = "never" if event.value is None else f"{event.value:g}"
        title = f" — {event.title}" if event.title else ""
        detail = f" [dim]({escape(event.detail)})[/]" if event.detail else ""
        self.console.print(f"[{style}]{mark} {event.metric} = {value}[/] (expected {bounds(event.low, event.high)})"
                           f"{escape(title)}{detail}")

    def _on_PhaseFinished(self, event: PhaseFinished) -> None:
        self.phases.append((event, self._measured))
        self._measured = []
        verdict = "[bold green]■ {}: every measurement holds[/]" if event.ok else \
            "[bold red]■ {}: a measurement does not hold[/]"
        self.console.print(verdict.format(escape(event.phase)) + f" ({event.duration:.1f}s)")
        if self.live.replicas:
            self.console.print(self.replicas_now())

    def _on_KubernetesShown(self, event: KubernetesShown) -> None:
        table = Table(title="what ran on Swarm · the same in Kubernetes", title_justify="left", expand=True)
        table.add_column("Swarm (as the engine reports it)", ratio=1)
        table.add_column("Kubernetes (equivalent manifests)", ratio=1)
        table.add_row(Syntax(event.swarm, "yaml", theme="ansi_dark", word_wrap=True),
                      Syntax(event.manifests, "yaml", theme="ansi_dark", word_wrap=True))
        self.console.print(table)
        self.console.print(escape(event.mapping.strip()))

    def _on_AutoscalerDecided(self, event: AutoscalerDecided) -> None:
        arrow = "↑" if event.desired > event.current else "↓" if event.desired < event.current else "="
        style = "bold magenta" if event.desired != event.current else "dim"
        self.console.print(f"[{style}]  t={event.at:.0f}s autoscaler: {event.observed:g} req/s over {event.current} "
                           f"= {event.per_replica:g}/replica (target {event.target:g}) {arrow} {event.desired} · "
                           f"{escape(event.reason)}[/]")
