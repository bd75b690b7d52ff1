"""Replicas, Swarm services, faults and the events stream: the Docker side of scenario lessons.

Everything here carries the session's labels and the same hardening as a lesson's other containers
(all capabilities dropped, no new privileges for plain containers, memory/CPU/pids limits, an init
process). Swarm in API 1.41 cannot set no-new-privileges on a task; its images run as non-root users.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import docker
import docker.errors

from envlab.errors import EnvlabError, ImageMissing
from envlab.runtime.docker_runtime import DockerRuntime
from envlab.runtime.errors import PREPARE_HINT, translating
from envlab.runtime.labels import MANAGED

#: On the swarm's spec: envlab initialized this swarm, so `envlab clean` may leave it again.
SWARM_CREATED = "io.envlab.swarm-created"
GWBRIDGE_CREATED = "io.envlab.gwbridge-created"
GWBRIDGE = "docker_gwbridge"
SERVICE = "io.envlab.service"
REPLICA = "io.envlab.replica"  # on plain replicas: the replica's host name (web-2)
NS = 1_000_000_000


@dataclass(frozen=True)
class Health:
    """A health check: a shell command and its timing in seconds."""

    run: str
    interval: float = 1.0
    timeout: float = 1.0
    retries: int = 2
    start_period: float = 0.0

    def docker(self) -> dict[str, Any]:
        """The engine's HEALTHCHECK shape (durations in nanoseconds)."""
        return {"Test": ["CMD-SHELL", self.run], "Interval": int(self.interval * NS),
                "Timeout": int(self.timeout * NS), "Retries": self.retries,
                "StartPeriod": int(self.start_period * NS)}


@dataclass(frozen=True)
class Update:
    """How a Swarm service rolls its replicas (seconds, converted to nanoseconds for the engine)."""

    order: str = "stop-first"
    parallelism: int = 1
    delay: float = 0.0
    failure_action: str = "pause"
    monitor: float = 3.0

    def docker(self) -> dict[str, Any]:
        return {"Parallelism": self.parallelism, "Delay": int(self.delay * NS),
                "FailureAction": self.failure_action, "Monitor": int(self.monitor * NS),
                "MaxFailureRatio": 0.0, "Order": self.order}


@dataclass(frozen=True)
class ServiceSpec:
    """One service of a scenario, as the runtime runs it (plain replicas or a Swarm service)."""

    name: str  # the engine-wide unique name
    alias: str  # the name replicas are found by on the network (DNS)
    image: str  # a local image id (sha256:...) so nothing is ever pulled
    labels: dict[str, str]
    network: str
    replicas: int = 1
    env: dict[str, str] = field(default_factory=dict)
    command: list[str] | None = None
    health: Health | None = None
    restart: str = "no"
    update: Update = field(default_factory=Update)
    stop_grace: float = 10.0
    memory: str = "128m"
    cpus: float = 0.5
    pids: int = 128
    ports: list[int] = field(default_factory=list)  # published on 127.0.0.1


@dataclass(frozen=True)
class Replica:
    """One running or stopped replica (a container) of a service."""

    id: str
    name: str
    service: str
    state: str  # created, running, paused, restarting, exited, dead
    health: str  # healthy, unhealthy, starting or "" without a health check
    label: str = ""  # how a learner names it: web-2

    @property
    def up(self) -> bool:
        """Running and not known to be unhealthy."""
        return self.state == "running" and self.health != "unhealthy"


class ServiceRuntime:
    """Scenario operations on a real engine, next to :class:`DockerRuntime`'s containers.

    Args:
        runtime: The connected runtime (its client, labels and clean-up are shared).
    """

    def __init__(self, runtime: DockerRuntime) -> None:
        self.runtime = runtime
        self.client = runtime.client
        self.api: docker.APIClient = runtime.api

    # images and networks ---------------------------------------------------------------------
    def image_id(self, ref: str) -> str:
        """The local id of ``ref``; never pulls."""
        with translating(f"looking up image {ref}"):
            try:
                return str(self.api.inspect_image(ref)["Id"])
            except docker.errors.ImageNotFound:
                raise ImageMissing(f"image {ref} is not on this engine", hint=PREPARE_HINT) from None

    def create_network(self, name: str, labels: dict[str, str], *, overlay: bool) -> str:
        """A labelled bridge network, or an attachable overlay network for Swarm services."""
        with translating(f"creating network {name}"):
            if overlay:
                network = self.client.networks.create(name, driver="overlay", attachable=True, labels=labels)
            else:
                network = self.client.networks.create(name, driver="bridge", labels=labels)
        return str(network.id)

    # swarm -----------------------------------------------------------------------------------
    def swarm_state(self) -> str:
        """The node's swarm state: inactive, active, pending, error or locked."""
        with translating("asking whether a swarm is active"):
            return str(self.client.info().get("Swarm", {}).get("LocalNodeState", "inactive"))

    def ensure_swarm(self) -> bool:
        """Make this node a swarm manager when no swarm is active; return whether envlab made it.

        A swarm the user already has is used as it is and never changed.
        """
        state = self.swarm_state()
        if state == "active":
            return False
        if state != "inactive":
            raise EnvlabError(f"this engine's swarm is {state}", hint="see `docker info`; envlab will not touch it")
        with translating("initializing a single-node swarm"):
            # Joining a swarm also creates the docker_gwbridge network; remember whether it was new, so
            # leaving restores the engine as it was.
            bridge_new = not self.api.networks(names=[GWBRIDGE])
            labels = {SWARM_CREATED: "true", MANAGED: "true", GWBRIDGE_CREATED: str(bridge_new).lower()}
            self.client.swarm.init(advertise_addr="127.0.0.1", listen_addr="127.0.0.1:2377", labels=labels)
        return True

    def leave_swarm_if_ours(self) -> bool:
        """Leave the swarm when envlab initialized it and none of its services remain."""
        if self.swarm_state() != "active":
            return False
        with translating("inspecting the swarm"):
            try:
                self.client.swarm.reload()
                labels = self.client.swarm.attrs.get("Spec", {}).get("Labels") or {}
            except docker.errors.APIError:
                return False  # a worker node: not a swarm envlab made
            if labels.get(SWARM_CREATED) != "true" or self.api.services():
                return False
            self.client.swarm.leave(force=True)
            if labels.get(GWBRIDGE_CREATED) == "true":
                with contextlib.suppress(docker.errors.APIError):  # in use by something else: keep it
                    self.api.remove_network(GWBRIDGE)
        return True

    def create_service(self, spec: ServiceSpec) -> str:
        """Create a replicated Swarm service with DNS round robin (no routing mesh) from a local image."""
        container: dict[str, Any] = {
            "Image": spec.image, "Env": [f"{k}={v}" for k, v in spec.env.items()], "Labels": spec.labels,
            "Hostname": f"{spec.alias}-{{{{.Task.Slot}}}}", "Init": True, "CapabilityDrop": ["ALL"],
            "StopGracePeriod": int(spec.stop_grace * NS),
            "Healthcheck": spec.health.docker() if spec.health else {"Test": ["NONE"]},
        }
        if spec.command:
            container["Command"] = spec.command
        template = {
            "ContainerSpec": container,
            "Resources": {"Limits": {"NanoCPUs": int(spec.cpus * NS), "MemoryBytes": _bytes(spec.memory),
                                     "Pids": spec.pids}},
            "RestartPolicy": {"Condition": "any", "Delay": int(0.5 * NS), "MaxAttempts": 0},
            "Networks": [{"Target": spec.network, "Aliases": [spec.alias]}],
        }
        with translating(f"creating service {spec.alias}"):
            created = self.api.create_service(
                template, name=spec.name, labels=spec.labels, mode={"Replicated": {"Replicas": spec.replicas}},
                update_config=spec.update.docker(), rollback_config=_rollback(spec.update),
                endpoint_spec={"Mode": "dnsrr"},
            )
        return str(created["ID"])

    def update_service(self, service: str, *, env: dict[str, str] | None = None, replicas: int | None = None,
                       health: Health | bool | None = True, update: Update | None = None) -> None:
        """Change a service's spec; the engine rolls replicas as its update config says.

        ``health=True`` keeps the current health check, ``None`` removes it.
        """
        with translating("updating a service"):
            current = self.api.inspect_service(service)  # fresh version: an old one is refused
            spec = current["Spec"]
            template = spec["TaskTemplate"]
            container = template["ContainerSpec"]
            if env is not None:
                merged = dict(item.split("=", 1) for item in container.get("Env") or [])
                merged.update(env)
                container["Env"] = [f"{k}={v}" for k, v in merged.items()]
            if health is not True:
                container["Healthcheck"] = health.docker() if isinstance(health, Health) else {"Test": ["NONE"]}
            mode = spec["Mode"]
            if replicas is not None:
                mode = {"Replicated": {"Replicas": replicas}}
            update_config = update.docker() if update else spec.get("UpdateConfig")
            rollback = _rollback(update) if update else spec.get("RollbackConfig")
            self.api.update_service(
                service, current["Version"]["Index"], task_template=template, name=spec["Name"],
                labels=spec.get("Labels"), mode=mode, update_config=update_config, rollback_config=rollback,
                endpoint_spec=spec.get("EndpointSpec"),
            )

    def service_spec(self, service: str) -> dict[str, Any]:
        """The service's spec as the engine holds it."""
        with translating("inspecting a service"):
            return dict(self.api.inspect_service(service)["Spec"])

    def update_status(self, service: str) -> str:
        """The service's rolling-update state (updating, completed, rollback_completed, ...) or ""."""
        with translating("inspecting a service"):
            status = self.api.inspect_service(service).get("UpdateStatus") or {}
        return str(status.get("State", ""))

    def service_env(self, service: str) -> dict[str, str]:
        """The environment of the service's current spec."""
        with translating("inspecting a service"):
            env = self.api.inspect_service(service)["Spec"]["TaskTemplate"]["ContainerSpec"].get("Env") or []
        return dict(item.split("=", 1) for item in env)

    def running_tasks(self, service: str) -> int:
        """Tasks of the service the orchestrator reports as running."""
        with translating("listing a service's tasks"):
            tasks = self.api.tasks(filters={"service": service, "desired-state": "running"})
        return sum(1 for t in tasks if t.get("Status", {}).get("State") == "running")

    # plain replicas --------------------------------------------------------------------------
    def run_replica(self, spec: ServiceSpec, index: int, *, name: str | None = None) -> str:
        """Start replica ``index`` of a service as a plain, hardened container found by its alias."""
        if not self.runtime.image_present(spec.image):
            raise ImageMissing(f"image {spec.image} is not on this engine", hint=PREPARE_HINT)
        hostname = f"{spec.alias}-{index}"
        kwargs: dict[str, Any] = {
            "name": name or f"{spec.name}-{index}", "hostname": hostname, "labels": {**spec.labels, REPLICA: hostname},
            "environment": spec.env, "cap_drop": ["ALL"], "security_opt": ["no-new-privileges:true"],
            "pids_limit": spec.pids, "mem_limit": spec.memory, "memswap_limit": spec.memory,
            "nano_cpus": int(spec.cpus * NS), "init": True, "detach": True, "network": spec.network,
            "networking_config": {spec.network: self.api.create_endpoint_config(aliases=[spec.alias, hostname])},
            "stop_signal": "SIGTERM",
        }
        if spec.ports:
            kwargs["ports"] = {f"{p}/tcp": ("127.0.0.1", None) for p in spec.ports}
        if spec.command:
            kwargs["command"] = spec.command
        if spec.restart != "no":
            kwargs["restart_policy"] = {"Name": spec.restart}
        if spec.health:
            kwargs["healthcheck"] = {k.lower() if k != "StartPeriod" else "start_period": v
                                     for k, v in spec.health.docker().items()}
        with translating(f"creating replica {hostname}"):
            container = self.client.containers.create(spec.image, **kwargs)
        try:
            with translating(f"starting replica {hostname}"):
                container.start()
        except BaseException:
            self.api.remove_container(container.id, force=True)
            raise
        return str(container.id)

    def replicas(self, labels: dict[str, str]) -> list[Replica]:
        """Every container carrying ``labels`` (all states), oldest first."""
        wanted = [f"{k}={v}" for k, v in labels.items()]
        with translating("listing replicas"):
            found = self.api.containers(all=True, filters={"label": wanted})
        out = []
        for c in sorted(found, key=lambda c: c.get("Created", 0)):
            status = c.get("Status", "")
            health = next((h for h in ("unhealthy", "healthy", "starting") if f"({h}" in status), "")
            labels = c.get("Labels") or {}
            out.append(Replica(c["Id"], (c.get("Names") or ["/?"])[0].lstrip("/"), labels.get(SERVICE, ""),
                               c.get("State", ""), health, replica_label(labels)))
        return out

    def remove_container(self, container: str, *, stop_grace: float = 10) -> None:
        """Stop gracefully (SIGTERM, then SIGKILL after ``stop_grace``), then remove."""
        with translating("replacing a replica"):
            try:
                self.api.stop(container, timeout=int(stop_grace))
                self.api.remove_container(container, force=True)
            except docker.errors.NotFound:
                pass

    # faults ----------------------------------------------------------------------------------
    def crash(self, container: str) -> None:
        """Kill the app's processes from inside with SIGKILL, as a crash would: the container exits
        non-zero mid-request. (`docker kill` counts as a manual stop: plain Docker's restart policy
        would ignore it, which is not what a crash looks like.)"""
        with translating("crashing a replica"):
            started = self.api.inspect_container(container)["State"].get("StartedAt")
            exec_id = self.api.exec_create(container, ["/bin/sh", "-c", "kill -KILL -1"])["Id"]
            try:
                self.api.exec_start(exec_id)
            except docker.errors.APIError:
                # The container may die (or even be restarted) before the engine answers: that is
                # the crash itself. Only a container still running since before is a real failure.
                state = self.api.inspect_container(container)["State"]
                if state.get("Running") and state.get("StartedAt") == started:
                    raise

    def hang(self, container: str) -> None:
        """Freeze every process of the app's user in the replica (SIGSTOP): it is there but answers
        nothing, so its health check times out. Runs as the container's own user, no capability needed.

        ``docker pause`` is no use here: the engine skips health checks of a paused container.
        """
        with translating("freezing a replica"):
            exec_id = self.api.exec_create(container, ["/bin/sh", "-c", "kill -STOP -1"])["Id"]
            self.api.exec_start(exec_id)

    def stop(self, container: str, *, timeout: float = 10) -> None:
        """Stop the replica gracefully (SIGTERM, then SIGKILL)."""
        with translating("stopping a replica"):
            self.api.stop(container, timeout=int(timeout))

    # events ----------------------------------------------------------------------------------
    def container_events(self, labels: dict[str, str], stop: threading.Event) -> Iterator[dict[str, Any]]:
        """The engine's container events for ``labels`` as they happen, until ``stop`` is set."""
        wanted = [f"{k}={v}" for k, v in labels.items()]
        with translating("following the engine's events"):
            stream = self.client.events(filters={"type": "container", "label": wanted}, decode=True)
        closer = threading.Thread(target=lambda: (stop.wait(), stream.close()), daemon=True)
        closer.start()
        try:
            for event in stream:
                if stop.is_set():
                    break
                yield event
        except Exception:
            if not stop.is_set():
                raise
        finally:
            stream.close()


def replica_label(labels: dict[str, Any]) -> str:
    """A replica's readable name from its labels: web-2 for plain replica 2 and for Swarm's task slot 2."""
    if labels.get(REPLICA):
        return str(labels[REPLICA])
    task = str(labels.get("com.docker.swarm.task.name", ""))
    parts = task.split(".")
    if len(parts) >= 3:
        return f"{labels.get(SERVICE, parts[0])}-{parts[1]}"
    return task or str(labels.get("name", ""))


def wait_for(predicate: Any, *, timeout: float, every: float = 0.25) -> bool:
    """Poll ``predicate()`` until it is true or ``timeout`` seconds pass; return the last answer."""
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(every)


def _rollback(update: Update) -> dict[str, Any]:
    # Roll back the way the update rolls forward (order and pace), without stopping for failures.
    return {"Parallelism": max(update.parallelism, 1), "Delay": 0, "FailureAction": "pause",
            "Monitor": int(update.monitor * NS), "MaxFailureRatio": 0.0, "Order": update.order}


def _bytes(size: str) -> int:
    units = {"k": 1024, "m": 1024**2, "g": 1024**3}
    return int(size[:-1]) * units[size[-1]]
