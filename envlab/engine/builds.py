"""What a lesson image is built from: files read through the walker, and a Dockerfile whose Debian base
envlab has given the lesson's declared packages.

A build has no network, so the Debian packages a lesson image needs are declared (``build.packages``)
and installed by envlab on the base its ``FROM`` names, exactly as a bare host's packages are: the same
base and packages make the same tag, so lessons and hosts share one image. The lesson's ``FROM
<base>`` is then rewritten to that tag (a controlled substitution of envlab's own tag; nothing of the
lesson's text is spliced). Only that package step, a Dockerfile envlab writes, has a network.
"""

from __future__ import annotations

import hashlib
import posixpath
from collections.abc import Iterable
from dataclasses import dataclass

from envlab.lessons import dockerfile
from envlab.lessons.assets import AssetError, AssetsFolder, locate_assets, read_text, read_tree
from envlab.lessons.base import Build
from envlab.lessons.loader import LoadedLesson
from envlab.runtime.labels import KIND

CONTEXT_LABEL = "io.envlab.context-digest"


def lesson_assets(loaded: LoadedLesson) -> AssetsFolder:
    """The lesson's assets folder, located again now (its pack may have changed since validation)."""
    return locate_assets(loaded.path, loaded.lesson.assets, loaded.lesson.id)


#: What every image envlab installs Debian packages into gets besides them: an editor, so a learner can change a
#: file on any bare host. Lesson images built on packages get it too, so they still start from the very image
#: their hosts run from.
EDITOR_PACKAGES = ("nano",)


def with_editor(packages: Iterable[str]) -> tuple[str, ...]:
    """A lesson's package list as envlab installs it: sorted, each once, with :data:`EDITOR_PACKAGES`."""
    return tuple(sorted({*packages, *EDITOR_PACKAGES}))


def packages_dockerfile(base: str, packages: Iterable[str]) -> str:
    """The Dockerfile envlab writes to install Debian ``packages`` on ``base`` (the one step with a network).

    Both values were validated (a Debian tag, package names), so they are written as they are.
    """
    names = " ".join(sorted(set(packages)))
    return (
        f"FROM {base}\n"
        "RUN apt-get update \\\n"
        f" && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends {names} \\\n"
        " && rm -rf /var/lib/apt/lists/*\n"
        f"LABEL {KIND}=host\n"
    )


def packages_image(base: str, packages: Iterable[str]) -> str:
    """The tag of ``base`` with ``packages``: the same for every host and lesson image asking for them."""
    digest = hashlib.sha256(packages_dockerfile(base, packages).encode()).hexdigest()[:12]
    return f"envlab-host:{digest}"


@dataclass(frozen=True)
class BuildInput:
    """Everything one build is sent: the context's files and the Dockerfile as envlab rewrote it."""

    context: list[tuple[str, bytes, int]]
    dockerfile: str

    @property
    def digest(self) -> str:
        """A digest of all of it (paths, modes, bytes), so an unchanged image need not be built again."""
        digest = hashlib.sha256(self.dockerfile.encode() + b"\0")
        for path, data, mode in self.context:
            digest.update(f"{path}\0{mode:o}\0{len(data)}\0".encode())
            digest.update(data)
        return digest.hexdigest()[:16]

    def labels(self, kind: str) -> dict[str, str]:
        """An image's labels: its kind and the digest `images prepare` compares."""
        return {KIND: kind, CONTEXT_LABEL: self.digest}


@dataclass(frozen=True)
class BuildSource:
    """A lesson's build: what it declares, and the assets folder its paths are relative to."""

    assets: AssetsFolder
    build: Build

    @property
    def dockerfile_path(self) -> str | None:
        """The Dockerfile's path in the assets folder, or ``None`` for an inline one."""
        if self.build.inline is not None:
            return None
        return posixpath.normpath(posixpath.join(self.build.context, self.build.dockerfile or "Dockerfile"))

    def dockerfile_text(self) -> str:
        """The lesson's Dockerfile, checked again now: it may have changed since validation.

        Raises:
            AssetError: It cannot be read, or says what a lesson Dockerfile may not.
        """
        path = self.dockerfile_path
        text = self.build.inline if path is None else read_text(self.assets, path)
        assert text is not None
        refused = dockerfile.problems(text)
        if refused:
            line, message = refused[0]
            raise AssetError(f"{path or 'the inline Dockerfile'}:{line}: {message}", hint="run `envlab validate`")
        return text

    def bases(self) -> list[str]:
        """The Debian bases its ``FROM`` lines name."""
        return dockerfile.debian_bases(self.dockerfile_text())

    def derived(self, bases: Iterable[str]) -> dict[str, str]:
        """Each base → the image envlab makes of it with the declared packages (none without packages)."""
        return {base: packages_image(base, with_editor(self.build.packages)) for base in bases if self.build.packages}

    def read(self) -> BuildInput:
        """The context through the walker and the Dockerfile starting from the derived images.

        Raises:
            AssetError: A path crosses a symlink, leaves the assets folder, holds too much, or the
                Dockerfile says what it may not.
        """
        text = self.dockerfile_text()
        rewritten = dockerfile.rewrite_from(text, self.derived(dockerfile.debian_bases(text)))
        tree = read_tree(self.assets, self.build.context)
        if not tree.is_dir:
            raise AssetError(f"the build context {self.build.context!r} is not a folder")
        return BuildInput([(e.path, e.data, e.mode) for e in tree.entries], rewritten)
