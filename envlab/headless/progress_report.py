"""The day's progress for people: a rich table in the terminal, a CSV file, a self-contained HTML page.

Every value but the numbers comes from an export, and exports come from strangers: the terminal shows
control characters instead of obeying them, the CSV starts no cell with what a spreadsheet would run as a
formula, and the HTML page escapes every value and loads nothing (no script, no link, no image).
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable
from html import escape
from pathlib import Path

from rich import box
from rich.table import Table
from rich.text import Text

from envlab import __version__
from envlab.engine.describe import visible
from envlab.engine.progress_db import ProgressError
from envlab.engine.progress_report import Report, ReportRow

NOT_RECORDED = "not recorded"
STATE_LABELS = {"new": "new", "in-progress": "in progress", "done": "done"}
STATE_STYLES = {"new": "dim", "in-progress": "yellow", "done": "green"}
HEADINGS = ("Learner", "Machine", "Lesson", "State", "Time spent", "Hints", "Quiz", "Challenge")
CSV_FIELDS = ("learner", "machine", "machine_id", "lesson", "title", "state", "seconds_spent", "hints_used",
              "quiz_score", "quiz_total", "challenge_solved", "file")
#: A spreadsheet runs a cell that starts with one of these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def duration(seconds: float | None) -> str:
    """``45 s``, ``12 min``, ``1 h 05 min``; :data:`NOT_RECORDED` when it was not."""
    if seconds is None:
        return NOT_RECORDED
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    hours, minutes = divmod(whole // 60, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


def cells(row: ReportRow) -> tuple[str, ...]:
    """The row as people read it, in the order of :data:`HEADINGS` (not yet escaped)."""
    progress = row.progress
    quiz = f"{progress.quiz_score}/{progress.quiz_total}" if progress.quiz_total else "not taken"
    solved = {True: "solved", False: "not solved", None: "—"}[row.challenge_solved]
    machine = row.machine.label if row.machine else f"not recorded ({row.source.name})"
    return (row.learner, machine, row.title, STATE_LABELS[row.state], duration(progress.seconds_spent),
            str(progress.hints_used), quiz, solved)


def summary(report: Report) -> str:
    """One sentence: how many learners, rows and files, and how many files could not be read."""
    said = (f"{len(report.learners)} learner(s), {len(report.rows)} lesson record(s) "
            f"from {len(report.files_read)} file(s)")
    if report.unreadable:
        said += f"; {len(report.unreadable)} input(s) could not be read"
    return said


def report_table(report: Report) -> Table:
    """The report as a rich table that fits 80 columns: a heading line per learner and machine, then a line
    per lesson (its id), ``—`` for what was not recorded, a quiz not taken, or no challenge. Text from the
    exports is shown, never obeyed as markup or controls."""
    table = Table(box=box.SIMPLE_HEAD, title="The day's progress",
                  caption=f"{summary(report)}\n— not recorded, quiz not taken, or no challenge")
    table.add_column("Learner / lesson", overflow="fold")
    for heading in HEADINGS[3:]:
        table.add_column(heading, justify="right" if heading in ("Hints", "Quiz") else "left", no_wrap=True)
    group: tuple[str, str] | None = None
    for row in report.rows:
        learner, machine, _, state, spent, hints, _, _ = cells(row)
        if (learner, machine) != group:
            group = (learner, machine)
            table.add_row(Text(visible(f"{learner} · {machine}"), style="bold"))
        progress = row.progress
        quiz = f"{progress.quiz_score}/{progress.quiz_total}" if progress.quiz_total else "—"
        solved = {True: "yes", False: "no", None: "—"}[row.challenge_solved]
        spent = "—" if progress.seconds_spent is None else spent
        table.add_row(Text(f"  {visible(row.lesson)}"), Text(state, style=STATE_STYLES[row.state]),
                      spent, hints, quiz, solved)
    return table


def csv_text(report: Report) -> str:
    """The report as CSV, one row per learner, machine and lesson; an empty cell is not recorded."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_FIELDS)
    for row in report.rows:
        progress = row.progress
        solved = {True: "yes", False: "no", None: ""}[row.challenge_solved]
        hostname, machine_id = (row.machine.hostname, row.machine.id or "") if row.machine else ("", "")
        seconds = "" if progress.seconds_spent is None else str(round(progress.seconds_spent))
        writer.writerow([
            _inert(row.learner), _inert(hostname), machine_id, _inert(row.lesson), _inert(row.title), row.state,
            seconds, progress.hints_used, _number(progress.quiz_score), _number(progress.quiz_total), solved,
            _inert(str(row.source)),
        ])
    return out.getvalue()


def html_page(report: Report, *, now: Callable[[], float] = time.time) -> str:
    """The report as one self-contained HTML page: inline CSS, nothing loaded, every value escaped."""
    body = "\n".join(_html_row(row) for row in report.rows)
    heads = "".join(f"<th>{escape(h)}</th>" for h in HEADINGS)
    problems = ""
    if report.unreadable:
        items = "\n".join(f"<li>{escape(u.message)}</li>" for u in report.unreadable)
        problems = f'<section class="problems">\n<h2>Not read</h2>\n<ul>\n{items}\n</ul>\n</section>\n'
    made = time.strftime("%Y-%m-%d %H:%M", time.localtime(now()))
    return (f"{_HEAD}<body>\n<h1>The day's progress</h1>\n<p>{escape(summary(report))}</p>\n"
            f"<table>\n<thead><tr>{heads}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>\n{problems}"
            f"<footer>envlab {escape(__version__)}, {escape(made)}</footer>\n</body>\n</html>\n")


def _html_row(row: ReportRow) -> str:
    tds = [f"<td>{escape(value)}</td>" for value in cells(row)]
    tds[3] = f'<td class="state-{row.state}">{escape(cells(row)[3])}</td>'  # state is one of three words
    return f"<tr>{''.join(tds)}</tr>"


def write(path: Path, text: str) -> None:
    """Write a report file.

    Raises:
        ProgressError: ``path`` cannot be written.
    """
    try:
        path.write_text(text, encoding="utf-8", newline="")
    except OSError as exc:
        raise ProgressError(f"cannot write {path}: {exc.strerror or exc}", hint="choose a writable path") from None


def _inert(value: str) -> str:
    """A text cell no spreadsheet runs: a leading formula character is quoted away."""
    return f"'{value}" if value.startswith(_FORMULA_START) else value


def _number(value: int | None) -> str:
    return "" if value is None else str(value)


_HEAD = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>The day's progress (envlab)</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem; color: #1d1d1f; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .35rem .7rem; border-bottom: 1px solid #d0d0d5; overflow-wrap: anywhere; }
thead th { background: #f0f0f4; position: sticky; top: 0; }
tbody tr:nth-child(even) { background: #fafafc; }
td.state-done { color: #17692f; font-weight: 600; }
td.state-in-progress { color: #8a5a00; }
td.state-new { color: #6e6e73; }
.problems { margin-top: 2rem; color: #a11; }
footer { margin-top: 2rem; color: #6e6e73; font-size: .85rem; }
@media print { thead th { position: static; } }
</style>
</head>
"""
