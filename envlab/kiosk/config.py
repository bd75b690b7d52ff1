"""The kiosk's one configuration file: TOML (stdlib :mod:`tomllib`), checked whole by pydantic.

Every problem is said as ``file:line:col: field: message``, as lesson files' are, and all of them at
once; nothing of a file with a problem is used.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator

from envlab.errors import EnvlabError
from envlab.kiosk.pin import PinHash, PinHashError
from envlab.kiosk.toml_positions import Loc, key_of, positions
from envlab.lessons.problems import Problem, dotted, nearest
from envlab.lessons.text import SUPPORTED_LANGUAGES

MAX_CONFIG_BYTES = 1 << 20
EX_CONFIG = 78  # sysexits.h: a systemd unit can be told not to restart a kiosk whose file is wrong
_TOML_AT = re.compile(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)$")

Language = Literal["en", "ja"]
assert set(get_args(Language)) == set(SUPPORTED_LANGUAGES), "the kiosk offers the languages lessons are written in"


class KioskConfigError(EnvlabError):
    """The kiosk's file cannot be read, or is not a valid kiosk configuration."""

    exit_code = EX_CONFIG

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems),
                         hint="fix the lines above; docs/kiosk.md says what each field means")


class KioskConfig(BaseModel):
    """What one kiosk offers its learners, and how it guards the way out.

    Attributes:
        lessons: Lesson folders or packs offered besides the built-in course (absolute once loaded:
            a relative one is relative to the file).
        chapters: The chapters offered; empty offers every chapter.
        languages: The languages offered, the first the one each learner starts in.
        idle_timeout: Seconds without a key or the mouse before the countdown starts.
        countdown: Seconds the countdown lasts before the learner's session ends.
        fix_it_shell: Whether a challenge's shell (inside the lesson's own container) is offered.
        pin_hash: The operator's PIN, hashed (``envlab kiosk --hash-pin`` writes the line).
    """

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    lessons: list[Annotated[str, StringConstraints(min_length=1)]] = []
    chapters: list[Annotated[int, Field(ge=1, le=99)]] = []
    languages: Annotated[list[Language], Field(min_length=1)] = ["en", "ja"]
    idle_timeout: Annotated[float, Field(gt=0, le=86_400)] = 300.0
    countdown: Annotated[float, Field(gt=0, le=3_600)] = 30.0
    fix_it_shell: bool = True
    pin_hash: str

    @field_validator("pin_hash")
    @classmethod
    def _a_hash(cls, value: str) -> str:
        PinHash.parse(value)  # PinHashError is a ValueError: pydantic reports it at the field
        return value

    @cached_property
    def pin(self) -> PinHash:
        """The parsed PIN hash."""
        return PinHash.parse(self.pin_hash)

    def pin_matches(self, pin: str) -> bool:
        """Whether ``pin`` is the operator's (takes about 50 ms: call it off the UI thread)."""
        return self.pin.matches(pin)


def load_config(path: Path, *, display: str | None = None) -> KioskConfig:
    """Read and check the kiosk's file.

    Args:
        path: The TOML file.
        display: How to name the file in messages (default: the path as given).

    Raises:
        KioskConfigError: It cannot be read, is not TOML, or is not a valid configuration.
    """
    name = display or str(path)
    text = _read(path, name)
    try:
        data = tomllib.loads(text)
        where = positions(text)
    except tomllib.TOMLDecodeError as exc:
        raise KioskConfigError([_toml_problem(exc, text, name)]) from None
    except RecursionError:
        raise KioskConfigError([Problem(name, 1, 1, "nested too deeply to be a kiosk configuration")]) from None
    try:
        config = KioskConfig.model_validate(data)
    except ValidationError as exc:
        raise KioskConfigError(_problems(exc.errors(), where, name)) from None
    folders, problems = _lesson_folders(config, path.parent, where, name)
    problems += _repeats(config, where, name)
    if problems:
        raise KioskConfigError(problems)
    return config.model_copy(update={"lessons": folders})


def _read(path: Path, name: str) -> str:
    try:
        with path.open("rb") as file:
            raw = file.read(MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        raise KioskConfigError([Problem(name, 1, 1, f"cannot read it: {exc.strerror or exc}")]) from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise KioskConfigError([Problem(name, 1, 1, f"larger than {MAX_CONFIG_BYTES >> 20} MiB: not a kiosk file")])
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[:exc.start].decode("utf-8", "replace")
        line, col = before.count("\n") + 1, len(before) - before.rfind("\n")
        raise KioskConfigError([Problem(name, line, col, "not UTF-8 text (TOML files are UTF-8)")]) from None


def _toml_problem(exc: tomllib.TOMLDecodeError, text: str, name: str) -> Problem:
    """TOML's own complaint, at the place it names (3.14 gives it as attributes, 3.11 in the text)."""
    message = str(exc)
    match = _TOML_AT.search(message)
    line, col = getattr(exc, "lineno", None), getattr(exc, "colno", None)
    if match is not None:
        message = message[:match.start()]
        if line is None and match[1]:
            line, col = int(match[1]), int(match[2])
    if line is None:  # at the end of the document
        line, col = text.count("\n") + 1, len(text) - text.rfind("\n")
    message = getattr(exc, "msg", message)
    return Problem(name, int(line), int(col or 1), f"not valid TOML: {message[:1].lower()}{message[1:]}")


def _problems(errors: Iterable[Any], where: dict[Loc, tuple[int, int]], name: str) -> list[Problem]:
    problems = []
    for error in errors:
        loc: Loc = tuple(error["loc"])
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            at = where.get((*loc[:-1], key_of(str(loc[-1])))) or nearest(where, loc)
            message = "unknown field (docs/kiosk.md lists the fields)"
        elif error["type"] == "missing":
            at = nearest(where, loc[:-1])
            message = "field required"
        else:
            at = nearest(where, loc)
            message = message[:1].lower() + message[1:]
        problems.append(Problem(name, at[0], at[1], f"{dotted(loc)}: {message}"))
    return problems


def _lesson_folders(config: KioskConfig, base: Path, where: dict[Loc, tuple[int, int]],
                    name: str) -> tuple[list[str], list[Problem]]:
    """Each lesson folder made absolute (a relative one is relative to the file); those missing, refused."""
    folders, problems = [], []
    for index, raw in enumerate(config.lessons):
        folder = Path(raw).expanduser()
        folder = folder if folder.is_absolute() else base / folder
        if not folder.is_dir():
            line, col = where.get(("lessons", index), (1, 1))
            problems.append(Problem(name, line, col, f"lessons[{index}]: no folder at {folder}"))
        folders.append(str(folder.absolute()))
    return folders, problems


def _repeats(config: KioskConfig, where: dict[Loc, tuple[int, int]], name: str) -> list[Problem]:
    """A chapter or language given twice is a slip worth saying, at its second mention."""
    problems = []
    for field, values in (("chapters", config.chapters), ("languages", config.languages)):
        seen: set[object] = set()
        for index, value in enumerate(values):
            if value in seen:
                line, col = where.get((field, index), (1, 1))
                problems.append(Problem(name, line, col, f"{field}[{index}]: {value!r} is given twice"))
            seen.add(value)
    return problems


__all__ = ["EX_CONFIG", "KioskConfig", "KioskConfigError", "PinHashError", "load_config"]
