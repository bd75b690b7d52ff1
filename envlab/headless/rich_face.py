"""The headless face of a run's event stream: rich text for people, JSON lines for scripts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from rich import box
from rich.console import Console, Group
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from envlab.engine.describe import Tone, describe, visible
from envlab.engine.events import CheckFinished, Event, InspectionFinished, LessonFinished, LessonStarted, SetupFinished
from envlab.engine.inspect import STATUS_LABELS, DriftReport, DriftRow, short_value, summarize
from envlab.engine.outcome import VERDICT_LABELS, RunSummary, as_claimed
from envlab.engine.scenario.events import KubernetesShown, PhaseFinished, PhaseStarted, TrafficSample, TrafficSummary
from envlab.engine.scenario.live import LiveState
from envlab.headless.scenario import kubernetes_table, phase_table, replicas_now, traffic_table

PALETTE = ("cyan", "magenta", "green", "yellow", "blue", "bright_red")
TONE_STYLE: dict[Tone, str] = {"good": "green", "bad": "red", "warn": "yellow", "dim": "dim", "title": "bold",
                               "plain": ""}


def verdict_style(verdict: str) -> str:
    if not as_claimed(verdict):
        return "red"
    return "green" if verdict == "passed" else "yellow"


@dataclass
class RichRenderer:
    """Print events as they arrive: every step and output line, prefixed by its setup."""

    console: Console
    width: int = 12
    colours: dict[str, str] = field(default_factory=dict)
    summary: RunSummary = field(default_factory=RunSummary)
    #: The replicas as the Docker events stream tells them.
    live: LiveState = field(default_factory=LiveState)

    def __call__(self, event: Event) -> None:
        self.summary.add(event)
        self.live.apply(event)
        match event:
            case LessonStarted():
                self.width = max([len(s) for s in event.setups] + [8])
                for setup in event.setups:
                    self._tag(setup)
                self.console.rule(f"[bold]{escape(event.lesson)}[/] · session {event.session}")
            case PhaseStarted():
                self.console.rule(f"[bold]phase {event.index + 1}: {escape(event.phase)}[/]")
                self.console.print(escape(event.say))
            case InspectionFinished():
                print_drift(self.console, event, colours=self.colours)
            case TrafficSummary():
                self.console.print(traffic_table(event))
            case KubernetesShown():
                self.console.print(kubernetes_table(event))
                self.console.print(escape(visible(event.mapping.strip())))
            case LessonFinished():
                self._finished(event)
            case _:
                self._line(event)
        if isinstance(event, PhaseFinished) and self.live.replicas:
            self.console.print(replicas_now(self.live))

    def _tag(self, setup: str) -> Text:
        colour = self.colours.setdefault(setup, PALETTE[len(self.colours) % len(PALETTE)])
        return Text(f"{setup:<{self.width}} ", style=f"bold {colour}")

    def _line(self, event: Event) -> None:
        described = describe(event)
        if described is None:
            return
        text, tone = described
        setup = getattr(event, "setup", "")
        for line in text.splitlines():
            out = self._tag(setup) if setup else Text()
            out.append(line, style=TONE_STYLE[tone] if not line.startswith("  $ ") else "dim")
            self.console.print(out)
        if isinstance(event, TrafficSample) and event.replicas:
            self.console.print(Text("        " + " ".join(f"{k}:{v}" for k, v in event.replicas.items()),
                                    style="dim"))

    def _finished(self, event: LessonFinished) -> None:
        summary = self.summary
        if summary.finished or summary.checks or not summary.phases:
            self.console.print(summary_table(summary.finished.values(), summary.checks, summary.setups))
        else:
            self.console.print(phase_table(summary))
        text, tone = describe(event) or ("", "plain")
        self.console.print(Text(text, style=f"bold {TONE_STYLE[tone]}"))


def summary_table(finished: Iterable[SetupFinished], checks: Iterable[CheckFinished],
                  order: Sequence[str] = ()) -> Group:
    """Verdict per setup (in the lesson's order), then each check and whether it came out as claimed."""
    rank = {name: i for i, name in enumerate(order)}
    verdicts = Table(title="verdicts", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    verdicts.add_column("setup", no_wrap=True)
    verdicts.add_column("verdict", no_wrap=True)
    verdicts.add_column("time", justify="right", no_wrap=True)
    verdicts.add_column("why", overflow="fold")
    for event in sorted(finished, key=lambda e: rank.get(e.setup, len(rank))):
        label = VERDICT_LABELS[event.verdict]
        verdicts.add_row(event.setup, Text(label, style=verdict_style(event.verdict)), f"{event.duration:.1f}s",
                         visible(event.reason))
    parts: list[Table | Text] = [verdicts]
    checks = list(checks)
    if checks:
        parts.append(Text("checks (run from outside the containers)", style="italic"))
    for check in checks:
        text, tone = describe(check) or ("", "plain")
        line = Text(f"  {text}", style=TONE_STYLE[tone])
        if check.passed == check.expected and not check.passed:
            line.append(" (not fixed yet)")
        parts += [line, Text(f"      {visible(check.detail)}", style="dim")]
    return Group(*parts)


STATUS_STYLE = {"same": "dim", "differs": "bold yellow", "missing": "bold yellow", "unknown": "italic"}


def drift_table(report: DriftReport, *, colours: dict[str, str] | None = None) -> Table:
    """One row per item: what differs is highlighted, what is shared is dim, the cause is marked."""
    table = Table(title="drift between setups", title_justify="left", expand=False)
    table.add_column("item", min_width=9)
    for setup in report.setups:
        colour = (colours or {}).get(setup, "")
        table.add_column(setup, header_style=f"bold {colour}".strip(), overflow="fold")
    table.add_column("", no_wrap=True)
    for row in report.rows:
        status, style = STATUS_LABELS[row.status], STATUS_STYLE[row.status]
        if row.shared_kernel:
            status, style = "= shared kernel", "bold cyan"
        item = Text(row.label, style="bold" if row.status != "same" else "")
        if row.cause:
            item = Text("▶ ", style="bold red") + Text(row.label, style="bold red")
        values = [_value(row, setup) for setup in report.setups]
        dim = row.status == "same" and not row.shared_kernel and not row.cause
        table.add_row(item, *values, Text(status, style=style), style="dim" if dim else "")
    return table


def _value(row: DriftRow, setup: str) -> Text:
    value = short_value(visible(row.values[setup]))
    if setup in row.missing_in:
        return Text(value, style="italic red")
    if row.shared_kernel:
        return Text(value, style="cyan")
    return Text(value, style="yellow" if row.status != "same" else "")


def print_drift(console: Console, event: InspectionFinished, *,
                colours: dict[str, str] | None = None) -> None:
    """The drift table, then what it means in one or two sentences."""
    report = event.report
    console.print(drift_table(report, colours=colours))
    styles = {"drift": "bold yellow", "same": "green", "cause": "bold red", "kernel": "cyan", "skipped": "dim",
              "unread": "italic yellow"}
    for line in summarize(report, event.skipped):
        console.print(Text(line.lead, style=styles[line.kind]) + Text(f" {line.text}" if line.text else ""))


def print_json(events: Iterable[Event], console: Console) -> bool:
    """Print one JSON object per line; return whether the lesson's expectations held."""
    ok = False
    for event in events:
        console.file.write(event.to_json() + "\n")
        console.file.flush()
        if isinstance(event, LessonFinished):
            ok = event.ok
    return ok
