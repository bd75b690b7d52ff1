"""Headless rendering of scenario events: phases, traffic per second, faults, replicas over time."""

from __future__ import annotations

from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from envlab.engine.describe import bounds, measured, visible
from envlab.engine.outcome import RunSummary
from envlab.engine.scenario.events import KubernetesShown, TrafficSummary
from envlab.engine.scenario.live import UP, LiveState, bar, sparkline


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


def replicas_now(live: LiveState) -> Text:
    """Each service's replicas at this moment: up out of desired, each one's state and returns."""
    text = Text()
    for service in live.services.values():
        up = live.up(service.name)
        text.append(f"  {service.name} ", style="bold")
        text.append(f"{up}/{service.desired} up", style="green" if up >= service.desired else "yellow")
        for replica in live.of(service.name):
            back = f" ↻{replica.restarts}" if replica.restarts else ""
            style = "green" if replica.state in UP else "red" if replica.state == "dead" else "yellow"
            text.append(f"  {replica.label} {replica.state}{back}", style=style)
        text.append("\n")
    text.rstrip()
    return text


def phase_table(summary: RunSummary) -> Table:
    """One row per phase: its verdict and each measurement against its bound."""
    table = Table(title="phases", title_justify="left", expand=False)
    for column in ("phase", "measured", "expected", "verdict", "time"):
        table.add_column(column)
    for phase in summary.phases:
        taken = [m for m in summary.measurements if m.phase == phase.phase]
        lines = "\n".join(f"{'✓' if m.ok else '✗'} {m.metric} = {measured(m)}" for m in taken)
        bounds_text = "\n".join(bounds(m.low, m.high) for m in taken)
        verdict = Text("✓ holds", style="green") if phase.ok else Text("✗ does not hold", style="red")
        table.add_row(phase.phase, lines, bounds_text, verdict, f"{phase.duration:.1f}s")
    return table


def kubernetes_table(event: KubernetesShown) -> Table:
    """What ran on Swarm beside the equivalent Kubernetes manifests."""
    table = Table(title="what ran on Swarm · the same in Kubernetes", title_justify="left", expand=True)
    table.add_column("Swarm (as the engine reports it)", ratio=1)
    table.add_column("Kubernetes (equivalent manifests)", ratio=1)
    table.add_row(Syntax(visible(event.swarm), "yaml", theme="ansi_dark", word_wrap=True),
                  Syntax(visible(event.manifests), "yaml", theme="ansi_dark", word_wrap=True))
    return table
