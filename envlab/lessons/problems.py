"""What is wrong with a lesson file, positioned for an editor: ``file:line:col: field: message``.

Both halves of loading speak this vocabulary: :mod:`envlab.lessons.yaml_reader` for the YAML itself and
:mod:`envlab.lessons.loader` for the lesson it holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath
from typing import Literal

from envlab.errors import LessonError
from envlab.lessons.assets import PACK_FILE
from envlab.lessons.parse_cache import Loc
from envlab.lessons.text import visible

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a lesson file, positioned for an editor (1-based line and column).

    An ``error`` keeps the lesson from loading. A ``warning`` is a lesson that loads and runs but very
    likely does not do what its author meant; it is printed as ``file:line:col: warning: ...``, the way
    compilers mark theirs, and never makes `envlab validate` fail.
    """

    file: str
    line: int
    col: int
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        # A stranger's file name or key may hold terminal escapes: print them, never let them act.
        mark = "warning: " if self.severity == "warning" else ""
        return visible(f"{self.file}:{self.line}:{self.col}: {mark}{self.message}")


class LessonFileError(LessonError):
    """A lesson file (or the ``pack.yaml`` of its pack) has one or more problems."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        manifest = bool(problems) and all(PurePath(p.file).name == PACK_FILE for p in problems)
        super().__init__(
            "\n".join(str(p) for p in self.problems),
            hint=(f"fix the pack's {PACK_FILE} as the lines above say (`envlab schema --pack` prints every field it "
                  "allows); its lessons load once it is valid") if manifest
            else "fix the lines above; `envlab schema` prints every field the format allows",
        )


def dotted(loc: Loc) -> str:
    """Render a data path the way authors read it: ``hosts[1].runbook[0].run``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def nearest(positions: dict[Loc, tuple[int, int]], loc: Loc) -> tuple[int, int]:
    """The position of ``loc``, else of its nearest parent that has one, else the top of the file."""
    for end in range(len(loc), -1, -1):
        if loc[:end] in positions:
            return positions[loc[:end]]
    return (1, 1)
