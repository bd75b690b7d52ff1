"""Before the first run: which images are still missing, about how big and how long preparing them is,
and whether a registry or only Debian's archive answers from this machine.

Both faces read these; nothing here talks to a terminal. The figures are estimates, and say so.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterable, Mapping, Set
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from envlab.engine.images import ImageNeed
from envlab.engine.prepare import KIND_COST, MB, WORKERS, Cost, built_from, cost
from envlab.runtime.contract import MIRROR_VARIABLE, OFFLINE_VARIABLE, EngineInfo, Runtime

__all__ = ["KIND_COST", "MB", "Cost", "Estimate", "Reach", "built_from", "debian_archive", "estimate",
           "missing_needs", "probe_network", "registry_address"]


@dataclass(frozen=True)
class Estimate:
    """About how much preparing some images adds to the engine and how long it takes."""

    bytes: int
    seconds: float


def missing_needs(runtime: Runtime, needs: Iterable[ImageNeed]) -> list[ImageNeed]:
    """The images among ``needs`` that are not on the engine (what `envlab images prepare` would make).

    A fix or service image that is present but was built from other files is not counted: a run or a
    prepare rebuilds it from the lesson's own files, with no network.
    """
    needs = list(needs)
    present = runtime.image_facts([need.tag for need in needs])
    return [need for need in needs if need.tag not in present]


def estimate(needs: list[ImageNeed], *, workers: int = WORKERS, spent: Mapping[str, float] | None = None,
             after: Mapping[str, Set[str]] | None = None) -> Estimate:
    """About how big and how long preparing ``needs`` is, scheduled as :func:`~envlab.engine.prepare.prepare_all`
    schedules them: ``workers`` at a time, each image once what it is built from is ready.

    Args:
        needs: The images still to prepare.
        workers: How many are prepared at once.
        spent: Seconds already spent on images under way, by tag (an ETA while preparing).
        after: :func:`built_from` of these needs or of more (then only those among ``needs`` count);
            without it the Dockerfiles are read, so a face that asks often passes it.
    """
    spent = spent or {}
    tags = {need.tag for need in needs}
    known = after if after is not None else built_from(needs)
    deps = {need.tag: known.get(need.tag, frozenset()) & tags for need in needs}
    left = {need.tag: max(cost(need).seconds - spent.get(need.tag, 0.0), 0.0) for need in needs}
    free = [0.0] * max(workers, 1)  # when each worker is next free
    finish: dict[str, float] = {}
    pending = [need.tag for need in needs]
    while pending:
        ready = [tag for tag in pending if all(t in finish for t in deps[tag])]
        if not ready:
            break  # a cycle: prepare_all fails those at once
        # The ready image that can start soonest goes to the worker that is free soonest.
        tag = min(ready, key=lambda tag: max((finish[t] for t in deps[tag]), default=0.0))
        slot = free.index(min(free))
        start = max(free[slot], max((finish[t] for t in deps[tag]), default=0.0))
        finish[tag] = free[slot] = start + left[tag]
        pending.remove(tag)
    return Estimate(sum(cost(need).bytes for need in needs), max(finish.values(), default=0.0))


# who answers -----------------------------------------------------------------------------------
PROBE_TIMEOUT = 2.0  # seconds; a network that answers at all answers a TCP connect well within this
_DEFAULT_MIRROR = re.compile(r'^DEF_MIRROR="(?P<url>[^"]+)"', re.M)


@dataclass(frozen=True)
class Reach:
    """What answers from this machine: a registry to pull bases from, Debian's archive to bootstrap them."""

    registry: bool
    debian: bool


def _address(url: str) -> tuple[str, int] | None:
    parts = urlsplit(url if "//" in url else f"//{url}")
    if not parts.hostname:
        return None
    return parts.hostname, parts.port or (80 if parts.scheme == "http" else 443)


def registry_address(info: EngineInfo) -> tuple[str, int] | None:
    """Where the engine pulls from: its first registry mirror, else the index it names (as the engine
    itself reports them; envlab names no registry of its own)."""
    return _address(info.registry) if info.registry else None


def debian_archive() -> tuple[str, int] | None:
    """The host and port debootstrap would download from: the mirror ``ENVLAB_DEBIAN_MIRROR`` names, else
    debootstrap's own default (read from the installed debootstrap); ``None`` without debootstrap."""
    mirror = os.environ.get(MIRROR_VARIABLE, "")
    if mirror:
        return _address(mirror)
    found = shutil.which("debootstrap")
    if found is None:
        return None
    try:
        match = _DEFAULT_MIRROR.search(Path(found).read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return None
    return _address(match.group("url")) if match else None


def _connect(address: tuple[str, int], opened: threading.Event, timeout: float) -> None:
    try:
        with socket.create_connection(address, timeout=timeout):
            opened.set()
    except OSError:
        pass


def probe_network(registry: tuple[str, int] | None, *, timeout: float = PROBE_TIMEOUT) -> Reach:
    """Whether ``registry`` and Debian's archive answer a TCP connection from here, both tried at once.

    Returns within about ``timeout`` seconds whatever the network does: a name lookup has no timeout of its
    own (an unreachable resolver can hold it for many seconds), so each connection is tried in a daemon
    thread that is left behind if it does not answer in time. With ``ENVLAB_OFFLINE`` set envlab never
    pulls, so a registry is not tried.
    """
    targets = {}
    archive = debian_archive()
    if archive is not None:
        targets["debian"] = archive
    if registry is not None and not os.environ.get(OFFLINE_VARIABLE):
        targets["registry"] = registry
    opened = {name: threading.Event() for name in targets}
    for name, address in targets.items():
        threading.Thread(target=_connect, args=(address, opened[name], timeout), name="envlab-probe",
                         daemon=True).start()
    deadline = time.monotonic() + timeout
    for event in opened.values():
        event.wait(max(deadline - time.monotonic(), 0.0))
    return Reach(registry="registry" in opened and opened["registry"].is_set(),
                 debian="debian" in opened and opened["debian"].is_set())
