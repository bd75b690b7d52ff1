"""The day's progress: exports from many machines read into one list of learner × lesson rows.

A row is keyed by the learner, the machine and the lesson. The same name on two kiosks stays two
rows: a name typed at a kiosk does not prove one person, and time and hints counted on two machines
do not add up to one honest number. Two exports of one machine (the morning's and the evening's, or
one file given twice) are merged, keeping the most done (:meth:`LessonProgress.merged`). An export of
the older format names no machine: its rows are keyed by the file instead.

A file that cannot be read or is not an export is set aside with its message; the others are still
reported.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from envlab.engine.machine import Machine
from envlab.engine.progress import LessonProgress, State
from envlab.engine.progress_file import ProgressFile, ProgressFileError, read_export
from envlab.engine.progress_transfer import from_record
from envlab.lessons.text import pick

if TYPE_CHECKING:
    from envlab.lessons.model import Lesson


_REREAD = "export it again on the machine it came from; the other inputs are reported"


@dataclass(frozen=True)
class ReportRow:
    """What one learner did in one lesson on one machine.

    Attributes:
        learner: The profile's name, as the learner gave it (text from a stranger: escape it).
        machine: The machine the export names; ``None`` for an export of the older format.
        source: The file the row was read from (the last one, when several exports held it).
        lesson: The lesson id.
        title: The lesson's title when it is known here, else its id.
        state: ``new``, ``in-progress`` or ``done``.
        challenge_solved: Whether the learner fixed the host; ``None`` when the lesson has no challenge,
            or is not known here and was not solved.
        progress: The record itself (hints, quiz score, time spent).
    """

    learner: str
    machine: Machine | None
    source: Path
    lesson: str
    title: str
    state: State
    challenge_solved: bool | None
    progress: LessonProgress


@dataclass(frozen=True)
class Unreadable:
    """An input that gave no rows, and why (the message names the file)."""

    path: Path
    message: str
    hint: str = ""


@dataclass
class Report:
    """Every row, in order (learner, machine, lesson), and the inputs that could not be read."""

    rows: list[ReportRow] = field(default_factory=list)
    unreadable: list[Unreadable] = field(default_factory=list)
    files_read: list[Path] = field(default_factory=list)

    @property
    def learners(self) -> list[str]:
        """Each learner once, in order."""
        return list(dict.fromkeys(row.learner for row in self.rows))


def export_files(inputs: Iterable[Path]) -> tuple[list[Path], list[Unreadable]]:
    """The files to read: each file as given, each folder's ``*.json`` files; and what is not there."""
    files: list[Path] = []
    missing: list[Unreadable] = []
    for path in inputs:
        if path.is_dir():
            found = sorted(p for p in path.glob("*.json") if p.is_file())
            files += found
            if not found:
                missing.append(Unreadable(path, f"{path}: the folder holds no .json export",
                                          hint="give the folder `envlab progress export` wrote into"))
        elif path.exists():
            files.append(path)
        else:
            missing.append(Unreadable(path, f"{path}: no such file or folder"))
    return list(dict.fromkeys(files)), missing


def collect(inputs: Sequence[Path], *, lessons: Mapping[str, Lesson] | None = None, lang: str = "en") -> Report:
    """Read every export under ``inputs`` into one report.

    Args:
        inputs: Export files, or folders of them.
        lessons: The lessons known here, in course order: they order the rows and tell which
            lessons have a challenge. Lessons not among them come after, by id.
        lang: The language of the lessons' titles.
    """
    known = dict(lessons or {})
    files, unreadable = export_files(inputs)
    report = Report(unreadable=unreadable)
    merged: dict[tuple[str, str, str], tuple[Machine | None, Path, LessonProgress]] = {}
    for path in files:
        try:
            export = read_export(path)
        except ProgressFileError as exc:
            report.unreadable.append(Unreadable(path, exc.message, _REREAD))
            continue
        report.files_read.append(path)
        machine, machine_key = _machine_of(export, path)
        for learner, content in export.profiles.items():
            for lesson, record in content.lessons.items():
                key = (learner, machine_key, lesson)
                incoming = from_record(lesson, record)
                if key in merged:
                    incoming = merged[key][2].merged(incoming)
                merged[key] = (machine, path, incoming)
    order = {lesson_id: index for index, lesson_id in enumerate(known)}
    for (learner, _, lesson), (machine, path, progress) in sorted(
            merged.items(), key=lambda item: _order(item[0], item[1][0], order)):
        state, solved = _outcome(progress, known.get(lesson))
        title = pick(known[lesson].title, lang) if lesson in known else lesson
        report.rows.append(ReportRow(learner, machine, path, lesson, title, state, solved, progress))
    return report


def _machine_of(export: ProgressFile, path: Path) -> tuple[Machine | None, str]:
    if export.machine is None:
        return None, f"file:{path.resolve()}"  # the older format: each file stands for its own machine
    machine = Machine(export.machine.hostname, export.machine.id)
    return machine, f"id:{machine.id}" if machine.id else f"host:{machine.hostname}"


def _order(key: tuple[str, str, str], machine: Machine | None,
           order: Mapping[str, int]) -> tuple[str, str, str, int, str]:
    learner, machine_key, lesson = key
    label = machine.label if machine else ""
    return learner.casefold(), label, machine_key, order.get(lesson, len(order)), lesson


def _outcome(progress: LessonProgress, lesson: Lesson | None) -> tuple[State, bool | None]:
    """The lesson's state and whether its challenge was solved, from the record and (if known) the lesson."""
    fixed = "fix" in progress.steps_done
    if lesson is None:
        state: State = ("done" if progress.completed_at is not None
                        else "in-progress" if progress.started_at is not None else "new")
        return state, True if fixed else None
    has_challenge = lesson.kind == "drift" and lesson.challenge is not None
    return progress.state(lesson), fixed if has_challenge else None
