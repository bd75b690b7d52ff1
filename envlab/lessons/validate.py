"""Checks beyond the schema: references resolve, the lesson-wide bounds hold (setups, replicas, time), and every
asset a lesson names exists inside its own pack."""

from __future__ import annotations

import os
import posixpath
from pathlib import Path

from envlab.lessons import assets, dockerfile
from envlab.lessons.assets import AssetError, AssetMissing, AssetsFolder
from envlab.lessons.limits import MAX_SETUPS, over_budget
from envlab.lessons.loader import LoadedLesson, Problem, dotted
from envlab.lessons.model import DriftLesson, Fix, ScenarioLesson
from envlab.lessons.parse_cache import Loc
from envlab.lessons.scenario_refs import scenario_assets, scenario_references
from envlab.lessons.semantics import semantic_findings


def resolve_asset(root: Path, relative: str) -> Path | None:
    """Return ``root/relative`` if it stays inside ``root`` with no symlink on the way, else ``None``.

    For lookups only: what envlab reads goes through :func:`envlab.lessons.assets.read_tree`.
    """
    try:
        parts = assets.confine(relative)
    except AssetError:
        return None
    path = root
    for part in parts:
        path = path / part
        if path.is_symlink():
            return None
    return path


def reference_problems(loaded: LoadedLesson, name: str) -> list[Problem]:
    """Names that must refer to something, and the bounds only the whole lesson can show (setups, replicas, time)."""
    lesson = loaded.lesson
    found = drift_references(lesson) if isinstance(lesson, DriftLesson) else scenario_references(lesson)
    problems = []
    for loc, message in found:
        line, col = loaded.where(loc)
        field = dotted(loc)
        problems.append(Problem(name, line, col, f"{field}: {message}" if field else message))
    return problems


def semantic_problems(loaded: LoadedLesson, name: str) -> list[Problem]:
    """Fields that contradict each other (see :mod:`envlab.lessons.semantics`): errors and warnings."""
    problems = []
    for finding in semantic_findings(loaded.lesson):
        line, col = loaded.where(finding.loc)
        problems.append(Problem(name, line, col, f"{dotted(finding.loc)}: {finding.message}", finding.severity))
    return problems


def drift_references(lesson: DriftLesson) -> list[tuple[Loc, str]]:
    """Unique setups, known check targets and ports, the challenge's host and checks; how many setups, how long."""
    found: list[tuple[Loc, str]] = []
    if not lesson.setups:
        found.append(((), "a drift lesson needs at least one host or a fix (a scenario lesson needs a topology)"))
    if len(lesson.setups) > MAX_SETUPS:
        found.append((("fix",), f"a lesson may start at most {MAX_SETUPS} setups (hosts and the fix together); "
                               f"this one has {len(lesson.setups)}"))
    found += drift_time(lesson)
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


def drift_time(lesson: DriftLesson) -> list[tuple[Loc, str]]:
    """The lesson's time budget: every step and probe timeout of every setup, and the solution's steps."""
    parts: list[tuple[Loc, float]] = []
    for index, host in enumerate(lesson.hosts):
        parts.append((("hosts", index, "runbook"), sum(step.timeout for step in host.runbook)))
        parts.append((("hosts", index, "probe", "timeout"), host.probe.timeout))
    if lesson.fix is not None:
        parts.append((("fix", "probe", "timeout"), lesson.fix.probe.timeout))
    if lesson.challenge is not None:
        parts.append((("challenge", "solution"), sum(step.timeout for step in lesson.challenge.solution)))
    over = over_budget([(dotted(loc), seconds) for loc, seconds in parts])
    return [] if over is None else [(parts[over[0]][0], over[1])]


def asset_problems(loaded: LoadedLesson, name: str) -> list[Problem]:
    """Every asset reference that is missing, leaves the lesson's pack or assets folder, crosses a symlink
    or holds too much, and everything its Dockerfiles may not say; each positioned at the field naming it."""
    lesson = loaded.lesson

    def problem(loc: Loc, message: str) -> Problem:
        line, col = loaded.where(loc)
        field = dotted(loc)
        return Problem(name, line, col, f"{field}: {message}" if field else message)

    try:
        folder = assets.locate_assets(loaded.path, lesson.assets, lesson.id)
    except AssetError as exc:
        if lesson.assets is None:  # the default folder comes from the id: say so there
            return [problem(("id",), f"the default assets folder: {exc.message}")]
        return [problem(("assets",), exc.message)]
    shown = os.path.relpath(folder.path, os.path.realpath(loaded.path.parent))
    wanted = drift_assets(lesson) if isinstance(lesson, DriftLesson) else scenario_assets(lesson)
    budget = assets.Budget()  # one for the whole lesson: what all its names reach together is bounded
    problems = []
    for loc, relative, kind in wanted:
        try:
            tree = assets.read_tree(folder, relative, contents=False, budget=budget)
        except AssetMissing:
            problems.append(problem(loc, f"{relative!r} not found in the assets folder {shown}"))
            continue
        except AssetError as exc:
            problems.append(problem(loc, exc.message))
            continue
        if kind == "dir" and not tree.is_dir:
            problems.append(problem(loc, f"{relative!r} is not a folder"))
        elif kind == "file" and tree.is_dir:
            problems.append(problem(loc, f"{relative!r} is not a file"))
    for loc, message in dockerfile_problems(lesson, folder):
        problems.append(problem(loc, message))
    return problems


def dockerfile_problems(lesson: DriftLesson | ScenarioLesson, folder: AssetsFolder) -> list[tuple[Loc, str]]:
    """What each build's Dockerfile may not say (see :mod:`envlab.lessons.dockerfile`), at the field naming it.

    A Dockerfile that cannot be read is left to the asset checks, which name why.
    """
    found: list[tuple[Loc, str]] = []
    for loc, build in dockerfile.builds_of(lesson):
        if build.inline is not None:
            text, label, at = build.inline, "inline Dockerfile line ", (*loc, "inline")
        else:
            relative = posixpath.join(build.context, build.dockerfile or "Dockerfile")
            try:
                text = assets.read_text(folder, relative)
            except AssetError:
                continue
            label, at = f"{posixpath.normpath(relative)}:", (*loc, "dockerfile" if build.dockerfile else "context")
        found += [(at, f"{label}{line}: {message}") for line, message in dockerfile.problems(text)]
        if build.packages and not dockerfile.debian_bases(text):
            found.append(((*loc, "packages"), "packages are installed on the Debian base a FROM names, and this "
                                              "Dockerfile names none"))
    return found


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
