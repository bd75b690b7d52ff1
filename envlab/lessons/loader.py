"""Load lesson YAML safely and turn every problem into ``file:line:col: field: message``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from envlab.lessons.assets import locate_assets
from envlab.lessons.model import DRIFT_FIELDS, KINDS, LESSON_ADAPTER, SCENARIO_FIELDS, DriftLesson, ScenarioLesson
from envlab.lessons.parse_cache import Loc, ParseCache
from envlab.lessons.problems import LessonFileError, Problem, dotted
from envlab.lessons.problems import nearest as _nearest
from envlab.lessons.yaml_reader import parse_yaml, read_yaml

if TYPE_CHECKING:
    from envlab.lessons.pack import LoadedPack

# Importers of this module's names from before the YAML reader had its own module keep working.
__all__ = ["LessonFileError", "LoadedLesson", "Problem", "dotted", "load_lesson", "parse_yaml", "read_yaml"]


@dataclass(frozen=True)
class LoadedLesson:
    """A validated lesson with the place it came from.

    Attributes:
        warnings: What validation found that does not stop the lesson from running (see
            :class:`~envlab.lessons.problems.Problem`).
        pack: The pack the lesson belongs to, when its pack has a ``pack.yaml``.
    """

    lesson: DriftLesson | ScenarioLesson
    path: Path
    positions: dict[Loc, tuple[int, int]]
    warnings: tuple[Problem, ...] = ()
    pack: LoadedPack | None = None

    @property
    def assets_dir(self) -> Path:
        """The folder this lesson's assets must stay inside (see :mod:`envlab.lessons.assets`).

        For display and lookups only: reads go through :func:`envlab.lessons.assets.read_tree`.

        Raises:
            AssetError: The folder leaves the lesson's pack (validation refuses such a lesson).
        """
        return locate_assets(self.path, self.lesson.assets, self.lesson.id).path

    def where(self, loc: Loc) -> tuple[int, int]:
        """The 1-based line and column of the node at ``loc`` (or its nearest parent)."""
        return _nearest(self.positions, loc)


# Names pydantic puts in an error location for the members of a `str | dict[str, str]` text field.
_UNION_LABELS = frozenset({"str", "map"})


def _data_loc(data: Any, loc: Iterable[str | int]) -> Loc:
    """Keep the parts of a pydantic error location that are places in the file.

    Pydantic also names the tag of a discriminated union (the lesson's kind, ``checks[0].command.run``)
    and the member of a plain union; neither is a key an author wrote, so both are dropped.
    """
    kept: list[str | int] = []
    node = data
    for part in loc:
        if part == "[key]":
            continue  # pydantic's mark of an error in a mapping's key: the key is the part before it
        if isinstance(node, dict) and isinstance(part, str):
            if part in node:
                node = node[part]
                kept.append(part)
            elif node.get("type") == part or part in _UNION_LABELS or (not kept and part in KINDS):
                continue  # a union's tag or member: the lesson's kind, a check's type
            else:
                kept.append(part)  # a missing or unknown key: keep it so the message names it
                node = None
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
            kept.append(part)
    return tuple(kept)


def validation_problems(exc: ValidationError, data: Any, positions: dict[Loc, tuple[int, int]],
                        name: str) -> list[Problem]:
    """Each error pydantic found in ``data`` (a lesson's or a pack's), at the line and column of its field."""
    problems = []
    for error in exc.errors():
        loc = _data_loc(data, error["loc"])
        kind = error["type"]
        message = error["msg"]
        if kind == "extra_forbidden" or "[key]" in error["loc"]:  # a wrong key: point at the key itself
            where = positions.get((*loc[:-1], f"\0key:{loc[-1]}")) or _nearest(positions, loc)
            if kind == "extra_forbidden":
                message = "unknown field (check its spelling against `envlab schema`)"
            else:
                message = message[0].lower() + message[1:] if message else message
        elif kind == "missing":
            where = _nearest(positions, loc[:-1])
            message = "field required"
        else:
            where = _nearest(positions, loc)
            message = message.removeprefix("Value error, ")
            message = message[0].lower() + message[1:] if message else message
        field = dotted(loc)
        problems.append(Problem(name, where[0], where[1], f"{field}: {message}" if field else message))
    return problems


def load_lesson(path: Path, *, display: str | None = None, cache: ParseCache | None = None) -> LoadedLesson:
    """Load and validate one lesson file.

    Args:
        path: The YAML file.
        display: How to name the file in messages (defaults to the path as given).

    Raises:
        LessonFileError: The file is not valid YAML or not a valid lesson.
    """
    name = display or str(path)
    data, positions = read_yaml(path, name, cache=cache)
    if not isinstance(data, dict):
        raise LessonFileError([Problem(name, 1, 1, "a lesson file must be a mapping of fields")])
    mixed = _mixed_kinds(data, positions, name)
    if mixed is not None:
        raise LessonFileError([mixed])
    try:
        lesson = LESSON_ADAPTER.validate_python(data)
    except ValidationError as exc:
        raise LessonFileError(validation_problems(exc, data, positions, name)) from None
    return LoadedLesson(lesson=lesson, path=path, positions=positions)


def _mixed_kinds(data: dict[str, Any], positions: dict[Loc, tuple[int, int]], name: str) -> Problem | None:
    """A file that has fields of both lesson kinds, named at the first field of the minority kind.

    Without this, validation would pick one kind and call the other kind's fields unknown, which
    hides what the author meant.
    """
    drift = [key for key in DRIFT_FIELDS if key in data]
    scenario = [key for key in SCENARIO_FIELDS if key in data]
    if not drift or not scenario:
        return None
    looks, strays, evidence = ("scenario", drift, scenario) if "topology" in data else ("drift", scenario, drift)
    stray = min(strays, key=lambda key: positions.get((f"\0key:{key}",), (1, 1)))
    line, col = positions.get((f"\0key:{stray}",), (1, 1))
    other = "drift" if looks == "scenario" else "scenario"
    message = (f"{stray}: a lesson is of one kind; this one looks like a {looks} lesson (it has "
               f"{', '.join(evidence)}), but {', '.join(strays)} belong to a {other} lesson: "
               f"move them into a {other} lesson of their own")
    return Problem(name, line, col, message)
