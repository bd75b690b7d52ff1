"""The disk watchdog: stop an envlab container whose writable layer passes its disk bound.

The engine's fuse-overlayfs storage has no per-container size option (``--storage-opt size`` is
refused), so the bound is kept in two parts. The kernel stops any one file at half the bound (the
``fsize`` limit in :mod:`envlab.runtime.docker.hardening`); this thread catches many files together.
It lists the running containers of the sessions it watches, has
:class:`~envlab.runtime.docker.meter.LayerMeter` size their layers, and kills a container past its bound.

It paces itself by what its last poll cost, so it spends at most
:data:`~envlab.runtime.bounds.DISK_POLL_SHARE` of the time polling: every 2 s with the meter's helper
(about 50 ms a poll), every 20 to 40 s when only the engine's own sizing is there (a second or more
per container). A container that grows towards its bound is polled sooner, when half its headroom
would be gone at the pace it grew. What a container writing flat out puts past its bound before it
is caught is its write rate times the time between two polls (about 1 GiB on this engine, whose
page cache takes 1 GB/s); a steady writer is caught within a few MiB.

A killed container stays stopped (a restart policy ignores a kill; an orchestrator starts a fresh
task instead) and keeps its layer until the run removes it.
"""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass
from typing import Any

import docker
import docker.errors
import requests.exceptions

from envlab.runtime.bounds import (
    DISK_BYTES,
    DISK_LABEL,
    DISK_POLL_MIN,
    DISK_POLL_SHARE,
    DISK_POLL_URGENT_SHARE,
    DiskBreach,
)
from envlab.runtime.docker.meter import LayerMeter
from envlab.runtime.labels import REPLICA, SESSION, SETUP

#: How long the thread keeps polling sessions with nothing running before it ends (seconds).
IDLE_AFTER = 30.0


@dataclass
class _Sample:
    used: int
    at: float


class DiskWatchdog:
    """Polls the writable-layer size of the running containers of the sessions it watches.

    The thread starts with the first :meth:`watch` and ends when nothing it watches has run for a
    while; the next :meth:`watch` starts it again.

    Args:
        api: The engine's low-level client.
    """

    def __init__(self, api: docker.APIClient) -> None:
        self._api = api
        self.meter = LayerMeter(api)
        self._lock = threading.Lock()
        self._watched: set[str] = set()  # listing filters: label=<session label> or id=<id>
        self._generation = 0  # bumped by watch(), so the thread never ends just as work arrives
        self._thread: threading.Thread | None = None
        self._samples: dict[str, _Sample] = {}
        self._breaches: dict[str, DiskBreach] = {}
        self.polls = 0  # how many polls it made (tests and measurements read it)
        self.cost = 0.0  # how long the last poll took, in seconds

    def watch(self, labels: dict[str, str], container: str) -> None:
        """Keep ``container`` within its bound from now on, and every container of its session with it
        (an orchestrator's tasks carry the session's labels but are not started through envlab)."""
        key = f"label={SESSION}={labels[SESSION]}" if labels.get(SESSION) else f"id={container}"
        with self._lock:
            self._watched.add(key)
            self._generation += 1
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="envlab-disk-watchdog", daemon=True)
                self._thread.start()

    def breach(self, container: str) -> DiskBreach | None:
        """Why ``container`` (its id) was stopped, if the watchdog stopped it."""
        with self._lock:
            return self._breaches.get(container)

    def breaches(self) -> list[DiskBreach]:
        """Every container this watchdog stopped, oldest first."""
        with self._lock:
            return list(self._breaches.values())

    def check_now(self) -> float:
        """Poll once; return how long to wait before the next poll, or -1 when nothing watched runs.

        The wait keeps the polls to :data:`~envlab.runtime.bounds.DISK_POLL_SHARE` of the time, as
        this poll cost; when a container grows towards its bound, it is the time half its headroom
        would last at that pace, down to :data:`~envlab.runtime.bounds.DISK_POLL_URGENT_SHARE`.
        """
        with self._lock:
            watched = sorted(self._watched)
        started, soonest = time.monotonic(), float("inf")
        rows: list[dict[str, Any]] = []
        for key in watched:
            kind, value = key.split("=", 1)
            rows += [row for row in self._api.containers(filters={kind: value, "status": "running"})
                     if row["Id"] != self.meter.helper]
        sizes = self.meter.sizes(rows)
        now = time.monotonic()
        self.polls += 1
        samples: dict[str, _Sample] = {}
        for row in rows:
            if str(row["Id"]) in sizes:
                soonest = min(soonest, self._judge(row, sizes[str(row["Id"])], now, samples))
        self._samples = samples  # containers that stopped are forgotten
        self.cost = time.monotonic() - started
        if not rows:
            self.meter.close()  # nothing to measure; starting it again takes a tenth of a second
            return -1.0
        relaxed = max(DISK_POLL_MIN, self.cost / DISK_POLL_SHARE)
        return max(DISK_POLL_MIN / 4, self.cost / DISK_POLL_URGENT_SHARE, min(relaxed, soonest))

    def _judge(self, row: dict[str, Any], used: int, now: float, samples: dict[str, _Sample]) -> float:
        """Kill the container of ``row`` if its layer (``used`` bytes) is past its bound; else return how
        long half its headroom lasts at the pace it grew since the last poll (infinity if it did not)."""
        cid, labels = str(row["Id"]), dict(row.get("Labels") or {})
        bound = _bound(labels)
        if used > bound:
            self._kill(cid, _name(row, labels), used, bound)
            return float("inf")
        last = self._samples.get(cid)
        samples[cid] = _Sample(used, now)
        if last is None or used <= last.used or now <= last.at:
            return float("inf")
        return (bound - used) / ((used - last.used) / (now - last.at)) / 2

    def _kill(self, cid: str, name: str, used: int, bound: int) -> None:
        # Recorded before the kill, so a command whose stream the kill ends already finds why.
        with self._lock:
            self._breaches.setdefault(cid, DiskBreach(cid, name, used, bound))
        with contextlib.suppress(docker.errors.NotFound, docker.errors.APIError):  # it ended by itself first
            self._api.kill(cid)

    def _run(self) -> None:
        idle_since: float | None = None
        # A container that lives less than one interval (a probe, a check) never needs the meter's helper.
        time.sleep(DISK_POLL_MIN)
        while True:
            with self._lock:
                generation = self._generation
            try:
                wait = self.check_now()
            except (docker.errors.DockerException, requests.exceptions.RequestException, OSError):
                wait = DISK_POLL_MIN  # the engine is busy or gone: the run itself will say so
            if wait >= 0:
                idle_since = None
            else:
                idle_since = idle_since or time.monotonic()
                wait = DISK_POLL_MIN
                if time.monotonic() - idle_since >= IDLE_AFTER:
                    with self._lock:
                        if self._generation == generation:
                            self._thread = None
                            self._watched.clear()
                            self._samples.clear()
                            return
                    idle_since = None
            time.sleep(wait)


def _bound(labels: dict[str, Any]) -> int:
    try:
        return max(1, int(str(labels.get(DISK_LABEL, DISK_BYTES))))
    except ValueError:
        return DISK_BYTES


def _name(row: dict[str, Any], labels: dict[str, Any]) -> str:
    """How a learner knows the container: its setup (prod-server), its replica (web-2), else its name."""
    for label in (SETUP, REPLICA):
        if labels.get(label):
            return str(labels[label])
    names = row.get("Names")
    if isinstance(names, list) and names:
        return str(names[0]).lstrip("/")
    return str(row["Id"])[:12]
