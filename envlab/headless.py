"""Headless faces of the runner's event stream: rich text for people, JSON lines for scripts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from rich import box
from rich.console import Console, Group
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from envlab.engine.events import (
    BUILD_STEP,
    PROBE_STEP,
    CheckFinished,
    CleanupFinished,
    ErrorRaised,
    Event,
    InspectionFinished,
    LessonFinished,
    LessonStarted,
    OutputLine,
    SetupFinished,
    SetupStarted,
    StepFinished,
    StepStarted,
)
from envlab.engine.inspect import DriftReport, DriftRow, short_value, summarize
from envlab.headless_scenario import ScenarioRendering

PALETTE = ("cyan", "magenta", "green", "yellow", "blue", "bright_red")
VERDICT_STYLE = {
    "passed": ("✓ passed", "green"),
    "failed-as-expected": ("✓ failed as expected", "yellow"),
    "failed-unexpectedly": ("✗ failed unexpectedly", "red"),
    "passed-unexpectedly": ("✗ passed unexpectedly", "red"),
}


@dataclass
class RichRenderer(ScenarioRendering):
    """Print events as they arrive: every step and output line, prefixed by its setup."""

    console: Console
    width: int = 12
    colours: dict[str, str] = field(default_factory=dict)
    finished: list[SetupFinished] = field(default_factory=list)
    checks: list[CheckFinished] = field(default_factory=list)
    errors: list[ErrorRaised] = field(default_factory=list)
    order: list[str] = field(default_factory=list)

    def __call__(self, event: Event) -> None:
        self.live.apply(event)
        handler = getattr(self, f"_on_{type(event).__name__}", None)
        if handler is not None:
            handler(event)

    def _tag(self, setup: str) -> Text:
        colour = self.colours.setdefault(setup, PALETTE[len(self.colours) % len(PALETTE)])
        return Text(f"{setup:<{self.width}} ", style=f"bold {colour}")

    def _on_LessonStarted(self, event: LessonStarted) -> None:
        self.width = max([len(s) for s in event.setups] + [8])
        self.order = list(event.setups)
        for setup in event.setups:
            self._tag(setup)
        self.console.rule(f"[bold]{escape(event.lesson)}[/] · session {event.session}")

    def _on_SetupStarted(self, event: SetupStarted) -> None:
        what = "bare host" if event.kind == "host" else "containerized fix"
        self.console.print(self._tag(event.setup) + Text(f"● {what} from {event.image}", style="bold"))

    def _on_StepStarted(self, event: StepStarted) -> None:
        label = {BUILD_STEP: "build", PROBE_STEP: "probe"}.get(event.index, f"step {event.index + 1}"
                                                               if event.index < 100 else "fix")
        line = self._tag(event.setup) + Text(f"▶ {label}: {event.say}", style="bold")
        self.console.print(line)
        self.console.print(self._tag(event.setup) + Text(f"  $ {event.run}", style="dim"))

    def _on_OutputLine(self, event: OutputLine) -> None:
        self.console.print(self._tag(event.setup) + Text("  │ ", style="dim") + Text(event.text))

    def _on_StepFinished(self, event: StepFinished) -> None:
        ok = event.exit_code == 0
        note = "timed out" if event.timed_out else f"exit {event.exit_code}"
        mark = Text(f"  {'✓' if ok else '✗'} {note} in {event.duration:.1f}s", style="green" if ok else "red")
        self.console.print(self._tag(event.setup) + mark)

    def _on_SetupFinished(self, event: SetupFinished) -> None:
        self.finished.append(event)
        label, style = VERDICT_STYLE[event.verdict]
        self.console.print(self._tag(event.setup) + Text(f"■ {label}: {event.reason}", style=f"bold {style}"))

    def _on_CheckFinished(self, event: CheckFinished) -> None:
        self.checks.append(event)

    def _on_ErrorRaised(self, event: ErrorRaised) -> None:
        self.errors.append(event)
        where = f"{event.setup}: " if event.setup else ""
        self.console.print(f"[bold red]error:[/] {escape(where + event.message)}")
        if event.hint:
            self.console.print(f"  [dim]hint:[/] {escape(event.hint)}")

    def _on_InspectionFinished(self, event: InspectionFinished) -> None:
        print_drift(self.console, event, colours=self.colours)

    def _on_CleanupFinished(self, event: CleanupFinished) -> None:
        self.console.print(f"[dim]cleaned up {len(event.removed)} container(s) and network(s)[/]")

    def _on_LessonFinished(self, event: LessonFinished) -> None:
        if self.finished or self.checks or not self.phases:
            self.console.print(summary_table(self.finished, self.checks, self.order))
        else:
            self.console.print(self.phase_table())
        if event.ok:
            self.console.print(f"[bold green]✓ every expectation of {escape(event.lesson)} holds[/] "
                               f"({event.duration:.1f}s)")
        else:
            self.console.print(f"[bold red]✗ {escape(event.lesson)}: some expectations do not hold[/] "
                               f"({event.duration:.1f}s)")


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
        label, style = VERDICT_STYLE[event.verdict]
        verdicts.add_row(event.setup, Text(label, style=style), f"{event.duration:.1f}s", event.reason)
    parts: list[Table | Text] = [verdicts]
    checks = list(checks)
    if checks:
        parts.append(Text("checks (run from outside the containers)", style="italic"))
    for check in checks:
        state = "passes" if check.passed else "fails"
        if check.passed == check.expected:
            line = Text(f"  ✓ {check.check} on {check.target} {state}", style="green" if check.passed else "yellow")
            if not check.passed:
                line.append(" (not fixed yet)")
        else:
            line = Text(f"  ✗ {check.check} on {check.target} {state}, should "
                        f"{'pass' if check.expected else 'fail'}", style="red")
        parts += [line, Text(f"      {check.detail}", style="dim")]
    return Group(*parts)


STATUS_STYLE = {"same": ("= same", "dim"), "differs": ("≠ differs", "bold yellow"),
                "missing": ("∅ missing", "bold yellow")}


def drift_table(report: DriftReport, *, colours: dict[str, str] | None = None) -> Table:
    """One row per item: what differs is highlighted, what is shared is dim, the cause is marked."""
    table = Table(title="drift between setups", title_justify="left", expand=False)
    table.add_column("item", min_width=9)
    for setup in report.setups:
        colour = (colours or {}).get(setup, "")
        table.add_column(setup, header_style=f"bold {colour}".strip(), overflow="fold")
    table.add_column("", no_wrap=True)
    for row in report.rows:
        status, style = STATUS_STYLE[row.status]
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
    value = short_value(row.values[setup])
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
    styles = {"drift": "bold yellow", "same": "green", "cause": "bold red", "kernel": "cyan", "skipped": "dim"}
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
