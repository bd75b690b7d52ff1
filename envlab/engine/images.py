"""Which images the lessons need, and making them present (`envlab images prepare`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from envlab.engine.builds import CONTEXT_LABEL, BuildSource, lesson_assets, packages_dockerfile, packages_image
from envlab.lessons.base import Build
from envlab.lessons.loader import LoadedLesson
from envlab.lessons.model import DriftLesson, Fix, Host, ScenarioLesson
from envlab.runtime.contract import Runtime

__all__ = ["CONTEXT_LABEL", "ImageKind", "ImageNeed", "context_digest", "fix_image", "fix_need", "host_dockerfile",
           "host_image", "image_needs", "missing_images", "service_need", "service_needs"]

ImageKind = Literal["base", "host", "fix", "service"]


@dataclass(frozen=True)
class ImageNeed:
    """One image a lesson needs, and how to make it.

    Attributes:
        tag: The image reference.
        kind: ``base`` (a public tag), ``host`` (a base plus Debian packages: a bare host's, or the
            ``build.packages`` of a lesson image) or ``fix``/``service`` (a lesson's own build).
        base: For host images, the image they are built on: their Debian base, or another host image of
            that base whose packages they all have too.
        dockerfile: For host images, the Dockerfile envlab wrote.
        source: For fix and service images, the lesson's build and its assets folder.
        lessons: Ids of the lessons that use it.
        packages: For host images, every Debian package they have beyond their Debian base.
    """

    tag: str
    kind: ImageKind
    base: str = ""
    dockerfile: str | None = None
    source: BuildSource | None = None
    lessons: tuple[str, ...] = ()
    packages: tuple[str, ...] = ()


def host_dockerfile(host: Host) -> str:
    """The Dockerfile that turns a public base into the server as it was before the lesson starts."""
    return packages_dockerfile(host.image, host.packages)


def host_image(host: Host) -> str:
    """The tag a bare host runs from: its base, or a derived image when packages were installed."""
    return packages_image(host.image, host.packages) if host.packages else host.image


def fix_image(lesson_id: str) -> str:
    """The tag of a lesson's fix image."""
    return f"envlab-fix/{lesson_id}:latest"


def image_needs(lessons: Iterable[LoadedLesson]) -> list[ImageNeed]:
    """Every image the lessons need, bases first, each once, with the lessons that use it.

    Raises:
        AssetError: A lesson's assets changed since validation so that they cannot be read.
    """
    found: dict[str, ImageNeed] = {}

    def add(need: ImageNeed) -> None:
        known = found.get(need.tag)
        lessons = (*(known.lessons if known else ()), *need.lessons)
        found[need.tag] = dataclasses.replace(need, lessons=tuple(dict.fromkeys(lessons)))

    def add_build(need: ImageNeed, ids: tuple[str, ...]) -> None:
        assert need.source is not None
        bases = need.source.bases()
        for base in bases:
            add(ImageNeed(base, "base", lessons=ids))
        for base, tag in need.source.derived(bases).items():
            add(ImageNeed(tag, "host", base=base, dockerfile=packages_dockerfile(base, need.source.build.packages),
                          lessons=ids, packages=tuple(sorted(set(need.source.build.packages)))))
        add(need)

    for loaded in lessons:
        lesson = loaded.lesson
        ids = (lesson.id,)
        match lesson:
            case DriftLesson():
                for host in lesson.hosts:
                    add(ImageNeed(host.image, "base", lessons=ids))
                    if host.packages:
                        add(ImageNeed(host_image(host), "host", base=host.image, dockerfile=host_dockerfile(host),
                                      lessons=ids, packages=tuple(sorted(set(host.packages)))))
                if isinstance(lesson.fix, Fix):
                    add_build(fix_need(loaded), ids)
            case ScenarioLesson():
                for service in lesson.topology.services:
                    if service.image is not None:
                        add(ImageNeed(service.image, "base", lessons=ids))
                for need in service_needs(loaded):
                    add_build(need, ids)
    order = {"base": 0, "host": 1, "fix": 2, "service": 3}
    return _layered(sorted(found.values(), key=lambda n: order[n.kind]))


def _layered(needs: list[ImageNeed]) -> list[ImageNeed]:
    """Each host image built on the needed host of its base with the most of its packages, installing only
    the rest: shared packages are installed once, and their layer is stored and carried once.

    The tag stays what the base and the whole package list name, so every host and lesson asking for the
    same packages still gets the same image, whatever the catalog.
    """
    hosts = [n for n in needs if n.kind == "host"]
    layered = {}
    for need in hosts:
        below = [h for h in hosts if h.base == need.base and set(h.packages) < set(need.packages)]
        if below:
            parent = max(below, key=lambda h: (len(h.packages), h.packages))
            rest = sorted(set(need.packages) - set(parent.packages))
            layered[need.tag] = dataclasses.replace(need, base=parent.tag,
                                                    dockerfile=packages_dockerfile(parent.tag, rest))
    return [layered.get(n.tag, n) for n in needs]


def missing_images(runtime: Runtime, loaded: LoadedLesson) -> list[ImageNeed]:
    """The images ``loaded`` needs that are not on the engine and that a run cannot build itself.

    A run builds a lesson's own fix and service images when they are missing (without a network); the
    bases and hosts they start from, and every bare host, must be present already.

    Raises:
        AssetError: The lesson's assets cannot be read.
    """
    return [n for n in image_needs([loaded]) if n.kind in ("base", "host") and not runtime.image_present(n.tag)]


def context_digest(need: ImageNeed) -> str:
    """A digest of everything a build is sent: the rewritten Dockerfile and every file of its context.

    Raises:
        AssetError: The context cannot be read (see :meth:`BuildSource.read`).
    """
    assert need.source is not None, "only lesson builds have a context"
    return need.source.read().digest


def fix_need(loaded: LoadedLesson) -> ImageNeed:
    """How to build ``loaded``'s fix image."""
    lesson = loaded.lesson
    fix = lesson.fix if isinstance(lesson, DriftLesson) else None
    assert isinstance(fix, Fix), "only a drift lesson with a fix has a fix image"
    return ImageNeed(fix_image(lesson.id), "fix", source=BuildSource(lesson_assets(loaded), fix.build),
                     lessons=(lesson.id,))


def service_need(loaded: LoadedLesson, name: str, build: Build) -> ImageNeed:
    """How to build one service (or balancer) image of a scenario lesson.

    The tag carries a digest of what the build is sent, so lessons sharing an app share its image and
    a changed app gets a new tag (``envlab images prepare`` then builds it).
    """
    draft = ImageNeed("", "service", source=BuildSource(lesson_assets(loaded), build), lessons=(loaded.lesson.id,))
    return dataclasses.replace(draft, tag=f"envlab-svc/{name}:{context_digest(draft)[:12]}")


def service_needs(loaded: LoadedLesson) -> list[ImageNeed]:
    """Every image a lesson's topology builds: its services' and its balancer's."""
    if not isinstance(loaded.lesson, ScenarioLesson):
        return []
    topology = loaded.lesson.topology
    needs = [service_need(loaded, s.name, s.build) for s in topology.services if s.build is not None]
    if topology.balancer is not None:
        needs.append(service_need(loaded, "balancer", topology.balancer.build))
    return needs
