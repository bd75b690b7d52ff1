"""Image builds on a Docker engine, hardened like containers, from bytes the engine was handed.

The runtime reads nothing from the host for a build: the engine passes every context file as
``(path, data, mode)`` (read through :mod:`envlab.lessons.assets`' walker) and the Dockerfile as text.
Each build has memory and CPU limits, no network unless envlab's own package step asks for one, and
never pulls: the classic builder pulls a missing ``FROM`` image even with ``pull=False``, so every image
a Dockerfile names must be present before the build is sent.

What the classic builder cannot do is documented in docs/authoring.md: a ``RUN`` keeps Docker's default
capabilities and has no process limit (the build API has neither option); memory bounds a fork bomb.
"""

from __future__ import annotations

import io
import posixpath
import tarfile
import time
from collections.abc import Iterator

import docker
import requests.exceptions
import urllib3.exceptions

from envlab.errors import EnvlabError
from envlab.runtime.contract import PREPARE_HINT, LineSink
from envlab.runtime.docker.errors import translating
from envlab.runtime.docker.output import LineSplitter

#: Memory (swap included) of every build step. Installing Debian packages and vendored wheels, the
#: heaviest thing a lesson build does, stays under 300 MiB; 1 GiB leaves room for real builds while a
#: runaway RUN (or a fork bomb: the build API has no process limit) cannot take the machine's memory.
BUILD_MEMORY = 1024 * 1024 * 1024
#: Relative CPU weight of build steps (a container's default is 1024): under contention a running
#: lesson's containers and envlab itself come first.
BUILD_CPU_SHARES = 512
#: Seconds a build may go without printing before envlab gives up on it. apt and pip print a line at
#: least every few seconds; a RUN that sleeps or waits forever would otherwise hold the run for good.
BUILD_IDLE_TIMEOUT = 600
#: Where the Dockerfile goes in the context archive (a context file of that name is left out).
DOCKERFILE_NAME = ".envlab.Dockerfile"


class BuildFailed(EnvlabError):
    """``docker build`` of a lesson image failed; the message is the engine's own error."""


def build_limits(cpus: int) -> dict[str, int | str]:
    """The build API's ``container_limits``: memory without swap, a CPU weight, and every CPU but one.

    The API offers no CPU quota, only a CPU set; leaving one CPU out keeps envlab's own process and
    the learner's terminal responsive while a build runs (one CPU is all there is on a single-CPU engine).
    """
    last = max(cpus - 2, 0)
    return {"memory": BUILD_MEMORY, "memswap": BUILD_MEMORY, "cpushares": BUILD_CPU_SHARES,
            "cpusetcpus": "0" if last == 0 else f"0-{last}"}


def named_images(dockerfile: str) -> list[str]:
    """Every image the Dockerfile's ``FROM`` and ``COPY``/``ADD --from`` name that is not one of its stages.

    The runtime keeps its own promise never to pull, so it reads the Dockerfile itself rather than
    trusting a list it is given.
    """
    stages: set[str] = set()
    images: list[str] = []
    count = 0
    for line in _logical_lines(dockerfile):
        words = line.split()
        keyword = words[0].upper()
        if keyword == "ONBUILD" and len(words) > 1:
            words, keyword = words[1:], words[1].upper()
        if keyword == "FROM":
            args = [w for w in words[1:] if not w.startswith("--")]
            if args and args[0].lower() not in stages and args[0] != "scratch":
                images.append(args[0])
            if len(args) >= 3 and args[1].upper() == "AS":
                stages.add(args[2].lower())
            count += 1
        elif keyword in ("COPY", "ADD"):
            for word in words[1:]:
                ref = word.removeprefix("--from=")
                if ref != word and ref.lower() not in stages and not (ref.isdigit() and int(ref) < count):
                    images.append(ref)
    return list(dict.fromkeys(images))


def _logical_lines(text: str) -> Iterator[str]:
    """Instructions with their continuation lines joined; comments and empty lines skipped."""
    pending = ""
    for raw in text.splitlines():
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        yield pending + stripped
        pending = ""
    if pending.strip():
        yield pending


def context_archive(context: list[tuple[str, bytes, int]], dockerfile: str) -> io.BytesIO:
    """The build context as an archive: the files as given, then the Dockerfile.

    Raises:
        EnvlabError: A path leaves the context (the engine's walker never yields one: refused anyway).
    """
    buffer = io.BytesIO()
    now = int(time.time())

    def add(archive: tarfile.TarFile, name: str, data: bytes, mode: int) -> None:
        info = tarfile.TarInfo(name)
        info.size, info.mode, info.mtime = len(data), mode & 0o777, now
        archive.addfile(info, io.BytesIO(data))

    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for path, data, mode in context:
            name = posixpath.normpath(path)
            if path.startswith("/") or name == ".." or name.startswith("../") or "\0" in path:
                raise EnvlabError(f"build context path {path!r} leaves the context")
            if name != DOCKERFILE_NAME:  # a context file of that name would stand in for envlab's Dockerfile
                add(archive, name, data, mode)
        add(archive, DOCKERFILE_NAME, dockerfile.encode(), 0o644)
    buffer.seek(0)
    return buffer


def build(api: docker.APIClient, *, context: list[tuple[str, bytes, int]], dockerfile: str, tag: str,
          labels: dict[str, str], on_line: LineSink, network: bool, cpus: int) -> str:
    """Send one build through the low-level streaming API, so every line arrives as it happens.

    Raises:
        BuildFailed: The build failed, or printed nothing for :data:`BUILD_IDLE_TIMEOUT` seconds.
    """
    archive = context_archive(context, dockerfile)
    image_id = ""
    with translating(f"building {tag}"):
        stream = api.build(
            fileobj=archive, custom_context=True, tag=tag, rm=True, forcerm=True, pull=False,
            dockerfile=DOCKERFILE_NAME, decode=True, labels=labels, container_limits=build_limits(cpus),
            network_mode=None if network else "none", timeout=BUILD_IDLE_TIMEOUT,
            use_config_proxy=False,  # the operator's proxy settings are not the lesson's to use
        )
        splitter = LineSplitter(on_line)
        try:
            for chunk in stream:
                if "stream" in chunk:
                    splitter.feed(str(chunk["stream"]).encode())
                if "aux" in chunk and "ID" in chunk["aux"]:
                    image_id = str(chunk["aux"]["ID"])
                if "error" in chunk:
                    raise _build_error(tag, str(chunk["error"]))
        except (requests.exceptions.RequestException, urllib3.exceptions.HTTPError, TimeoutError) as exc:
            if not _timed_out(exc):
                raise
            # Closing the connection cancels the build on the engine (its intermediate container goes too).
            raise BuildFailed(f"building {tag} stopped: it printed nothing for {BUILD_IDLE_TIMEOUT}s",
                              hint="a RUN step waits for something that never comes") from None
        finally:
            splitter.close()
        return image_id or str(api.inspect_image(tag)["Id"])


def _timed_out(exc: BaseException | None) -> bool:
    seen = 0
    while exc is not None and seen < 8:
        if isinstance(exc, TimeoutError | urllib3.exceptions.ReadTimeoutError | requests.exceptions.ReadTimeout):
            return True
        exc = exc.__cause__ or exc.__context__ or next((a for a in exc.args if isinstance(a, BaseException)), None)
        seen += 1
    return False


def _build_error(tag: str, message: str) -> EnvlabError:
    text = message.strip()
    if "pull access denied" in text or "manifest unknown" in text or ("not found" in text and "FROM" in text):
        return BuildFailed(f"building {tag} failed: {text}", hint=PREPARE_HINT)
    return BuildFailed(f"building {tag} failed: {text}")
