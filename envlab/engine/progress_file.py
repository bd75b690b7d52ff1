"""The progress export file as data from elsewhere: read whole, checked against a schema, or refused.

A file another machine wrote (or anyone) is refused with one clear message before anything of it is
merged: an out-of-range score, a string where a list belongs, an infinite timestamp, deep nesting or
a file far too big never reach the database.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from envlab.engine.progress_db import MAX_PROFILE_NAME, MAX_SECONDS_SPENT, PROFILE_NAME, ProgressError

EXPORT_FORMAT = "envlab-progress"
#: Version 2 names the machine and the envlab that wrote it, and records time spent; version 1 is still read.
EXPORT_VERSION = 2
READABLE_VERSIONS = (1, 2)
MAX_FILE_BYTES = 16 * 1024 * 1024  # a room's day is a few hundred kilobytes; this is far beyond any real one
MAX_PROFILES = 10_000
MAX_LESSONS = 1_000  # per profile; the built-in course has 14
#: Timestamps are seconds since 1970; anything outside 2000–2200 is not a time this file can mean.
EARLIEST, LATEST = 946_684_800.0, 7_258_118_400.0

Name = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")]
ProfileName = Annotated[str, Field(min_length=1, max_length=MAX_PROFILE_NAME, pattern=PROFILE_NAME)]
Hostname = Annotated[str, Field(pattern=r"^[A-Za-z0-9._-]{1,64}$")]
MachineId = Annotated[str, Field(pattern=r"^[0-9a-f]{16}$")]
Version = Annotated[str, Field(pattern=r"^[0-9A-Za-z.+-]{1,32}$")]
Moment = Annotated[float, Field(ge=EARLIEST, le=LATEST, allow_inf_nan=False)]
Step = Literal["run", "fix", "quiz"]


class ProgressFileError(ProgressError):
    """A progress export cannot be read or is not a valid one."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class LessonRecord(_Strict):
    """One lesson's progress as exported."""

    steps_done: list[Step] = Field(default_factory=list, max_length=3)
    checks_passed: list[Name] = Field(default_factory=list, max_length=100)
    hints_used: int = Field(default=0, ge=0, le=100)
    quiz_score: int | None = Field(default=None, ge=0, le=100)
    quiz_total: int | None = Field(default=None, ge=1, le=100)
    started_at: Moment | None = None
    updated_at: Moment | None = None
    completed_at: Moment | None = None
    seconds_spent: float | None = Field(default=None, ge=0, le=MAX_SECONDS_SPENT, allow_inf_nan=False)

    @model_validator(mode="after")
    def _score_within_total(self) -> LessonRecord:
        if (self.quiz_score is None) != (self.quiz_total is None):
            raise ValueError("quiz_score and quiz_total come together")
        if self.quiz_score is not None and self.quiz_total is not None and self.quiz_score > self.quiz_total:
            raise ValueError(f"quiz_score {self.quiz_score} is above quiz_total {self.quiz_total}")
        return self


class ProfileRecord(_Strict):
    """One learner profile as exported."""

    last_lesson: Name | None = None
    lessons: dict[Name, LessonRecord] = Field(default_factory=dict, max_length=MAX_LESSONS)


class MachineRecord(_Strict):
    """The machine that wrote an export (see :mod:`envlab.engine.machine`)."""

    hostname: Hostname
    id: MachineId | None = None


class ProgressFile(_Strict):
    """A whole export: what `envlab progress export` writes.

    Each key of ``profiles`` is a learner, as the profile is named on the machine that wrote it.
    Version 1 has neither ``machine`` nor ``envlab_version``: it does not say whose machine it
    comes from, and its ``default`` profile is whoever used that machine.
    """

    format: Literal["envlab-progress"]
    version: Literal[1, 2]
    exported_at: Moment
    envlab_version: Version | None = None
    machine: MachineRecord | None = None
    profiles: dict[ProfileName, ProfileRecord] = Field(max_length=MAX_PROFILES)

    @model_validator(mode="after")
    def _fields_of_its_version(self) -> ProgressFile:
        if self.version >= 2 and (self.machine is None or self.envlab_version is None):
            raise ValueError(f"a version {self.version} export names its machine and envlab_version")
        timed = any(record.seconds_spent is not None
                    for profile in self.profiles.values() for record in profile.lessons.values())
        if self.version == 1 and (self.machine is not None or self.envlab_version is not None or timed):
            raise ValueError("a version 1 export has no machine, envlab_version or seconds_spent")
        return self


def parse_export(data: Any) -> ProgressFile:
    """Check exported progress already read as JSON.

    Raises:
        ProgressFileError: It is not an envlab progress export, or some of it is out of range.
    """
    if not isinstance(data, dict) or data.get("format") != EXPORT_FORMAT:
        raise ProgressFileError("this file is not an envlab progress export",
                                hint="create one with `envlab progress export FILE`")
    if data.get("version") not in READABLE_VERSIONS or isinstance(data.get("version"), bool):
        raise ProgressFileError(f"progress export version {data.get('version')!r} is not supported",
                                hint=f"this envlab reads versions {', '.join(map(str, READABLE_VERSIONS))}; "
                                "upgrade envlab")
    try:
        return ProgressFile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        # The path holds the file's own keys: shown, never obeyed, and kept short.
        where = " at " + ".".join(_shown(part) for part in first["loc"]) if first["loc"] else ""
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        said = "it holds characters or a form it may not have" if first["type"] == "string_pattern_mismatch" \
            else first["msg"]
        raise ProgressFileError(f"the progress export is damaged{where}: {said}{more}",
                                hint="nothing was merged; export it again on the other machine") from None


def _shown(part: str | int) -> str:
    """A key of the file as a message may show it: what a terminal would obey spelled out, and short."""
    text = "".join(c if c.isprintable() else f"<U+{ord(c):04X}>" for c in str(part))
    return text if len(text) <= 40 else text[:39] + "…"


def read_export(path: Path) -> ProgressFile:
    """Read and check an export file.

    Raises:
        ProgressFileError: The file cannot be read, is too big, is not JSON, or is not a valid export.
    """
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ProgressFileError(f"cannot read {path}: {exc.strerror or exc}",
                                hint="give the file `envlab progress export` wrote") from None
    if len(raw) > MAX_FILE_BYTES:
        raise ProgressFileError(f"{path} is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB: not a progress export",
                                hint="give the file `envlab progress export` wrote")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        reason = "it is nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise ProgressFileError(f"{path} is not valid JSON: {reason}",
                                hint="give the file `envlab progress export` wrote") from None
    try:
        return parse_export(data)
    except ProgressFileError as exc:
        raise ProgressFileError(f"{path}: {exc.message}", hint=exc.hint) from None
