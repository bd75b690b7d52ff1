"""Which images the lessons need, and making them present (`envlab images prepare`)."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from envlab.lessons.base import Build
from envlab.lessons.loader import LoadedLesson
from envlab.lessons.model import DriftLesson, Fix, Host, ScenarioLesson
from envlab.runtime.labels import KIND

ImageKind = Literal["base", "host", "fix", "service"]


@dataclass(frozen=True)
class ImageNeed:
    """One image a lesson needs, and how to make it.

    Attributes:
        tag: The image reference.
        kind: ``base`` (a public tag), ``host`` (a base plus a bare host's packages) or ``fix``.
        base: For host images, the base tag they start from.
        dockerfile: For host images, the generated Dockerfile; for fix images, ``None`` or inline.
        context: For fix images, the build context folder.
        dockerfile_name: For fix images, the Dockerfile path inside the context.
        lessons: Ids of the lessons that use it.
    """

    tag: str
    kind: ImageKind
    base: str = ""
    dockerfile: str | None = None
    context: Path | None = None
    dockerfile_name: str | None = None
    lessons: tuple[str, ...] = ()


def host_dockerfile(host: Host) -> str:
    """The Dockerfile that turns a public base into the server as it was before the lesson starts."""
    packages = " ".join(sorted(set(host.packages)))
    return (
        f"FROM {host.image}\n"
        "RUN apt-get update \\\n"
        f" && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends {packages} \\\n"
        " && rm -rf /var/lib/apt/lists/*\n"
        f"LABEL {KIND}=host\n"
    )


def host_image(host: Host) -> str:
    """The tag a bare host runs from: its base, or a derived image when packages were installed."""
    if not host.packages:
        return host.image
    digest = hashlib.sha256(host_dockerfile(host).encode()).hexdigest()[:12]
    return f"envlab-host:{digest}"


def fix_image(lesson_id: str) -> str:
    """The tag of a lesson's fix image."""
    return f"envlab-fix/{lesson_id}:latest"


def image_needs(lessons: Iterable[LoadedLesson]) -> list[ImageNeed]:
    """Every image the lessons need, bases first, each once, with the lessons that use it."""
    found: dict[str, ImageNeed] = {}

    def add(need: ImageNeed) -> None:
        known = found.get(need.tag)
        lessons = (*(known.lessons if known else ()), *need.lessons)
        found[need.tag] = dataclasses.replace(need, lessons=tuple(dict.fromkeys(lessons)))

    for loaded in lessons:
        lesson = loaded.lesson
        ids = (lesson.id,)
        match lesson:
            case DriftLesson():
                for host in lesson.hosts:
                    add(ImageNeed(host.image, "base", lessons=ids))
                    if host.packages:
                        add(ImageNeed(host_image(host), "host", base=host.image, dockerfile=host_dockerfile(host),
                                      lessons=ids))
                if isinstance(lesson.fix, Fix):
                    context = (loaded.assets_dir / lesson.fix.build.context).resolve()
                    for base in _from_lines(lesson.fix, context):
                        add(ImageNeed(base, "base", lessons=ids))
                    add(fix_need(loaded))
            case ScenarioLesson():
                for need in service_needs(loaded):
                    for base in _dockerfile_bases(need):
                        add(ImageNeed(base, "base", lessons=ids))
                    add(need)
    order = {"base": 0, "host": 1, "fix": 2, "service": 3}
    return sorted(found.values(), key=lambda n: order[n.kind])


def _from_lines(fix: Fix, context: Path) -> list[str]:
    """Base images named by the fix's Dockerfile (``FROM x`` and ``FROM x AS y``; stages excluded)."""
    if fix.build.inline is not None:
        text = fix.build.inline
    else:
        try:
            text = (context / (fix.build.dockerfile or "Dockerfile")).read_text(encoding="utf-8")
        except OSError:
            return []
    return _bases_in(text)


def _dockerfile_bases(need: ImageNeed) -> list[str]:
    if need.dockerfile is not None:
        return _bases_in(need.dockerfile)
    try:
        text = ((need.context or Path()) / (need.dockerfile_name or "Dockerfile")).read_text(encoding="utf-8")
    except OSError:
        return []
    return _bases_in(text)


def _bases_in(text: str) -> list[str]:
    bases: list[str] = []
    stages: set[str] = set()
    for line in text.splitlines():
        words = line.split()
        if len(words) >= 2 and words[0].upper() == "FROM":
            image = next(w for w in words[1:] if not w.startswith("--"))
            if image not in stages:
                bases.append(image)
            if len(words) >= 4 and words[-2].upper() == "AS":
                stages.add(words[-1])
    return bases


CONTEXT_LABEL = "io.envlab.context-digest"


def context_digest(need: ImageNeed) -> str:
    """A digest of everything a build depends on: the Dockerfile and every file in the context."""
    digest = hashlib.sha256((need.dockerfile or "").encode())
    digest.update((need.dockerfile_name or "").encode())
    if need.context is not None and need.context.is_dir():
        for path in sorted(p for p in need.context.rglob("*") if p.is_file()):
            digest.update(str(path.relative_to(need.context)).encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def fix_labels(need: ImageNeed) -> dict[str, str]:
    """Labels of a fix image; the digest lets `images prepare` skip an image that is up to date."""
    return {KIND: need.kind, CONTEXT_LABEL: context_digest(need)}


def fix_need(loaded: LoadedLesson) -> ImageNeed:
    """How to build ``loaded``'s fix image."""
    lesson = loaded.lesson
    fix = lesson.fix if isinstance(lesson, DriftLesson) else None
    assert fix is not None, "only a drift lesson with a fix has a fix image"
    return ImageNeed(fix_image(loaded.lesson.id), "fix", dockerfile=fix.build.inline,
                     context=(loaded.assets_dir / fix.build.context).resolve(),
                     dockerfile_name=fix.build.dockerfile, lessons=(loaded.lesson.id,))


def service_need(loaded: LoadedLesson, name: str, build: Build) -> ImageNeed:
    """How to build one service (or balancer) image of a scenario lesson.

    The tag carries a digest of the build context, so lessons sharing an app share its image and a
    changed app gets a new tag (``envlab images prepare`` then builds it).
    """
    context = (loaded.assets_dir / build.context).resolve()
    draft = ImageNeed("", "service", dockerfile=build.inline, context=context, dockerfile_name=build.dockerfile,
                      lessons=(loaded.lesson.id,))
    return ImageNeed(**{**draft.__dict__, "tag": f"envlab-svc/{name}:{context_digest(draft)[:12]}"})


def service_needs(loaded: LoadedLesson) -> list[ImageNeed]:
    """Every image a lesson's topology builds: its services' and its balancer's."""
    if not isinstance(loaded.lesson, ScenarioLesson):
        return []
    topology = loaded.lesson.topology
    needs = [service_need(loaded, s.name, s.build) for s in topology.services if s.build is not None]
    if topology.balancer is not None:
        needs.append(service_need(loaded, "balancer", topology.balancer.build))
    return needs
