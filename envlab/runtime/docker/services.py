"""Replicas, Swarm services, faults and the events stream: the Docker side of scenario lessons.

Everything here carries the session's labels. Plain replicas are ordinary hardened containers (see
:func:`envlab.runtime.docker.hardening.container_kwargs`); Swarm tasks get the same limits and drop
every capability, but API 1.41 cannot set no-new-privileges on a task, so their images run as
non-root users.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import docker
import docker.errors

from envlab.errors import EnvlabError
from envlab.runtime.bounds import DISK_BYTES, DISK_LABEL
from envlab.runtime.contract import NS, ContainerSpec, Health, Replica, ServiceSpec, Update, replica_label, wait_for
from envlab.runtime.docker.errors import translating
from envlab.runtime.docker.hardening import disk_ulimits
from envlab.runtime.labels import GWBRIDGE_CREATED, MANAGED, SERVICE, SWARM_CREATED

GWBRIDGE = "docker_gwbridge"
#: Seconds a swarm being initialized (by another process) may take to become active.
SWARM_SETTLE = 30.0


class ServiceOps:
    """The :class:`~envlab.runtime.contract.Services` and :class:`~envlab.runtime.contract.Events`
    half of :class:`~envlab.runtime.docker.DockerRuntime` (it provides ``client``, ``api`` and
    ``start``)."""

    client: docker.DockerClient
    api: docker.APIClient

    if TYPE_CHECKING:
        def start(self, spec: ContainerSpec) -> str:
            """Provided by :class:`~envlab.runtime.docker.containers.ContainerOps`."""

    # swarm -----------------------------------------------------------------------------------
    def swarm_state(self) -> str:
        """The node's swarm state: inactive, active, pending, error or locked."""
        with translating("asking whether a swarm is active"):
            return str(self.client.info().get("Swarm", {}).get("LocalNodeState", "inactive"))

    def ensure_swarm(self) -> bool:
        """Make this node a swarm manager when no swarm is active; return whether envlab made it.

        A swarm the user already has is used as it is and never changed.
        """
        state = self._settled_swarm_state()
        if state == "active":
            return False
        if state != "inactive":
            raise EnvlabError(f"this engine's swarm is {state}", hint="see `docker info`; envlab will not touch it")
        with translating("initializing a single-node swarm"):
            # Joining a swarm also creates the docker_gwbridge network; remember whether it was new, so
            # leaving restores the engine as it was.
            bridge_new = not self.api.networks(names=[GWBRIDGE])
            labels = {SWARM_CREATED: "true", MANAGED: "true", GWBRIDGE_CREATED: str(bridge_new).lower()}
            try:
                self.client.swarm.init(advertise_addr="127.0.0.1", listen_addr="127.0.0.1:2377", labels=labels)
            except docker.errors.APIError:
                # Another envlab process on this engine made it a moment ago: use that one (it carries
                # the same labels, so whichever session ends last leaves it).
                if self._settled_swarm_state() != "active":
                    raise
                return False
        return True

    def _settled_swarm_state(self) -> str:
        """The swarm's state once it is not ``pending`` (another envlab process initializing it, which
        takes a second or two), waiting for that at most :data:`SWARM_SETTLE` seconds."""
        state = [self.swarm_state()]

        def settled() -> bool:
            state[0] = self.swarm_state()
            return state[0] != "pending"

        if state[0] == "pending":
            wait_for(settled, timeout=SWARM_SETTLE, every=0.2)
        return state[0]

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
            # The same disk bound as every other container: no file past half of it, no core dumps,
            # and the label the watchdog reads the whole bound from.
            "Ulimits": disk_ulimits(),
        }
        container["Labels"] = {**spec.labels, DISK_LABEL: str(DISK_BYTES)}
        if spec.command:
            container["Command"] = spec.command
        template = {
            "ContainerSpec": container,
            "Resources": {"Limits": {"NanoCPUs": int(spec.cpus * NS), "MemoryBytes": _bytes(spec.memory),
                                     "Pids": spec.pids}},
            "RestartPolicy": {"Condition": "any", "Delay": int(0.5 * NS), "MaxAttempts": 0},
            "Networks": [{"Target": spec.network, "Aliases": [spec.alias]}],
        }
        if spec.constraints:
            template["Placement"] = {"Constraints": list(spec.constraints)}
        with translating(f"creating service {spec.alias}"):
            created = self.api.create_service(
                template, name=spec.name, labels=spec.labels, mode={"Replicated": {"Replicas": spec.replicas}},
                update_config=spec.update.docker(), rollback_config=_rollback(spec.update),
                endpoint_spec={"Mode": "dnsrr"},
            )
        return str(created["ID"])

    def update_service(self, service: str, *, env: dict[str, str] | None = None, replicas: int | None = None,
                       health: Health | bool | None = True, update: Update | None = None, force: bool = False) -> None:
        """Change a service's spec; the engine rolls replicas as its update config says.

        ``health=True`` keeps the current health check, ``None`` removes it; ``force`` replaces every task even
        when nothing else changed.
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
            if force:
                template["ForceUpdate"] = int(template.get("ForceUpdate") or 0) + 1
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
        return self.start(spec.replica(index, name=name))

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


def _rollback(update: Update) -> dict[str, Any]:
    # Roll back the way the update rolls forward (order and pace), without stopping for failures.
    return {"Parallelism": max(update.parallelism, 1), "Delay": 0, "FailureAction": "pause",
            "Monitor": int(update.monitor * NS), "MaxFailureRatio": 0.0, "Order": update.order}


def _bytes(size: str) -> int:
    units = {"k": 1024, "m": 1024**2, "g": 1024**3}
    return int(size[:-1]) * units[size[-1]]
