"""An in-memory runtime for UI and engine unit tests: drift setups, plain replicas and an orchestrator.

Every protocol of :mod:`envlab.runtime.contract` is modelled on what Docker does, mostly faster: a health
check passes ``HEALTH_DELAY`` after a start (or once the app's ``WARMUP_SECONDS`` are over) and fails after
its real ``interval × retries`` once the app is frozen; the orchestrator and restart policies react
``REACT_DELAY`` after an exit; a rolling update replaces one batch of tasks at a time on a thread of its own
and pauses or rolls back when a new task fails (the shop exits at start when ``REQUIRE_SETTING`` is set
without ``REQUIRED_SETTING``). Published ports are real HTTP servers on 127.0.0.1 that play the lesson's
balancer and shop (:mod:`envlab.runtime.fake_balancer`). Lesson proofs never use it: a lesson is proven
only on a real engine.

Not modelled: resource limits, which networks can reach which, the shop's ``DRAIN_SECONDS`` and an
update's ``delay``; a stop is immediate whatever its grace period.
"""

from __future__ import annotations

import functools
import itertools
import platform
import queue
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from envlab.errors import EnvlabError, ImageMissing
from envlab.runtime.contract import (
    NS,
    PREPARE_HINT,
    ContainerSpec,
    EngineInfo,
    ExecResult,
    Health,
    LineSink,
    Progress,
    Replica,
    Resource,
    ServiceSpec,
    Update,
    replica_label,
)
from envlab.runtime.fake_balancer import NO_SERVER, TIMED_OUT, Answer, LoopbackServer, Request, ShopReplica, shop_answer
from envlab.runtime.labels import LESSON, SERVICE, SESSION

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
class FakeRuntime:
    """A whole runtime in memory; commands run inside containers answer from a script.

    Attributes:
        script: ``{(image or hostname or "*", command regex): (exit_code, [lines])}``; the first matching
            entry wins; an unmatched command exits 0 with no output.
        images: Tags of the images that are present; ``sha256:<tag>`` is each one's id.
        commands: Every (container host name, command) executed, in order.
        containers: Every container by id, in creation order.
        networks: Every network's labels by name (which is also its id).
        built: Every tag built, in order.
        block: When not ``None``, every exec waits until it is set (to test cancellation).
        services: Orchestrated services by id.
        swarm: The engine's swarm state: inactive or active (set it to active to play a user's own swarm).
    """

    script: dict[tuple[str, str], tuple[int, list[str]]] = field(default_factory=dict)
    images: set[str] = field(default_factory=set)
    commands: list[tuple[str, str]] = field(default_factory=list)
    containers: dict[str, FakeContainer] = field(default_factory=dict)
    networks: dict[str, dict[str, str]] = field(default_factory=dict)
    built: list[str] = field(default_factory=list)
    block: threading.Event | None = None
    services: dict[str, FakeService] = field(default_factory=dict)
    swarm: str = "inactive"
    _image_labels: dict[str, dict[str, str]] = field(default_factory=dict, init=False, repr=False)
    _overlay: set[str] = field(default_factory=set, init=False, repr=False)
    _swarm_ours: bool = field(default=False, init=False, repr=False)
    _subscribers: list[Subscriber] = field(default_factory=list, init=False, repr=False)
    _ids: itertools.count[int] = field(default_factory=itertools.count, init=False, repr=False)
    # One lock for everything: the engine calls from many threads, and so do the timers and servers here.
    _lock: threading.RLock = field(default_factory=threading.RLock, init=False, repr=False)

    def engine_info(self) -> EngineInfo:
        """A fake engine on this machine's OS and kernel."""
        return EngineInfo("fake", "1.41", "linux", platform.machine(), platform.release())

    # images ----------------------------------------------------------------------------------
    def image_present(self, ref: str) -> bool:
        """Whether ``ref``, a tag or an id :meth:`image_id` returned, is present."""
        return self._tag(ref) is not None

    def image_labels(self, ref: str) -> dict[str, str] | None:
        """The labels the image was built with, or ``None`` when it is absent."""
        with self._lock:
            tag = self._tag(ref)
            return None if tag is None else dict(self._image_labels.get(tag, {}))

    def image_id(self, ref: str) -> str:
        """``sha256:<tag>``; raises :class:`~envlab.errors.ImageMissing` when absent."""
        tag = self._tag(ref)
        if tag is None:
            raise ImageMissing(f"image {ref} is not on this engine", hint=PREPARE_HINT)
        return f"sha256:{tag}"

    def build_image(self, *, context: Path | None, dockerfile: str | None, inline: str | None, tag: str,
                    labels: dict[str, str], on_line: LineSink) -> str:
        """Make ``tag`` present with ``labels`` at once, after one line of build output."""
        on_line("Step 1/1 : FROM scratch")
        with self._lock:
            self.images.add(tag)
            self.built.append(tag)
            self._image_labels[tag] = dict(labels)
        return f"sha256:{tag}"

    def provide_base(self, tag: str, progress: Progress) -> str:
        """``"present"``, or make it present as a bootstrap would and say ``"bootstrapped"``."""
        if self.image_present(tag):
            return "present"
        progress(f"bootstrapping {tag}", None)
        with self._lock:
            self.images.add(tag)
        progress(f"bootstrapped {tag}", 1.0)
        return "bootstrapped"

    def _tag(self, ref: str) -> str | None:
        if ref in self.images:
            return ref
        bare = ref.removeprefix("sha256:")
        return bare if bare != ref and bare in self.images else None

    # networks and containers -----------------------------------------------------------------
    def create_network(self, name: str, labels: dict[str, str], *, overlay: bool = False) -> str:
        """A network named ``name``; an overlay one needs an active swarm, as on Docker."""
        with self._lock:
            if overlay and self.swarm != "active":
                raise EnvlabError(f"cannot create overlay network {name}: this node is not a swarm manager")
            self.networks[name] = dict(labels)
            if overlay:
                self._overlay.add(name)
        return name

    def start(self, spec: ContainerSpec) -> str:
        """Create and start a container of a present image; names are unique, as on Docker."""
        with self._lock:
            if not self.image_present(spec.image):
                raise ImageMissing(f"image {spec.image} is not on this engine", hint=PREPARE_HINT)
            if any(box.spec.name == spec.name for box in self.containers.values()):
                raise EnvlabError(f"the container name {spec.name} is already in use")
            return self._create(spec)

    def put_files(self, container: str, files: list[tuple[str, bytes, int]]) -> None:
        """Store the files (modes are not kept)."""
        with self._lock:
            box = self._get(container)
            for path, data, _mode in files:
                box.files[path] = data

    def exec(self, container: str, command: str, *, on_line: LineSink, timeout: float) -> ExecResult:
        """Answer from :attr:`script`; with :attr:`block`, wait for it first (outside the lock)."""
        with self._lock:
            box = self._running(container)
            self.commands.append((box.spec.hostname, command))
        if self.block is not None:
            # Like a real exec stream, a blocked command ends when its container is removed.
            while not self.block.wait(0.02):
                if container not in self.containers:
                    raise EnvlabError("the container was removed")
        for (image, pattern), (code, lines) in self.script.items():
            if image in (box.spec.image, box.spec.hostname, "*") and re.search(pattern, command):
                for line in lines:
                    on_line(line)
                return ExecResult(code, "\n".join(lines))
        return ExecResult(0, "")

    def read_file(self, container: str, path: str) -> bytes | None:
        """A file :meth:`put_files` wrote, or ``None``."""
        with self._lock:
            return self._get(container).files.get(path)

    def container_env(self, container: str) -> dict[str, str]:
        """The environment the container was started with."""
        with self._lock:
            return dict(self._get(container).spec.env)

    def published_port(self, container: str, port: int) -> tuple[str, int]:
        """A real server on 127.0.0.1 for a port in the spec: the shop's balancer when the container's
        env names a ``BACKEND_HOST``, else one that answers 200 "ok"."""
        with self._lock:
            box = self._get(container)
            if port not in box.spec.ports:
                raise EnvlabError(f"port {port} is not published by this container")
            if port not in box.ports:
                route = self._balance if "BACKEND_HOST" in box.spec.env else self._ok
                box.ports[port] = LoopbackServer(functools.partial(route, container))
            return box.ports[port].address

    def list_resources(self, labels: dict[str, str] | None = None) -> list[Resource]:
        """Services, containers and networks carrying ``labels``."""
        wanted = labels or {}
        with self._lock:
            found = [Resource("service", s.id, s.spec.name, dict(s.spec.labels)) for s in self.services.values()]
            found += [Resource("container", cid, box.spec.name, dict(box.spec.labels))
                      for cid, box in self.containers.items()]
            found += [Resource("network", n, n, dict(lab)) for n, lab in self.networks.items()]
        return [r for r in found if _matches(r.labels, wanted)]

    def remove(self, resource: Resource) -> None:
        """Remove a service (and its tasks), a container or a network; one already gone is fine."""
        with self._lock:
            if resource.kind == "service":
                if self.services.pop(resource.id, None) is not None:
                    for cid, _box in self._tasks(resource.id):
                        self._remove(cid)
            elif resource.kind == "container":
                if resource.id in self.containers:
                    self._remove(resource.id, by_hand=True)
            else:
                self.networks.pop(resource.id, None)
                self._overlay.discard(resource.id)

    # swarm -----------------------------------------------------------------------------------
    def ensure_swarm(self) -> bool:
        """Make the swarm active; ``True`` when it was inactive, so envlab made it."""
        with self._lock:
            if self.swarm == "active":
                return False
            if self.swarm != "inactive":
                raise EnvlabError(f"this engine's swarm is {self.swarm}",
                                  hint="see `docker info`; envlab will not touch it")
            self.swarm, self._swarm_ours = "active", True
            return True

    def leave_swarm_if_ours(self) -> bool:
        """Leave (dropping its overlay networks) when envlab made the swarm and no service remains."""
        with self._lock:
            if self.swarm != "active" or not self._swarm_ours or self.services:
                return False
            self.swarm, self._swarm_ours = "inactive", False
            for name in self._overlay:
                self.networks.pop(name, None)
            self._overlay.clear()
            return True

    def create_service(self, spec: ServiceSpec) -> str:
        """Create a service on an overlay network and start ``spec.replicas`` tasks, one per slot."""
        with self._lock:
            if self.swarm != "active":
                raise EnvlabError("this node is not a swarm manager", hint="ensure_swarm() makes it one")
            if not self.image_present(spec.image):
                raise ImageMissing(f"image {spec.image} is not on this engine", hint=PREPARE_HINT)
            if spec.network not in self._overlay:
                raise EnvlabError(f"network {spec.network} is not an overlay network of this swarm")
            if any(s.spec.name == spec.name for s in self.services.values()):
                raise EnvlabError(f"service {spec.name} already exists")
            service = FakeService(f"svc{next(self._ids)}", spec)
            self.services[service.id] = service
            self._reconcile(service.id)
            return service.id

    def update_service(self, service: str, *, env: dict[str, str] | None = None, replicas: int | None = None,
                       health: Health | bool | None = True, update: Update | None = None) -> None:
        """Change the spec; scale at once, and roll every task when its env or health check changed."""
        with self._lock:
            svc = self._service(service)
            old = new = svc.spec
            if env is not None:
                new = replace(new, env={**new.env, **env})
            if health is not True:
                new = replace(new, health=health if isinstance(health, Health) else None)
            if replicas is not None:
                new = replace(new, replicas=replicas)
            if update is not None:
                new = replace(new, update=update)
            svc.spec = new
            rolls = (new.env, new.health) != (old.env, old.health)
            if rolls:
                svc.previous, svc.update_state, svc.generation = old, "updating", svc.generation + 1
            self._reconcile(svc.id)  # a scale alone is no update: Docker keeps the update status as it was
            if rolls:
                threading.Thread(target=self._roll, args=(svc.id, svc.generation), daemon=True,
                                 name=f"fake-roll-{svc.id}").start()

    def service_spec(self, service: str) -> dict[str, Any]:
        """The service's spec in the engine's shape (durations in nanoseconds)."""
        with self._lock:
            spec = self._service(service).spec
        container: dict[str, Any] = {
            "Image": spec.image, "Env": [f"{k}={v}" for k, v in spec.env.items()], "Labels": dict(spec.labels),
            "Hostname": f"{spec.alias}-{{{{.Task.Slot}}}}", "StopGracePeriod": int(spec.stop_grace * NS),
            "Healthcheck": spec.health.docker() if spec.health else {"Test": ["NONE"]},
        }
        if spec.command:
            container["Command"] = list(spec.command)
        rollback = {**spec.update.docker(), "Parallelism": max(spec.update.parallelism, 1), "Delay": 0,
                    "FailureAction": "pause"}
        return {"Name": spec.name, "Labels": dict(spec.labels), "Mode": {"Replicated": {"Replicas": spec.replicas}},
                "TaskTemplate": {"ContainerSpec": container, "Networks": [{"Target": spec.network,
                                                                          "Aliases": [spec.alias]}]},
                "UpdateConfig": spec.update.docker(), "RollbackConfig": rollback, "EndpointSpec": {"Mode": "dnsrr"}}

    def update_status(self, service: str) -> str:
        """updating, completed, paused, rollback_started, rollback_completed, rollback_paused, or ""."""
        with self._lock:
            return self._service(service).update_state

    def service_env(self, service: str) -> dict[str, str]:
        """The environment of the service's current spec (the previous one after a rollback)."""
        with self._lock:
            return dict(self._service(service).spec.env)

    # replicas --------------------------------------------------------------------------------
    def run_replica(self, spec: ServiceSpec, index: int, *, name: str | None = None) -> str:
        """Start replica ``index`` as a plain container, as the Docker runtime does."""
        return self.start(spec.replica(index, name=name))

    def replicas(self, labels: dict[str, str]) -> list[Replica]:
        """Every container carrying ``labels`` (all states), oldest first."""
        with self._lock:
            return [Replica(cid, box.spec.name, box.spec.labels.get(SERVICE, ""), box.state, box.health,
                            replica_label(box.spec.labels))
                    for cid, box in self.containers.items() if _matches(box.spec.labels, labels)]

    def remove_container(self, container: str, *, stop_grace: float = 10) -> None:
        """Stop and remove at once; an orchestrated service replaces a task removed under it."""
        with self._lock:
            if container in self.containers:
                self._remove(container, by_hand=True)

    # faults ----------------------------------------------------------------------------------
    def crash(self, container: str) -> None:
        """Exit with 137; then the orchestrator replaces the task, or the restart policy restarts it."""
        with self._lock:
            self._running(container)
            self._exit(container, 137)
            self._react(container, 137)

    def hang(self, container: str) -> None:
        """Freeze it: it keeps running, answers nothing, and fails its health check if it has one."""
        with self._lock:
            box = self._running(container)
            box.hung = True
            if box.spec.health is not None:
                # The check has to fail ``retries`` times in a row, one try per interval, as on Docker:
                # how long a hang goes unseen is what the lessons measure.
                failing = box.spec.health.interval * box.spec.health.retries
                self._later(failing, functools.partial(self._fail_health, container, box.boots))

    def stop(self, container: str, *, timeout: float = 10) -> None:
        """Stop it gracefully; no restart policy restarts a stopped container, an orchestrator replaces it."""
        with self._lock:
            box = self._get(container)
            if box.state == "running":
                self._exit(container, 0, stopped=True)
                if box.service:
                    self._later(REACT_DELAY, functools.partial(self._reconcile, box.service))

    # events ----------------------------------------------------------------------------------
    def container_events(self, labels: dict[str, str], stop: threading.Event) -> Iterator[dict[str, Any]]:
        """Events of containers carrying ``labels``, from this call on (not from the first ``next``),
        until ``stop`` is set."""
        inbox: queue.Queue[dict[str, Any]] = queue.Queue()
        with self._lock:
            self._subscribers.append((dict(labels), inbox, stop))
        return _drain(inbox, stop)

    def _emit(self, cid: str, action: str, **attributes: str) -> None:
        box = self.containers[cid]
        event = {"Type": "container", "Action": action, "status": action, "id": cid, "from": box.spec.image,
                 "timeNano": time.time_ns(), "Actor": {"ID": cid, "Attributes": {
                     **box.spec.labels, "name": box.spec.name, "image": box.spec.image, **attributes}}}
        self._subscribers = [s for s in self._subscribers if not s[2].is_set()]
        for labels, inbox, _stop in self._subscribers:
            if _matches(box.spec.labels, labels):
                inbox.put(event)

    # life of a container (every method below runs under the lock) ----------------------------
    def _get(self, cid: str) -> FakeContainer:
        box = self.containers.get(cid)
        if box is None:
            raise EnvlabError(f"no such container: {cid}")
        return box

    def _running(self, cid: str) -> FakeContainer:
        box = self._get(cid)
        if box.state != "running":
            raise EnvlabError(f"container {cid} is not running")
        return box

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

    def _same(self, cid: str, boot: int, state: str = "running") -> FakeContainer | None:
        """The container if it is still in ``state`` since start number ``boot`` (a timer's guard)."""
        box = self.containers.get(cid)
        return box if box is not None and box.boots == boot and box.state == state else None

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

    def _later(self, delay: float, action: Callable[[], None]) -> None:
        def run() -> None:
            with self._lock:
                action()

        timer = threading.Timer(delay, run)
        timer.daemon = True
        timer.start()

    # the orchestrator ------------------------------------------------------------------------
    def _service(self, ref: str) -> FakeService:
        found = next((s for s in self.services.values() if ref in (s.id, s.spec.name)), None)
        if found is None:
            raise EnvlabError(f"service {ref} not found")
        return found

    def _tasks(self, sid: str) -> list[tuple[str, FakeContainer]]:
        return [(cid, box) for cid, box in self.containers.items() if box.service == sid]

    def _live(self, sid: str, slot: int) -> list[str]:
        return [cid for cid, box in self._tasks(sid) if box.slot == slot and box.state == "running"]

    def _spawn(self, svc: FakeService, slot: int) -> str:
        spec, task = svc.spec, secrets.token_hex(13)[:25]
        name = f"{spec.name}.{slot}.{task}"
        labels = {**spec.labels, SERVICE_ID: svc.id, "com.docker.swarm.service.name": spec.name,
                  TASK_NAME: name, "com.docker.swarm.task.id": task}
        return self._create(ContainerSpec(
            name=name, image=spec.image, labels=labels, hostname=f"{spec.alias}-{slot}", command=spec.command,
            env=dict(spec.env), network=spec.network, aliases=[spec.alias], memory=spec.memory, cpus=spec.cpus,
            pids=spec.pids, health=spec.health), service=svc.id, slot=slot)

    def _reconcile(self, sid: str) -> None:
        """Swarm's loop: shut down unhealthy tasks and slots above the count, fill empty slots, trim history."""
        svc = self.services.get(sid)
        if svc is None:
            return
        for cid, box in self._tasks(sid):
            if box.state == "running" and box.health == "unhealthy":
                self._exit(cid, 137, stopped=True)
            if box.slot > svc.spec.replicas:
                self._remove(cid)
        for slot in range(1, svc.spec.replicas + 1):
            if not self._live(sid, slot):
                self._spawn(svc, slot)
            dead = [cid for cid, box in self._tasks(sid) if box.slot == slot and box.state != "running"]
            for cid in dead[:max(0, len(dead) + len(self._live(sid, slot)) - HISTORY)]:
                self._remove(cid)

    def _outdated(self, svc: FakeService) -> list[int]:
        """Slots whose running tasks all run an older spec (an empty slot is the reconciler's)."""
        def current(cid: str) -> bool:
            box = self.containers[cid]
            return (box.spec.env, box.spec.health) == (svc.spec.env, svc.spec.health)

        slots = ((slot, self._live(svc.id, slot)) for slot in range(1, svc.spec.replicas + 1))
        return [slot for slot, live in slots if live and not any(current(cid) for cid in live)]

    def _roll(self, sid: str, generation: int) -> None:
        """Swarm's updater, on its own thread: replace outdated tasks a batch at a time, watch the new
        ones, and on a failure pause, continue or roll back as the update config says."""
        while True:
            with self._lock:
                svc = self.services.get(sid)
                if svc is None or svc.generation != generation:
                    return
                back = svc.update_state.startswith("rollback")
                config, outdated = svc.spec.update, self._outdated(svc)
                if not outdated:
                    svc.update_state = "rollback_completed" if back else "completed"
                    return
                batch = outdated[:config.parallelism or len(outdated)]
                old = [cid for slot in batch for cid in self._live(sid, slot)]
                if config.order != "start-first":
                    self._retire(old)
                fresh = [self._spawn(svc, slot) for slot in batch]
            ok = self._ready(fresh, wait=ROLL_TIMEOUT)
            with self._lock:
                if svc.generation == generation and (ok or config.failure_action == "continue"):
                    self._retire(old)  # start-first: the old tasks go once the new ones run
            if ok:
                time.sleep(min(config.monitor, 2 * REACT_DELAY))  # a new task failing now fails the update too
                ok = self._ready(fresh, wait=0)
            with self._lock:
                if ok or svc.generation != generation or config.failure_action == "continue":
                    continue  # the next turn ends a roll that a newer update or a removal made stale
                if back or config.failure_action == "pause":
                    svc.update_state = "rollback_paused" if back else "paused"
                    return
                if svc.previous is not None:  # "rollback": Swarm goes back to the spec before the update
                    svc.spec, svc.previous, svc.update_state = svc.previous, svc.spec, "rollback_started"

    def _retire(self, cids: list[str]) -> None:
        for cid in cids:
            if cid in self.containers and self.containers[cid].state == "running":
                self._exit(cid, 0, stopped=True)

    def _ready(self, fresh: list[str], *, wait: float) -> bool:
        """Whether the new tasks are all ready within ``wait`` seconds (polled off the lock); one that
        exits or is gone fails at once."""
        deadline = time.monotonic() + wait
        while True:
            with self._lock:
                boxes = [self.containers.get(cid) for cid in fresh]
                if any(box is None or box.state != "running" for box in boxes):
                    return False
                if all(box.ready for box in boxes if box is not None):
                    return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.01)

    # HTTP on published ports (called on the servers' threads) ---------------------------------
    def _ok(self, cid: str, request: Request) -> Answer | None:
        with self._lock:
            box = self.containers.get(cid)
            return Answer(200, "ok") if box is not None and box.state == "running" and not box.hung else None

    def _balance(self, cid: str, request: Request) -> Answer | None:
        """The lesson's balancer: round robin over the ready replicas of ``BACKEND_HOST``."""
        with self._lock:
            box = self.containers.get(cid)
            if box is None or box.state != "running" or box.hung:
                return None
            env = box.spec.env
            ready = [peer for peer in self._peers(box, env["BACKEND_HOST"]) if peer.ready]
            if env.get("BALANCER_MODE", "checks") == "checks":
                # Its own checks keep it off a frozen or warming replica, whatever the engine says.
                ready = [peer for peer in ready if peer.answering]
            if not ready:
                return NO_SERVER
            pick = ready[box.turn % len(ready)]
            box.turn += 1
            if not pick.answering:  # trusting DNS alone, with no retries: the user sees the failure
                return TIMED_OUT if pick.hung else NO_SERVER
            return shop_answer(ShopReplica(replica_label(pick.spec.labels), pick.spec.env.get("APP_VERSION", "v1"),
                                           self._store(pick)), request)

    def _peers(self, box: FakeContainer, service: str) -> list[FakeContainer]:
        """The containers of ``service`` in the same session and lesson as ``box``."""
        scope = {k: box.spec.labels[k] for k in (SESSION, LESSON) if k in box.spec.labels}
        return [peer for peer in self.containers.values()
                if peer.spec.labels.get(SERVICE) == service and _matches(peer.spec.labels, scope)]

    def _store(self, replica: FakeContainer) -> dict[str, str] | None:
        """Where a shop replica keeps sessions: its memory, or a ready session-store replica's (None: down)."""
        env = replica.spec.env
        if env.get("SESSION_STORE", "memory") != "redis":
            return replica.sessions
        store = next((peer for peer in self._peers(replica, env.get("REDIS_HOST", "sessions"))
                      if peer.ready and not peer.hung), None)
        return store.sessions if store is not None else None


def _matches(labels: dict[str, str], wanted: dict[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in wanted.items())


def _drain(inbox: queue.Queue[dict[str, Any]], stop: threading.Event) -> Iterator[dict[str, Any]]:
    while not stop.is_set():
        try:
            event = inbox.get(timeout=0.05)  # short, so a set ``stop`` ends the stream promptly
        except queue.Empty:
            continue
        yield event
