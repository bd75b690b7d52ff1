"""Swarm, services, replicas, faults and the events stream in memory: the orchestrator's side.

The orchestrator is Swarm's two loops: a reconciler that keeps one running task per slot (replacing an
exited, unhealthy or removed one, trimming each slot's history to ``HISTORY`` tasks), and a rolling
updater on a thread of its own that replaces a batch of tasks at a time and pauses, continues or rolls
back when a new one fails.
"""

from __future__ import annotations

import functools
import queue
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from envlab.errors import EnvlabError, ImageMissing
from envlab.runtime.contract import NS, PREPARE_HINT, ContainerSpec, Health, Replica, ServiceSpec, Update, replica_label
from envlab.runtime.fake.state import (
    HISTORY,
    REACT_DELAY,
    ROLL_TIMEOUT,
    SERVICE_ID,
    TASK_NAME,
    FakeService,
    FakeState,
    drain,
    matches,
)
from envlab.runtime.labels import SERVICE


class ServiceOps(FakeState):
    """The :class:`~envlab.runtime.contract.Services` and :class:`~envlab.runtime.contract.Events`
    half of :class:`~envlab.runtime.fake.FakeRuntime` (it provides ``image_present`` and ``start``)."""

    if TYPE_CHECKING:
        def image_present(self, ref: str) -> bool:
            """Provided by :class:`~envlab.runtime.fake.containers.ContainerOps`."""

        def start(self, spec: ContainerSpec) -> str:
            """Provided by :class:`~envlab.runtime.fake.containers.ContainerOps`."""

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
                       health: Health | bool | None = True, update: Update | None = None, force: bool = False) -> None:
        """Change the spec; scale at once, and roll every task when its env or health check changed (or ``force``)."""
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
            rolls = force or (new.env, new.health) != (old.env, old.health)
            if rolls:
                svc.previous, svc.update_state, svc.generation = old, "updating", svc.generation + 1
            self._reconcile(svc.id)  # a scale alone is no update: Docker keeps the update status as it was
            if rolls:
                threading.Thread(target=self._roll, args=(svc.id, svc.generation), daemon=True,
                                 name=f"fake-roll-{svc.id}").start()

    def add_service_labels(self, service: str, labels: dict[str, str]) -> None:
        """What ``docker service update --label-add`` does to the service (a test plays a console's command)."""
        with self._lock:
            svc = self._service(service)
            svc.spec = replace(svc.spec, labels={**svc.spec.labels, **labels})

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
                    for cid, box in self.containers.items() if matches(box.spec.labels, labels)]

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
        return drain(inbox, stop)

    # the orchestrator (under the lock, but for the rolling updater's thread) ------------------
    def _service(self, ref: str) -> FakeService:
        found = next((s for s in self.services.values() if ref in (s.id, s.spec.name)), None)
        if found is None:
            raise EnvlabError(f"service {ref} not found")
        return found

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

