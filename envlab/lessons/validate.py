"""Checks beyond the schema: every asset a lesson names exists and stays inside its own folder."""

from __future__ import annotations

import os
from pathlib import Path

from envlab.lessons.loader import LoadedLesson, Problem, dotted
from envlab.lessons.model import DriftLesson, Fix
from envlab.lessons.parse_cache import Loc
from envlab.lessons.scenario_refs import scenario_assets, scenario_references


def resolve_asset(root: Path, relative: str) -> Path | None:
    """Return ``root/relative`` if it stays inside ``root`` (symlinks resolved), else ``None``."""
    if Path(relative).is_absolute():
        return None
    candidate = (root / relative).resolve()
    if candidate == root or root in candidate.parents:
        return candidate
    return None


def reference_problems(loaded: LoadedLesson, name: str) -> list[Problem]:
    """Names that must refer to something: unique setups, check targets, the challenge's host and checks."""
    lesson = loaded.lesson
    found = drift_references(lesson) if isinstance(lesson, DriftLesson) else scenario_references(lesson)
    problems = []
    for loc, message in found:
        line, col = loaded.where(loc)
        field = dotted(loc)
        problems.append(Problem(name, line, col, f"{field}: {message}" if field else message))
    return problems


def drift_references(lesson: DriftLesson) -> list[tuple[Loc, str]]:
    """Unique setups, known check targets and ports, the challenge's host and checks."""
    found: list[tuple[Loc, str]] = []
    if not lesson.setups:
        found.append(((), "a drift lesson needs at least one host or a fix (a scenario lesson needs a topology)"))
    seen: set[str] = set()
    for index, setup in enumerate(lesson.setups):
        loc: Loc = ("hosts", index, "name") if index < len(lesson.hosts) else ("fix", "name")
        if setup.name in seen:
            found.append((loc, f"setup name {setup.name!r} is used twice"))
        seen.add(setup.name)
    for index, check in enumerate(lesson.checks):
        if check.target not in seen:
            found.append((("checks", index, "target"),
                          f"unknown setup {check.target!r} (setups: {', '.join(sorted(seen))})"))
        elif check.type == "http" and check.port not in lesson.setup(check.target).ports:
            found.append((("checks", index, "port"), f"{check.target} does not publish port {check.port}"))
    challenge = lesson.challenge
    if challenge is not None:
        hosts = [h.name for h in lesson.hosts]
        if challenge.target not in hosts:
            found.append((("challenge", "target"), f"unknown host {challenge.target!r} (hosts: {', '.join(hosts)})"))
        names = {c.name for c in lesson.checks}
        for index, check_name in enumerate(challenge.checks):
            if check_name not in names:
                found.append((("challenge", "checks", index), f"unknown check {check_name!r}"))
    return found


def asset_problems(loaded: LoadedLesson, name: str) -> list[Problem]:
    """Every missing or escaping asset reference in ``loaded``, positioned at the field naming it."""
    lesson = loaded.lesson
    root = loaded.assets_dir
    wanted = drift_assets(lesson) if isinstance(lesson, DriftLesson) else scenario_assets(lesson)
    problems = []
    for loc, relative, kind in wanted:
        line, col = loaded.where(loc)
        field = dotted(loc)
        resolved = resolve_asset(root, relative)
        if resolved is None:
            problems.append(Problem(name, line, col, f"{field}: {relative!r} leaves the lesson's assets folder"))
        elif not resolved.exists():
            folder = os.path.relpath(root, loaded.path.parent)
            problems.append(Problem(name, line, col, f"{field}: {relative!r} not found in the assets folder {folder}"))
        elif kind == "dir" and not resolved.is_dir():
            problems.append(Problem(name, line, col, f"{field}: {relative!r} is not a folder"))
        elif kind == "file" and not resolved.is_file():
            problems.append(Problem(name, line, col, f"{field}: {relative!r} is not a file"))
    return problems


def drift_assets(lesson: DriftLesson) -> list[tuple[Loc, str, str]]:
    """(location, relative path, "file" | "dir" | "any") of every asset a drift lesson names."""
    wanted: list[tuple[Loc, str, str]] = []
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
    return wanted
