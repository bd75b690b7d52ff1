"""Progress between machines: an export names its learners (one per profile), the machine and envlab.

An import keeps each learner apart: every profile of the file goes into the profile of the same name,
made if missing. The older format (version 1) does not say whose progress it is, so its ``default``
profile goes into the profile in use (or the one asked for); the result says so.
"""

from __future__ import annotations

import json
import time
from contextlib import suppress
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from envlab import __version__
from envlab.engine.machine import Machine, this_machine
from envlab.engine.progress import DEFAULT_PROFILE, LessonProgress, ProgressStore
from envlab.engine.progress_db import ProgressError
from envlab.engine.progress_file import (
    EXPORT_FORMAT,
    EXPORT_VERSION,
    LessonRecord,
    ProgressFile,
    parse_export,
    read_export,
)


@dataclass(frozen=True)
class ImportResult:
    """What an import did.

    Attributes:
        merged: Lesson records merged, by the profile they went into.
        created: The profiles the import made.
        unnamed_into: For an export of the older format, which does not say whose progress it is:
            the profile its ``default`` progress went into. ``None`` for a current export.
        machine: The machine that wrote the export, when it says.
    """

    merged: dict[str, int]
    created: tuple[str, ...]
    unnamed_into: str | None
    machine: Machine | None

    @property
    def lessons(self) -> int:
        """Lesson records merged, in all."""
        return sum(self.merged.values())


def export_data(store: ProgressStore, *, every_profile: bool = False) -> dict[str, Any]:
    """The store's profile in use (or every profile) as a JSON-ready export naming this machine."""
    last = store.last_lessons()
    names = sorted(store.profile_names()) if every_profile else [store.profile]
    profiles = {name: {"last_lesson": last.get(name),
                       "lessons": {k: _public(v) for k, v in sorted(store.all(name).items())}}
                for name in names}
    machine = this_machine(store.path.parent)
    return {"format": EXPORT_FORMAT, "version": EXPORT_VERSION, "exported_at": time.time(),
            "envlab_version": __version__, "machine": {"hostname": machine.hostname, "id": machine.id},
            "profiles": profiles}


def export_file(store: ProgressStore, path: Path, *, every_profile: bool = False) -> int:
    """Write :func:`export_data` to ``path``, whole or not at all; return the number of lessons written.

    Raises:
        ProgressError: ``path`` cannot be written.
    """
    data = export_data(store, every_profile=every_profile)
    partial = path.with_name(f".{path.name}.partial")
    try:
        partial.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        partial.replace(path)  # a stick pulled out mid-write leaves no half export under the real name
    except OSError as exc:
        with suppress(OSError):
            partial.unlink()
        raise ProgressError(f"cannot write {path}: {exc.strerror or exc}", hint="choose a writable path") from None
    return sum(len(p["lessons"]) for p in data["profiles"].values())


def import_data(store: ProgressStore, data: Any, *, unnamed_into: str | None = None) -> ImportResult:
    """Merge exported progress into ``store``, all of it or nothing; nothing done is lost.

    Args:
        store: Where the progress goes.
        data: The export, read as JSON.
        unnamed_into: Where an older export's ``default`` progress goes (default: the store's profile).

    Raises:
        ProgressFileError: ``data`` is not a valid envlab progress export (nothing is merged).
    """
    return _merge(store, parse_export(data), unnamed_into or store.profile)


def import_file(store: ProgressStore, path: Path, *, unnamed_into: str | None = None) -> ImportResult:
    """Merge the export in ``path`` (all of it or nothing), as :func:`import_data` does.

    Raises:
        ProgressFileError: The file cannot be read or is not a valid export (nothing is merged).
    """
    return _merge(store, read_export(path), unnamed_into or store.profile)


def _merge(store: ProgressStore, export: ProgressFile, target: str) -> ImportResult:
    older = export.version == 1
    batches = [(target if older and name == DEFAULT_PROFILE else name, content.last_lesson,
                [from_record(lesson, record) for lesson, record in content.lessons.items()])
               for name, content in export.profiles.items()]
    known = store.profile_names() | {DEFAULT_PROFILE}  # there is always a default profile, even an empty one
    store.merge(batches)
    merged: dict[str, int] = {}
    for profile, _, records in batches:
        merged[profile] = merged.get(profile, 0) + len(records)
    machine = Machine(export.machine.hostname, export.machine.id) if export.machine else None
    return ImportResult(merged=merged, created=tuple(p for p in merged if p not in known),
                        unnamed_into=target if older and DEFAULT_PROFILE in export.profiles else None,
                        machine=machine)


def _public(progress: LessonProgress) -> dict[str, Any]:
    data = asdict(progress)
    del data["lesson"]
    data["steps_done"] = list(progress.steps_done)
    data["checks_passed"] = list(progress.checks_passed)
    return data


def from_record(lesson: str, record: LessonRecord) -> LessonProgress:
    """One lesson's record of an export, as the store keeps it."""
    return LessonProgress(lesson, tuple(record.steps_done), tuple(record.checks_passed), record.hints_used,
                          record.quiz_score, record.quiz_total, record.started_at, record.updated_at,
                          record.completed_at, record.seconds_spent)
