"""Load lesson YAML safely and turn every problem into ``file:line:col: field: message``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError

from envlab.errors import LessonError
from envlab.lessons.model import DRIFT_FIELDS, KINDS, LESSON_ADAPTER, SCENARIO_FIELDS, DriftLesson, ScenarioLesson
from envlab.lessons.parse_cache import Loc, ParseCache, digest


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a lesson file, positioned for an editor (1-based line and column)."""

    file: str
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}: {self.message}"


class LessonFileError(LessonError):
    """A lesson file has one or more problems."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__(
            "\n".join(str(p) for p in self.problems),
            hint="fix the lines above; `envlab schema` prints every field the format allows",
        )


@dataclass(frozen=True)
class LoadedLesson:
    """A validated lesson with the place it came from."""

    lesson: DriftLesson | ScenarioLesson
    path: Path
    positions: dict[Loc, tuple[int, int]]

    @property
    def assets_dir(self) -> Path:
        """The folder this lesson's assets must stay inside."""
        base = self.path.parent
        if self.lesson.assets is not None:
            return (base / self.lesson.assets).resolve()
        nearby = base / "assets" / self.lesson.id
        return (nearby if nearby.is_dir() else base.parent / "assets" / self.lesson.id).resolve()

    def where(self, loc: Loc) -> tuple[int, int]:
        """The 1-based line and column of the node at ``loc`` (or its nearest parent)."""
        return _nearest(self.positions, loc)


def _yaml() -> YAML:
    # The round-trip loader is a safe loader (no arbitrary tags become objects) that keeps positions.
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    return yaml


def read_yaml(path: Path, display: str | None = None, *,
              cache: ParseCache | None = None) -> tuple[Any, dict[Loc, tuple[int, int]]]:
    """Parse ``path`` and return plain data plus a map from data path to (line, col).

    With a ``cache``, a file whose content was parsed before is not parsed again.

    Raises:
        LessonFileError: The file cannot be read or is not well-formed YAML.
    """
    name = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LessonFileError([Problem(name, 1, 1, f"cannot read the file: {exc}")]) from None
    if cache is None:
        return parse_yaml(text, name)
    key = digest(text)
    parsed = cache.get(key)
    if parsed is None:
        parsed = parse_yaml(text, name)
        cache.put(key, parsed)
    return parsed


def parse_yaml(text: str, name: str) -> tuple[Any, dict[Loc, tuple[int, int]]]:
    """Parse lesson text (``name`` is used in messages); see :func:`read_yaml`."""
    try:
        raw = _yaml().load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = " ".join(str(part) for part in (exc.context, exc.problem) if part)
        if "duplicate key" in what:
            what = "duplicate key: " + what.split('"')[1] if '"' in what else what
        raise LessonFileError([Problem(name, line, col, what.strip())]) from None
    except Exception as exc:  # ruamel raises a few unmarked errors (e.g. bad tags)
        raise LessonFileError([Problem(name, 1, 1, f"not valid YAML: {exc}")]) from None
    positions: dict[Loc, tuple[int, int]] = {(): (1, 1)}
    try:
        return _plain(raw, (), positions), positions
    except _TagFound as found:
        line, col = _nearest(positions, found.loc)
        field = dotted(found.loc)
        message = f"YAML tags are not allowed in lessons (found {found.tag})"
        raise LessonFileError([Problem(name, line, col, f"{field}: {message}" if field else message)]) from None


class _TagFound(Exception):
    def __init__(self, tag: str, loc: Loc) -> None:
        super().__init__(tag)
        self.tag, self.loc = tag, loc


def _plain(node: Any, loc: Loc, positions: dict[Loc, tuple[int, int]]) -> Any:
    tag = getattr(getattr(node, "tag", None), "value", None)
    if tag is not None:
        # Lessons are plain data: an explicit tag (e.g. !!python/object) is refused, never constructed.
        raise _TagFound(str(tag), loc)
    if isinstance(node, CommentedMap):
        out: dict[str, Any] = {}
        here = positions.get(loc, (1, 1))
        for key, value in node.items():
            try:
                kline, kcol = node.lc.key(key)
                vline, vcol = node.lc.value(key)
                key_at, value_at = (kline + 1, kcol + 1), (vline + 1, vcol + 1)
            except KeyError:  # a key merged in with `<<: *anchor` has no position of its own here
                key_at = value_at = here
            positions[(*loc, f"\0key:{key}")] = key_at
            positions[(*loc, str(key))] = value_at
            out[str(key)] = _plain(value, (*loc, str(key)), positions)
        return out
    if isinstance(node, CommentedSeq):
        items = []
        for index, value in enumerate(node):
            line, col = node.lc.item(index)
            positions[(*loc, index)] = (line + 1, col + 1)
            items.append(_plain(value, (*loc, index), positions))
        return items
    if node is None or isinstance(node, str | int | float | bool):
        return str(node) if isinstance(node, str) else node
    return str(node)  # dates and other scalars stay text; the models decide what they accept


def _nearest(positions: dict[Loc, tuple[int, int]], loc: Loc) -> tuple[int, int]:
    for end in range(len(loc), -1, -1):
        if loc[:end] in positions:
            return positions[loc[:end]]
    return (1, 1)


# Names pydantic puts in an error location for the members of a `str | dict[str, str]` text field.
_UNION_LABELS = frozenset({"str", "dict[str,str]"})


def _data_loc(data: Any, loc: Iterable[str | int]) -> Loc:
    """Keep the parts of a pydantic error location that are places in the file.

    Pydantic also names the tag of a discriminated union (the lesson's kind, ``checks[0].command.run``)
    and the member of a plain union; neither is a key an author wrote, so both are dropped.
    """
    kept: list[str | int] = []
    node = data
    for part in loc:
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


def dotted(loc: Loc) -> str:
    """Render a data path the way authors read it: ``hosts[1].runbook[0].run``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _problems(exc: ValidationError, data: Any, positions: dict[Loc, tuple[int, int]], name: str) -> list[Problem]:
    problems = []
    for error in exc.errors():
        loc = _data_loc(data, error["loc"])
        kind = error["type"]
        message = error["msg"]
        if kind == "extra_forbidden":
            where = positions.get((*loc[:-1], f"\0key:{loc[-1]}")) or _nearest(positions, loc)
            message = "unknown field (check its spelling against `envlab schema`)"
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
        raise LessonFileError(_problems(exc, data, positions, name)) from None
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
