"""Room on a shared engine: a run starts only when the engine has the memory and the runs to spare.

Several envlab processes may share one engine (a room of kiosk terminals on one host, kiosks in their
own containers). Each run first claims its room on the engine (:class:`~envlab.runtime.contract.Rooms`):
the memory its containers may take in all (the sum of their limits, which the engine enforces) and one
run slot. Claims queue in one order every process agrees on; a run goes ahead when the claims before
it and its own fit, and waits — saying so — while they do not. So a full engine makes the next learner
wait for room rather than meet an out-of-memory kill or a timeout, and the queue is first come, first
served. A claim lasts until its run is torn down; a dead session's claims are swept with the rest of
what it left, so a crashed kiosk never holds room.

The room is the engine machine's memory less :data:`SYSTEM_MEMORY`, and :data:`RUNS_PER_CPU` runs per
CPU (docs/performance.md has the figures behind it); an operator may set either with
``ENVLAB_ROOM_MEMORY`` (e.g. ``6g``) and ``ENVLAB_MAX_RUNS``.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from envlab.errors import EnvlabError
from envlab.lessons.model import DriftLesson, Lesson, ScenarioLesson
from envlab.policy import memory_bytes
from envlab.runtime.contract import NODE_MEMORY, REGISTRY_MEMORY, EngineInfo, Reservation, Runtime
from envlab.runtime.labels import Session

MEMORY_VARIABLE = "ENVLAB_ROOM_MEMORY"
RUNS_VARIABLE = "ENVLAB_MAX_RUNS"
#: Memory left to the engine's machine itself (its system, the engine, envlab's own processes).
SYSTEM_MEMORY = 1 << 30
#: Runs at once per CPU of the engine's machine: lessons' containers mostly wait, and on a 2-core
#: machine six drift runs at once still finish well inside every timeout (docs/performance.md).
RUNS_PER_CPU = 3
#: The balancer's own limit (see :mod:`envlab.engine.scenario.topology`).
BALANCER_MEMORY = memory_bytes("128m")
#: How often a waiting run looks again.
POLL = 1.0


@dataclass(frozen=True)
class Room:
    """What the engine has for runs: bytes of memory and runs at once."""

    memory: int
    runs: int


@dataclass(frozen=True)
class Queue:
    """Where a claim stands: the claims before it that hold or wait for room, and what they take."""

    ahead: int  # claims before this one
    memory: int  # bytes those claims and this one take in all
    room: Room

    @property
    def fits(self) -> bool:
        """Whether this claim and those before it fit the room, in runs and in memory."""
        return self.ahead + 1 <= self.room.runs and self.memory <= self.room.memory


def room_of(info: EngineInfo, environ: dict[str, str] | None = None) -> Room:
    """The room for runs on the engine ``info`` describes, or as the operator set it.

    Raises:
        EnvlabError: A setting that is not a size or a count.
    """
    env = os.environ if environ is None else environ
    # A small machine keeps half its memory for runs rather than next to nothing; an engine that does not say
    # how much it has is not limited by memory, nor one that does not say its CPUs by runs.
    memory = max(info.memory - SYSTEM_MEMORY, info.memory // 2) if info.memory else 1 << 62
    runs = max(1, info.cpus * RUNS_PER_CPU) if info.cpus else 1 << 16
    if env.get(MEMORY_VARIABLE):
        try:
            memory = memory_bytes(env[MEMORY_VARIABLE].strip().lower())
        except ValueError:
            raise EnvlabError(f"{MEMORY_VARIABLE}={env[MEMORY_VARIABLE]!r} is not a size",
                              hint="give it as <number>k, m or g, e.g. 6g") from None
    if env.get(RUNS_VARIABLE):
        value = env[RUNS_VARIABLE].strip()
        if not value.isdigit() or int(value) < 1:
            raise EnvlabError(f"{RUNS_VARIABLE}={value!r} is not a count of runs",
                              hint="give a whole number, 1 or more")
        runs = int(value)
    return Room(memory, runs)


def memory_need(lesson: Lesson) -> int:
    """Bytes a run of ``lesson`` may take at most: the limits of every container it can have at once."""
    match lesson:
        case DriftLesson():
            return sum(memory_bytes(setup.limits.memory) for setup in lesson.setups)
        case ScenarioLesson():
            topology = lesson.topology
            if topology.servers:  # every task, the balancer's included, runs inside a server and its bound
                registry = memory_bytes(REGISTRY_MEMORY) if topology.registry else 0
                return len(topology.servers) * memory_bytes(NODE_MEMORY) + registry
            total = BALANCER_MEMORY if topology.balancer is not None else 0
            for service in topology.services:
                most = max([service.replicas, *(change.replicas or 0 for _loc, phase in lesson.all_phases
                                                for change in phase.changes if change.service == service.name)])
                if topology.autoscaler is not None and topology.autoscaler.service == service.name:
                    most = max(most, topology.autoscaler.max)
                # a rolling update may start a new replica before it stops an old one
                total += (most + 1) * memory_bytes(service.limits.memory)
            return total
    return 0


def place(claims: list[Reservation], mine: Reservation, live: set[str], room: Room) -> Queue:
    """Where ``mine`` stands among ``claims`` (in queue order), counting only live sessions' claims."""
    ahead, memory = 0, mine.memory
    for claim in claims:
        if claim.name == mine.name:
            break
        if claim.session in live:
            ahead += 1
            memory += claim.memory
    return Queue(ahead, memory, room)


def wait_for_room(runtime: Runtime, mine: Reservation, room: Room, *, cancelled: threading.Event,
                  waiting: Callable[[Queue, float], None]) -> bool:
    """Wait until ``mine`` fits in ``room``; call ``waiting`` (where it stands, seconds waited) whenever
    that changes. Return whether it fits (``False``: cancelled first)."""
    started = time.monotonic()
    said: Queue | None = None
    while True:
        queue = place(runtime.reservations(), mine, runtime.live_sessions(), room)
        if queue.fits:
            if said is not None:
                waiting(queue, time.monotonic() - started)
            return True
        if queue != said:
            waiting(queue, time.monotonic() - started)
            said = queue
        if cancelled.wait(POLL):
            return False


def claim(runtime: Runtime, lesson: Lesson, session: Session) -> tuple[Reservation, Room]:
    """Claim room for a run of ``lesson``, after checking it could ever fit.

    Raises:
        EnvlabError: The run needs more memory than the engine's room has at all.
    """
    room = room_of(runtime.engine_info())
    need = memory_need(lesson)
    if need > room.memory:
        raise EnvlabError(f"this lesson's containers may take {need >> 20} MiB in all; this engine has room "
                          f"for {room.memory >> 20} MiB of runs",
                          hint=f"run it on a machine with more memory, or set {MEMORY_VARIABLE} higher")
    return runtime.reserve_room(session, lesson.id, need), room
