"""Checks beyond the schema: every asset a lesson names exists and stays inside its own folder."""

from __future__ import annotations

from pathlib import Path

from envlab.lessons.loader import LoadedLesson, Loc, Problem, dotted
from envlab.lessons.model import Fix


def resolve_asset(root: Path, relative: str) -> Path | None:
    """Return ``root/relative`` if it stays inside ``root`` (symlinks resolved), else ``None``."""
    if Path(relative).is_absolute():
        return None
    candidate = (root / relative).resolve()
    if candidate == root or root in candidate.parents:
        return candidate
    return None


def asset_problems(loaded: LoadedLesson, name: str) -> list[Problem]:
    """Every missing or escaping asset reference in ``loaded``, positioned at the field naming it."""
    lesson = loaded.lesson
    root = loaded.assets_dir
    wanted: list[tuple[Loc, str, str]] = []  # (loc, relative path, "file" | "dir" | "any")
    for h_index, host in enumerate(lesson.hosts):
        for f_index, spec in enumerate(host.files):
            if spec.source is not None:
                wanted.append((("hosts", h_index, "files", f_index, "source"), spec.source, "any"))
    fix = lesson.fix
    if isinstance(fix, Fix):
        wanted.append((("fix", "build", "context"), fix.build.context, "dir"))
        if fix.build.inline is None:
            dockerfile = str(Path(fix.build.context) / (fix.build.dockerfile or "Dockerfile"))
            loc: Loc = ("fix", "build", "dockerfile" if fix.build.dockerfile else "context")
            wanted.append((loc, dockerfile, "file"))
    problems = []
    for loc, relative, kind in wanted:
        line, col = loaded.where(loc)
        field = dotted(loc)
        resolved = resolve_asset(root, relative)
        if resolved is None:
            problems.append(Problem(name, line, col, f"{field}: {relative!r} leaves the lesson's assets folder"))
        elif not resolved.exists():
            problems.append(Problem(name, line, col, f"{field}: {relative!r} not found in {root}"))
        elif kind == "dir" and not resolved.is_dir():
            problems.append(Problem(name, line, col, f"{field}: {relative!r} is not a folder"))
        elif kind == "file" and not resolved.is_file():
            problems.append(Problem(name, line, col, f"{field}: {relative!r} is not a file"))
    return problems
