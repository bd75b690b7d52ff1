"""A pack's manifest, ``pack.yaml``: what the pack is, which envlab it needs, and its chapters' titles.

The file sits at the top of a pack (see :mod:`envlab.lessons.assets`, which also makes it the pack's
boundary) and is data from a stranger like every lesson: read by the same YAML reader, checked by a
model that forbids unknown keys, every problem at ``pack.yaml:line:col: field: message``. A pack whose
manifest is refused, or that needs another envlab than the one running, loads none of its lessons.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version
from pydantic import BeforeValidator, Field, ValidationError
from pydantic.functional_validators import AfterValidator

from envlab import __version__
from envlab.lessons import limits
from envlab.lessons.assets import PACK_FILE, builtin_root, pack_root
from envlab.lessons.base import Model, Name, Text, _printable
from envlab.lessons.loader import validation_problems
from envlab.lessons.parse_cache import Loc, ParseCache
from envlab.lessons.problems import LessonFileError, Problem, nearest
from envlab.lessons.yaml_reader import read_yaml

#: Authors a pack may name; chapters it may title (as many as a lesson's ``chapter`` allows).
MAX_AUTHORS = 20
MAX_CHAPTER = 99


def _quoted(value: object) -> object:
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError(f"quote it: \"{value}\" (unquoted, YAML reads it as a number, and 1.10 as 1.1)")
    return value


def _parses(parse: Callable[[str], object], error: type[ValueError], said: str) -> Callable[[str], str]:
    """A validator that keeps a string ``parse`` reads, and refuses one it raises ``error`` for, saying ``said``."""

    def check(value: str) -> str:
        try:
            parse(value)
        except error:
            raise ValueError(f"{value!r} is not {said}") from None
        return value

    return check


_version = _parses(Version, InvalidVersion, 'a version: write it as numbers with dots, e.g. "1.0" or "2.3.1" (PEP 440)')
_specifier = _parses(SpecifierSet, InvalidSpecifier, 'a version requirement: write e.g. ">=0.1" or ">=0.1,<0.2" '
                     "(PEP 440 specifiers, comma-separated)")


PackVersion = Annotated[str, BeforeValidator(_quoted), Field(min_length=1, max_length=64), AfterValidator(_version),
                        Field(description="The pack's own version, e.g. \"1.0\" (PEP 440); quote it.")]
Requirement = Annotated[str, BeforeValidator(_quoted), Field(min_length=1, max_length=200),
                        AfterValidator(_specifier),
                        Field(description="The envlab versions the pack works with, e.g. \">=0.1,<0.2\" (PEP 440 "
                                          "specifiers); another envlab refuses the pack.")]
Author = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_printable)]
Language = Annotated[str, Field(pattern=r"^[a-z]{2,3}$", description="A language code: en, ja.")]
Chapter = Annotated[int, Field(ge=1, le=MAX_CHAPTER)]


class PackManifest(Model):
    """``pack.yaml``: the pack's identity, the envlab it needs, and the titles of its chapters."""

    id: Name = Field(description="The pack's id.")
    title: Text = Field(description="The pack's title, shown in `envlab list` and beside its lessons.")
    version: PackVersion
    authors: list[Author] = Field(default_factory=list, max_length=MAX_AUTHORS,
                                  description="Who wrote the pack, e.g. \"Aiko Tanaka <aiko@example.org>\".")
    languages: list[Language] = Field(default_factory=lambda: ["en"], min_length=1,
                                      max_length=limits.MAX_LANGUAGES,
                                      description="The languages its texts are written in.")
    envlab: Requirement | None = Field(default=None, description="The envlab versions the pack needs "
                                       "(default: any).")
    chapters: dict[Chapter, Text] = Field(default_factory=dict, max_length=MAX_CHAPTER,
                                          json_schema_extra={"propertyNames": {"pattern": "^[1-9][0-9]?$"}},
                                          description="Chapter number (1–99) → the chapter's title, for the "
                                          "chapters the pack's lessons are in.")


class PackFileError(LessonFileError):
    """A ``pack.yaml`` has problems, or needs another envlab: none of the pack's lessons loads (the hint names
    ``envlab schema --pack``, as for any problems all in a ``pack.yaml``)."""


@dataclass(frozen=True)
class LoadedPack:
    """A pack's validated manifest and where it is.

    Attributes:
        manifest: What ``pack.yaml`` says.
        path: The ``pack.yaml`` file.
        builtin: Whether it is the built-in course's.
    """

    manifest: PackManifest
    path: Path
    builtin: bool

    def chapter(self, number: int) -> str | dict[str, str] | None:
        """The title the pack gives chapter ``number``, if it gives one."""
        return self.manifest.chapters.get(number)


def load_pack(path: Path, *, display: str | None = None, cache: ParseCache | None = None) -> LoadedPack:
    """Read and check a ``pack.yaml``, and that the running envlab is one it works with.

    Raises:
        PackFileError: The file is not valid YAML or not a valid manifest, or it needs another envlab.
    """
    name = display or str(path)
    try:
        data, positions = read_yaml(path, name, cache=cache)
    except LessonFileError as exc:
        raise PackFileError(exc.problems) from None
    if not isinstance(data, dict):
        raise PackFileError([Problem(name, 1, 1, f"a {PACK_FILE} must be a mapping of fields (id, title, "
                                                   "version, …)")])
    try:
        manifest = PackManifest.model_validate(data)
    except ValidationError as exc:
        raise PackFileError(validation_problems(exc, data, positions, name)) from None
    refused = version_problem(manifest, positions, name)
    if refused is not None:
        raise PackFileError([refused])
    builtin = Path(os.path.realpath(path.parent)) == Path(os.path.realpath(builtin_root()))
    return LoadedPack(manifest, path, builtin)


def version_problem(manifest: PackManifest, positions: dict[Loc, tuple[int, int]], name: str, *,
                    running: str = __version__) -> Problem | None:
    """The pack's ``envlab`` requirement against the running envlab: ``None`` when it is met."""
    if manifest.envlab is None or SpecifierSet(manifest.envlab).contains(Version(running), prereleases=True):
        return None
    line, col = nearest(positions, ("envlab",))
    return Problem(name, line, col, f"envlab: the pack {manifest.id!r} needs envlab {manifest.envlab}, and this is "
                                    f"envlab {running}: install an envlab that matches, or use a release of the pack "
                                    f"made for envlab {running}")


_SEEN: dict[tuple[str, str, int, int], LoadedPack | list[Problem]] = {}


def pack_of(lesson_file: Path, *, show: Callable[[Path], str] = str,
            cache: ParseCache | None = None) -> LoadedPack | None:
    """The pack a lesson file belongs to: the ``pack.yaml`` at its pack root, or ``None`` without one.

    A manifest is read once per process while it is unchanged (every lesson of a pack asks for it).

    Args:
        lesson_file: The lesson file.
        show: How to name ``pack.yaml`` in messages.
        cache: Parsed files seen before.

    Raises:
        PackFileError: The pack's manifest is refused (its lessons are refused with it).
    """
    root, _guessed = pack_root(lesson_file)
    path = root / PACK_FILE
    try:
        st = path.stat()
    except OSError:
        return None
    name = show(path)
    key = (str(path), name, st.st_mtime_ns, st.st_size)
    known = _SEEN.get(key)
    if known is None:
        try:
            known = load_pack(path, display=name, cache=cache)
        except LessonFileError as exc:
            known = exc.problems
        _SEEN[key] = known
    if isinstance(known, list):
        raise PackFileError(known)
    return known


def pack_schema() -> dict[str, Any]:
    """The JSON Schema editors use to check and complete ``pack.yaml``."""
    schema = PackManifest.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema, "title": "envlab pack"}
