"""What the fake runtime holds and the machinery both of its halves drive.

The records (:class:`FakeContainer`, :class:`FakeService`), the fields of the runtime, the one lock, the
events fan-out, timers, and the life of a container: start, health, exit, restart policy, removal. Every
``_`` method of :class:`FakeState` runs under the lock unless its docstring says otherwise.
"""

from __future__ import annotations

import functools
import itertools
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from envlab.errors import ContainerStopped, EnvlabError
from envlab.runtime.contract import ContainerSpec, ServiceSpec
from envlab.runtime.fake.http import LoopbackServer

if TYPE_CHECKING:
    from envlab.runtime.fake.clusters import FakeCluster

HEALTH_DELAY = 0.1  # a health check's first pass (a failing one takes its real interval × retries)
REACT_DELAY = 0.05  # an orchestrator's or restart policy's reaction to an exit; a misconfigured app's exit
ROLL_TIMEOUT = 5.0  # how long a rolling update waits for a new task to become ready
HISTORY = 5  # tasks Swarm keeps per slot, dead ones included (its task-history retention limit)
SERVICE_ID = "com.docker.swarm.service.id"
TASK_NAME = "com.docker.swarm.task.name"

Subscriber = tuple[dict[str, str], queue.Queue[dict[str, Any]], threading.Event]


@dataclass
class FakeContainer:
    """One container and what runs in it.

    Attributes:
        spec: How it was started.
        files: Files written into it, by path.
        state: created (for an instant), running or exited (the engine's words).
        health: starting, healthy, unhealthy, or "" without a health check or when not running.
        hung: Its processes are frozen: it answers nothing.
        service: The orchestrated service a task belongs to; "" for a plain container.
        slot: A task's slot (1-based).
        boots: How many times it started; a timer set during an earlier start does nothing.
        restarts: Restarts by its restart policy (each waits twice as long, as Docker's back-off does).
        sessions: The shop's in-memory sessions (sid → user), lost when it exits.
        ports: The servers of its published ports, by container port.
        turn: A balancer's round-robin position.
        serving_at: When (``time.monotonic()``) the shop inside answers: ``WARMUP_SECONDS`` after a start.
    """

    spec: ContainerSpec
    files: dict[str, bytes] = field(default_factory=dict)
    state: str = "created"
    health: str = ""
    hung: bool = False
    service: str = ""
    slot: int = 0
    boots: int = 0
    restarts: int = 0
    sessions: dict[str, str] = field(default_factory=dict)
    ports: dict[int, LoopbackServer] = field(default_factory=dict)
    turn: int = 0
    serving_at: float = 0.0

    @property
    def ready(self) -> bool:
        """Running and, with a health check, healthy: what the orchestrator's DNS lists."""
        return self.state == "running" and self.health in ("", "healthy")

    @property
    def answering(self) -> bool:
        """Whether its app answers requests: not frozen, warmed up."""
        return not self.hung and time.monotonic() >= self.serving_at


@dataclass
class FakeService:
    """An orchestrated service: its spec, the spec before its last rolling update, and that update's state."""

    id: str
    spec: ServiceSpec
    previous: ServiceSpec | None = None
    update_state: str = ""  # "" until the first update, as on Docker
    generation: int = 0  # bumped by every rolling update: an older roll stops


@dataclass
class FakeState:
    """The fields of :class:`~envlab.runtime.fake.FakeRuntime` and the life of its containers.

    Attributes:
        script: ``{(image or hostname or "*", command regex): (exit_code, [lines])}``; the first matching
            entry wins; an unmatched command exits 0 with no output.
        images: Tags of the images that are present; ``sha256:<tag>`` is each one's id.
        commands: Every (container host name, command) executed, in order.
        containers: Every container by id, in creation order.
        networks: Every network's labels by name (which is also its id).
        volumes: Every volume's labels by name, in creation order (runs' claims on the room are volumes).
        built: Every tag built, in order.
        builds: What each tag was last built from: ``(context files, Dockerfile text, network)``.
        block: When not ``None``, every exec waits until it is set (to test cancellation).
        services: Orchestrated services by id.
        swarm: The engine's swarm state: inactive or active (set it to active to play a user's own swarm).
        leases: The sessions that hold a lease (remove one to play a session whose process died).
        clusters: What each cluster's swarm and registry hold, by the cluster's name.
    """

    script: dict[tuple[str, str], tuple[int, list[str]]] = field(default_factory=dict)
    images: set[str] = field(default_factory=set)
    commands: list[tuple[str, str]] = field(default_factory=list)
    containers: dict[str, FakeContainer] = field(default_factory=dict)
    networks: dict[str, dict[str, str]] = field(default_factory=dict)
    volumes: dict[str, dict[str, str]] = field(default_factory=dict)
    built: list[str] = field(default_factory=list)
    builds: dict[str, tuple[list[tuple[str, bytes, int]], str, bool]] = field(default_factory=dict)
    block: threading.Event | None = None
    services: dict[str, FakeService] = field(default_factory=dict)
    swarm: str = "inactive"
    leases: set[str] = field(default_factory=set)
    clusters: dict[str, FakeCluster] = field(default_factory=dict)
    _holds: dict[str, int] = field(default_factory=dict, init=False, repr=False)
    _image_labels: dict[str, dict[str, str]] = field(default_factory=dict, init=False, repr=False)
    _overlay: set[str] = field(default_factory=set, init=False, repr=False)
    _swarm_ours: bool = field(default=False, init=False, repr=False)
    _subscribers: list[Subscriber] = field(default_factory=list, init=False, repr=False)
    _ids: itertools.count[int] = field(default_factory=itertools.count, init=False, repr=False)
    # One lock for everything: the engine calls from many threads, and so do the timers and servers here.
    _lock: threading.RLock = field(default_factory=threading.RLock, init=False, repr=False)

    if TYPE_CHECKING:
        def _reconcile(self, sid: str) -> None:
            """Provided by :class:`~envlab.runtime.fake.services.ServiceOps`."""

    # lookups ---------------------------------------------------------------------------------
    def _tag(self, ref: str) -> str | None:
        """The tag of a present image named by its tag or by the id :meth:`image_id` returned."""
        if ref in self.images:
            return ref
        bare = ref.removeprefix("sha256:")
        return bare if bare != ref and bare in self.images else None

    def _get(self, cid: str) -> FakeContainer:
        box = self.containers.get(cid)
        if box is None:
            raise EnvlabError(f"no such container: {cid}")
        return box

    def _running(self, cid: str) -> FakeContainer:
        box = self._get(cid)
        if box.state != "running":
            raise ContainerStopped(f"container {cid} is not running")
        return box

    def _same(self, cid: str, boot: int, state: str = "running") -> FakeContainer | None:
        """The container if it is still in ``state`` since start number ``boot`` (a timer's guard)."""
        box = self.containers.get(cid)
        return box if box is not None and box.boots == boot and box.state == state else None

    def _tasks(self, sid: str) -> list[tuple[str, FakeContainer]]:
        return [(cid, box) for cid, box in self.containers.items() if box.service == sid]

    # events and timers -----------------------------------------------------------------------
    def _emit(self, cid: str, action: str, **attributes: str) -> None:
        box = self.containers[cid]
        event = {"Type": "container", "Action": action, "status": action, "id": cid, "from": box.spec.image,
                 "timeNano": time.time_ns(), "Actor": {"ID": cid, "Attributes": {
                     **box.spec.labels, "name": box.spec.name, "image": box.spec.image, **attributes}}}
        self._subscribers = [s for s in self._subscribers if not s[2].is_set()]
        for labels, inbox, _stop in self._subscribers:
            if matches(box.spec.labels, labels):
                inbox.put(event)

    def _later(self, delay: float, action: Callable[[], None]) -> None:
        """Run ``action`` under the lock ``delay`` seconds from now, on a timer thread."""
        def run() -> None:
            with self._lock:
                action()

        timer = threading.Timer(delay, run)
        timer.daemon = True
        timer.start()

    # life of a container ---------------------------------------------------------------------
    def _create(self, spec: ContainerSpec, *, service: str = "", slot: int = 0) -> str:
        cid = f"c{next(self._ids)}"
        self.containers[cid] = FakeContainer(spec, service=service, slot=slot)
        self._emit(cid, "create")
        self._boot(cid)
        return cid

    def _boot(self, cid: str) -> None:
        box = self.containers[cid]
        box.state, box.hung, box.boots = "running", False, box.boots + 1
        box.health = "starting" if box.spec.health else ""
        self._emit(cid, "start")
        env = box.spec.env
        warmup = float(env.get("WARMUP_SECONDS") or 0)  # real seconds: lessons measure what a warm-up costs
        box.serving_at = time.monotonic() + warmup
        if env.get("REQUIRE_SETTING") and not env.get("REQUIRED_SETTING"):
            # The shop refuses to start without the setting it needs (a broken release): it exits at once.
            self._later(REACT_DELAY, functools.partial(self._fail_start, cid, box.boots))
        elif box.spec.health is not None:
            self._later(max(HEALTH_DELAY, warmup), functools.partial(self._pass_health, cid, box.boots))

    def _pass_health(self, cid: str, boot: int) -> None:
        box = self._same(cid, boot)
        if box is not None and not box.hung:
            box.health = "healthy"
            self._emit(cid, "health_status: healthy")

    def _fail_health(self, cid: str, boot: int) -> None:
        box = self._same(cid, boot)
        if box is not None:
            box.health = "unhealthy"
            self._emit(cid, "health_status: unhealthy")
            if box.service:  # Swarm shuts an unhealthy task down and replaces it; plain Docker does nothing
                self._later(REACT_DELAY, functools.partial(self._reconcile, box.service))

    def _fail_start(self, cid: str, boot: int) -> None:
        if self._same(cid, boot) is not None:
            self._exit(cid, 1)
            self._react(cid, 1)

    def _exit(self, cid: str, code: int, *, stopped: bool = False) -> None:
        box = self.containers[cid]
        box.state, box.health, box.hung = "exited", "", False
        box.sessions.clear()  # its memory is gone
        self._emit(cid, "die", exitCode=str(code))
        if stopped:
            self._emit(cid, "stop")

    def _react(self, cid: str, code: int) -> None:
        """What follows an exit nobody asked for: the orchestrator, or the restart policy, or nothing."""
        box = self.containers[cid]
        if box.service:
            self._later(REACT_DELAY, functools.partial(self._reconcile, box.service))
            return
        policy = box.spec.restart.split(":", 1)[0]
        if policy in ("always", "unless-stopped") or (policy == "on-failure" and code != 0):
            delay = REACT_DELAY * 2 ** min(box.restarts, 5)
            box.restarts += 1
            self._later(delay, functools.partial(self._restart, cid, box.boots))

    def _restart(self, cid: str, boot: int) -> None:
        if self._same(cid, boot, "exited") is not None:
            self._boot(cid)  # in place: the same container, the same id

    def _remove(self, cid: str, *, by_hand: bool = False) -> None:
        box = self.containers[cid]
        if box.state == "running":
            self._exit(cid, 0, stopped=True)
        self._emit(cid, "destroy")
        del self.containers[cid]
        for server in box.ports.values():
            server.close()
        if by_hand and box.service:  # a task removed under the orchestrator is replaced
            self._later(REACT_DELAY, functools.partial(self._reconcile, box.service))


def matches(labels: dict[str, str], wanted: dict[str, str]) -> bool:
    """Whether ``labels`` carry every key of ``wanted`` with the same value."""
    return all(labels.get(k) == v for k, v in wanted.items())


def drain(inbox: queue.Queue[dict[str, Any]], stop: threading.Event) -> Iterator[dict[str, Any]]:
    """The events put into ``inbox`` until ``stop`` is set."""
    while not stop.is_set():
        try:
            event = inbox.get(timeout=0.05)  # short, so a set ``stop`` ends the stream promptly
        except queue.Empty:
            continue
        yield event
