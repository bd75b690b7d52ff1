"""Which images the lessons need, and making them present (`envlab images prepare`)."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from envlab.engine.builds import (
    CONTEXT_LABEL,
    BuildSource,
    lesson_assets,
    packages_dockerfile,
    packages_image,
    with_editor,
)
from envlab.lessons.base import Build
from envlab.lessons.loader import LoadedLesson
from envlab.lessons.model import DriftLesson, Fix, Host, ScenarioLesson
from envlab.runtime.contract import Runtime
from envlab.runtime.labels import KIND

__all__ = [
    "CONTEXT_LABEL",
    "ImageKind",
    "ImageNeed",
    "cluster_needs",
    "console_image",
    "context_digest",
    "fix_image",
    "fix_need",
    "has_editor",
    "host_image",
    "host_packages",
    "image_needs",
    "missing_images",
    "node_image",
    "registry_dockerfile",
    "registry_image",
    "server_base",
    "service_need",
    "service_needs",
]

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


def host_packages(host: Host) -> tuple[str, ...]:
    """The Debian packages a bare host has beyond its base: the lesson's and an editor. A base that is not
    Debian's and is given no packages runs as it is (envlab does not know how to install on it)."""
    if not host.packages and not host.image.startswith("debian:"):
        return ()
    return with_editor(host.packages)


def has_editor(host: Host) -> bool:
    """Whether the learner finds an editor on ``host``: every host envlab installs packages on has one."""
    return bool(host_packages(host))


def host_image(host: Host) -> str:
    """The tag a bare host runs from: its base with its packages, or the base itself when it has none."""
    packages = host_packages(host)
    return packages_image(host.image, packages) if packages else host.image


def fix_image(lesson_id: str) -> str:
    """The tag of a lesson's fix image."""
    return f"envlab-fix/{lesson_id}:latest"


#: What a cluster node installs besides Debian's Docker Engine: the iptables its networks need.
NODE_PACKAGES = ("iptables",)
#: Debian's Docker Engine (daemon, CLI, containerd, runc) is found as the one package of the archive that
#: depends on tini, the init it gives containers, rather than named here.
_ENGINE_PACKAGE = ("$(apt-cache rdepends --no-suggests --no-recommends --no-enhances --no-conflicts --no-breaks "
                   "--no-replaces tini | sed -n '3,$p' | tr -d ' |')")
#: The registry beside a cluster: Debian's packaging of the distribution registry, serving plain HTTP on 5000
#: without the htpasswd auth its packaged configuration turns on (the nodes name it as an insecure registry).
REGISTRY_CONFIG = ("version: 0.1", "log:", "  level: warn", "storage:", "  filesystem:",
                   "    rootdirectory: /var/lib/docker-registry", "http:", "  addr: :5000")


def node_dockerfile(base: str) -> str:
    """The Dockerfile of a cluster node on Debian ``base``: Debian's Docker Engine and iptables. Recommends are
    left out: every node holds its own copy of the image."""
    return (
        f"FROM {base}\n"
        "RUN apt-get update \\\n"
        f" && engine={_ENGINE_PACKAGE} \\\n"
        ' && test -n "$engine" \\\n'
        " && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $engine "
        f"{' '.join(NODE_PACKAGES)} \\\n"
        " && command -v dockerd \\\n"
        " && rm -rf /var/lib/apt/lists/*\n"
        f"LABEL {KIND}=host\n"
    )


def server_base(release: str) -> str:
    """The Debian base a lesson's server of ``release`` (``bookworm``) runs on."""
    return f"debian:{release}-slim"


def node_image(base: str = "debian:bookworm-slim") -> str:
    """The tag of a cluster node on Debian ``base`` (named by its Dockerfile, like the registry's)."""
    return f"envlab-node:{hashlib.sha256(node_dockerfile(base).encode()).hexdigest()[:12]}"


def registry_dockerfile(base: str) -> str:
    """The Dockerfile of the registry beside a cluster: Debian's ``docker-registry`` with a config without auth."""
    config = " ".join(f"'{line}'" for line in REGISTRY_CONFIG)
    return (
        f"FROM {base}\n"
        "RUN apt-get update \\\n"
        " && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends docker-registry \\\n"
        " && rm -rf /var/lib/apt/lists/* \\\n"
        f" && printf '%s\\n' {config} > /etc/docker/registry/config.yml\n"
        "USER docker-registry\n"
        'CMD ["/usr/bin/docker-registry", "serve", "/etc/docker/registry/config.yml"]\n'
        f"LABEL {KIND}=host\n"
    )


def registry_image(base: str = "debian:bookworm-slim") -> str:
    """The tag of the registry image on ``base``."""
    return f"envlab-registry:{hashlib.sha256(registry_dockerfile(base).encode()).hexdigest()[:12]}"


def console_dockerfile(base: str) -> str:
    """The Dockerfile of a learner's console's API filter: HAProxy from Debian (its configuration is given when
    it starts)."""
    return (
        f"FROM {base}\n"
        "RUN apt-get update \\\n"
        " && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends haproxy \\\n"
        " && rm -rf /var/lib/apt/lists/*\n"
        f"LABEL {KIND}=host\n"
    )


def console_image(base: str = "debian:bookworm-slim") -> str:
    """The tag of the console's filter image on ``base``."""
    return f"envlab-apifilter:{hashlib.sha256(console_dockerfile(base).encode()).hexdigest()[:12]}"


def cluster_needs(bases: Iterable[str], *, registry: bool, lessons: tuple[str, ...] = (),
                  console: bool = False) -> list[ImageNeed]:
    """The images a cluster of nodes on ``bases`` needs: each base, a node image per base, and the registry's
    (on the first base) when it has one, and the console's filter (on the first base) when a learner gets a
    console. They are ``host`` images: a Debian base and packages, built by envlab's own package step, the
    one build with a network."""
    bases = list(dict.fromkeys(bases))
    needs = [ImageNeed(base, "base", lessons=lessons) for base in bases]
    needs += [ImageNeed(node_image(base), "host", base=base, dockerfile=node_dockerfile(base),
                        lessons=lessons, packages=NODE_PACKAGES) for base in bases]
    if registry and bases:
        needs.append(ImageNeed(registry_image(bases[0]), "host", base=bases[0],
                               dockerfile=registry_dockerfile(bases[0]), lessons=lessons,
                               packages=("docker-registry",)))
    if console and bases:
        needs.append(ImageNeed(console_image(bases[0]), "host", base=bases[0], dockerfile=console_dockerfile(bases[0]),
                               lessons=lessons, packages=("haproxy",)))
    return needs


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

    def add_packages(base: str, packages: tuple[str, ...], ids: tuple[str, ...]) -> None:
        # With the editor alone on the same base: every packages image of that base is layered on it, and a
        # host given no packages (as `envlab new` writes them) finds its image already prepared.
        for wanted in dict.fromkeys((with_editor(()), packages)):
            add(ImageNeed(packages_image(base, wanted), "host", base=base, dockerfile=packages_dockerfile(base, wanted),
                          lessons=ids, packages=wanted))

    def add_build(need: ImageNeed, ids: tuple[str, ...]) -> None:
        assert need.source is not None
        bases = need.source.bases()
        for base in bases:
            add(ImageNeed(base, "base", lessons=ids))
        for base in need.source.derived(bases):
            add_packages(base, with_editor(need.source.build.packages), ids)
        add(need)

    for loaded in lessons:
        lesson = loaded.lesson
        ids = (lesson.id,)
        match lesson:
            case DriftLesson():
                for host in lesson.hosts:
                    add(ImageNeed(host.image, "base", lessons=ids))
                    if packages := host_packages(host):
                        add_packages(host.image, packages, ids)
                if isinstance(lesson.fix, Fix):
                    add_build(fix_need(loaded), ids)
            case ScenarioLesson():
                for service in lesson.topology.services:
                    if service.image is not None:
                        add(ImageNeed(service.image, "base", lessons=ids))
                for need in service_needs(loaded):
                    add_build(need, ids)
                servers = lesson.topology.servers
                if servers:
                    bases = [server_base(server.debian) for server in servers]
                    for need in cluster_needs(bases, registry=lesson.topology.registry, lessons=ids,
                                              console=bool(lesson.topology.console)):
                        add(need)
    order = {"base": 0, "host": 1, "fix": 2, "service": 3}
    return _layered(sorted(found.values(), key=lambda n: order[n.kind]))


def _layered(needs: list[ImageNeed]) -> list[ImageNeed]:
    """Each host image built on the needed host of its base with the most of its packages, installing only
    the rest: shared packages are installed once, and their layer is stored and carried once.

    The tag stays what the base and the whole package list name, so every host and lesson asking for the
    same packages still gets the same image, whatever the catalog.
    """
    # Only images that are nothing but packages on a base: a node or a registry has its own Dockerfile.
    hosts = [n for n in needs if n.kind == "host" and n.dockerfile == packages_dockerfile(n.base or "", n.packages)]
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
