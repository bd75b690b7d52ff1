"""Bring a lesson's topology up on the engine and act on it: changes, faults, replica counts.

Plain Docker (``orchestrator: docker``) runs each replica as a container found by the service's name
on a bridge network; envlab does by hand what a person would (replace replicas one by one, scale).
Swarm (``orchestrator: swarm``) runs a service per entry on an attachable overlay network with DNS
round robin; the engine itself replaces, rolls and heals. Either way a real load balancer container
in front of one service is published on 127.0.0.1.
"""

from __future__ import annotations

import http.client
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from envlab.engine.events import Event, OutputLine
from envlab.engine.images import ImageNeed, service_need
from envlab.engine.scenario.events import ChangeApplied, ServersSeen, ServiceStarted
from envlab.engine.scenario.servers import Servers, start_servers
from envlab.engine.wording import Words
from envlab.errors import EnvlabError
from envlab.lessons.loader import LoadedLesson
from envlab.lessons.model import ScenarioLesson
from envlab.lessons.scenario import Change, HealthCheck, Service, Topology, UpdateConfig
from envlab.runtime.contract import Deployable, Health, Replica, Runtime, ServiceSpec, Update, wait_for
from envlab.runtime.labels import LESSON, SERVICE, SESSION, Session

Emit = Callable[[Event], None]
BALANCER = "balancer"


def health_of(check: HealthCheck | None) -> Health | None:
    if check is None:
        return None
    return Health(check.run, check.interval, check.timeout, check.retries, check.start_period)


def update_of(config: UpdateConfig) -> Update:
    return Update(config.order, config.parallelism, config.delay, config.failure_action, config.monitor)


@dataclass
class Handle:
    """A running service: its spec, and its Swarm id when the engine orchestrates it."""

    spec: ServiceSpec
    swarm_id: str | None = None

    @property
    def desired(self) -> int:
        return self.spec.replicas


@dataclass
class Deployment:
    """A lesson's services and balancer on the engine, for one run.

    Args:
        loaded: The lesson.
        runtime: Where the services run.
        session: Whose labels everything carries.
        emit: Where events go.
    """

    loaded: LoadedLesson
    runtime: Runtime
    session: Session
    emit: Emit
    handles: dict[str, Handle] = field(default_factory=dict)
    network: str = ""
    network_name: str = ""
    endpoint: tuple[str, int] = ("127.0.0.1", 0)
    swarm_created: bool = False
    #: The lesson's own servers once :meth:`start_servers` started them (``None``: it runs on the engine itself).
    servers: Servers | None = None

    @property
    def lesson_id(self) -> str:
        return self.loaded.lesson.id

    @property
    def topology(self) -> Topology:
        lesson = self.loaded.lesson
        assert isinstance(lesson, ScenarioLesson)
        return lesson.topology

    @property
    def swarm(self) -> bool:
        return self.topology.orchestrator == "swarm"

    def named(self, what: str) -> str:
        """An engine-wide name for one of the run's objects; on the lesson's own servers, which nobody else uses,
        the plain name, as the learner types it in the console (``docker service scale web=6``)."""
        return what if self.servers is not None else f"envlab-{self.session.id}-{self.lesson_id}-{what}"

    def labels(self, service: str) -> dict[str, str]:
        return {**self.session.labels(lesson=self.lesson_id, setup=service), SERVICE: service}

    @property
    def on(self) -> Deployable:
        """The engine the services run on: the lesson's cluster when it has servers, else the engine itself."""
        return self.servers.engine if self.servers is not None else self.runtime

    @property
    def console(self) -> str:
        """The learner's console's container while the servers run ("" without one)."""
        return self.servers.console if self.servers is not None else ""

    # bring it up -------------------------------------------------------------------------------
    def start_servers(self) -> None:
        """Start the lesson's servers (when it declares any), each step shown as it ends."""
        if self.topology.servers:
            self.servers = start_servers(self.runtime, self.topology, self.session, self.lesson_id, self.emit)

    def up(self) -> None:
        """Build the images, make the network, start every service and the balancer; wait until ready."""
        topology = self.topology
        if self.swarm and self.servers is None:
            self.swarm_created = self.runtime.ensure_swarm()
        own = self.servers is not None  # the servers' swarm is the run's own: its network is the lesson's
        name = self.network_name = self.lesson_id if own else f"envlab-{self.session.id}-{self.lesson_id}"
        self.network = self.on.create_network(name, self.session.labels(lesson=self.lesson_id), overlay=self.swarm)
        # every image first: on servers, a service must not wait for the others' to travel before it can work
        images = {service.name: self._service_image(service) for service in topology.services}
        balancer = "" if topology.balancer is None else self._image(
            BALANCER, service_need(self.loaded, BALANCER, topology.balancer.build))
        for service in topology.services:
            self._start(service, images[service.name])
        for service in topology.services:
            self._wait_ready(service.name)
        if topology.balancer is not None:
            self._start_balancer(balancer)

    def _image(self, name: str, need: ImageNeed) -> str:
        if not self.runtime.image_present(need.tag):
            assert need.source is not None
            inputs = need.source.read()  # read and checked now: what is sent is what was checked
            self.runtime.build_image(
                context=inputs.context, dockerfile=inputs.dockerfile, tag=need.tag, labels=inputs.labels(need.kind),
                on_line=lambda text: self.emit(OutputLine(name, -1, text)))
        if self.servers is None:
            return self.runtime.image_id(need.tag)
        return self.servers.carry(need.tag, self.emit)

    def _service_image(self, service: Service) -> str:
        """What the service's replicas run: its image built here (and carried to the servers)."""
        if service.build is not None:
            return self._image(service.name, service_need(self.loaded, service.name, service.build))
        if self.servers is not None:
            return self._image(service.name, ImageNeed(service.image or "", "service"))
        return self.runtime.image_id(service.image or "")

    def _start(self, service: Service, image: str) -> None:
        spec = ServiceSpec(
            name=self.named(service.name), alias=service.name, image=image,
            labels=self.labels(service.name), network=self.network, replicas=service.replicas,
            env=dict(service.env), command=service.command, health=health_of(service.health),
            restart=service.restart, update=update_of(service.update), stop_grace=service.stop_grace,
            memory=service.limits.memory, cpus=service.limits.cpus, pids=service.limits.pids,
            constraints=tuple(service.placement), servers=tuple(service.servers),
        )
        handle = Handle(spec)
        self.handles[service.name] = handle
        if self.swarm:
            handle.swarm_id = self.on.create_service(spec)
        else:
            for index in range(1, spec.replicas + 1):
                self.on.run_replica(spec, index)

    def _wait_ready(self, name: str) -> None:
        handle = self.handles[name]
        if not wait_for(lambda: self.up_count(name) >= handle.desired, timeout=60, every=0.3):
            raise EnvlabError(f"{name}: {self.up_count(name)} of {handle.desired} replicas came up in 60s",
                              hint="`docker logs` of the replica shows why; `envlab clean` removes it")
        orchestrator = "swarm" if self.swarm else "docker"
        self.emit(ServiceStarted(name, orchestrator, handle.desired, short_image(handle.spec.image)))

    def _start_balancer(self, image: str) -> None:
        topology = self.topology
        assert topology.balancer is not None
        balancer = topology.balancer
        target = self.handles[balancer.service]
        port = next(s.port for s in topology.services if s.name == balancer.service)
        spec = ServiceSpec(
            name=self.named(BALANCER), alias=BALANCER, image=image,
            labels=self.labels(BALANCER), network=self.network, replicas=1,
            env={"BACKEND_HOST": balancer.service, "BACKEND_PORT": str(port), **balancer.env},
            memory="128m", cpus=1.0, pids=128, ports=[balancer.port],
        )
        container = self.on.run_replica(spec, 1, name=spec.name)
        self.endpoint = self.on.published_port(container, balancer.port)
        if not self.quiesce(balancer.service, timeout=30):
            raise EnvlabError(f"the balancer did not reach all {target.desired} replicas in 30s")
        self.emit(ServiceStarted(BALANCER, "balancer", 1, short_image(image),
                                 f"{self.endpoint[0]}:{self.endpoint[1]} → {balancer.service}", balancer.service))

    def quiesce(self, service: str, *, timeout: float = 20) -> bool:
        """Wait until every desired replica of the balanced service answers through the balancer.

        The orchestrator may call a change done while a replica is still warming up; the next phase
        starts only once the system is quiet again.
        """
        topology = self.topology
        if topology.balancer is None or topology.balancer.service != service \
                or self.endpoint[1] == 0:
            return True
        desired = self.handles[service].desired
        recent: list[str] = []

        def all_answer() -> bool:
            recent.append(_ask_replica(*self.endpoint))
            window = recent[-3 * desired:]
            return len(window) >= 2 * desired and "" not in window and len(set(window)) >= desired

        return desired == 0 or wait_for(all_answer, timeout=timeout, every=0.05)

    def swarm_specs(self) -> str:
        """What ran, as the engine reports it: the parts of each Swarm service spec a learner compares
        with a Kubernetes Deployment (durations back in seconds)."""
        out: list[str] = []
        for name, handle in self.handles.items():
            if handle.swarm_id is None:
                continue
            spec = self.on.service_spec(handle.swarm_id)
            out.append(swarm_summary(name, spec))
        return "\n".join(out)

    # state -------------------------------------------------------------------------------------
    def replicas(self, name: str) -> list[Replica]:
        return self.on.replicas(self.labels(name))

    def up_count(self, name: str) -> int:
        """Replicas running and, when there is a health check, healthy (what can take traffic)."""
        return sum(1 for r in self.replicas(name) if r.ready)

    def up_counts(self) -> dict[str, int]:
        """Every service's ready replicas from one listing (cheap enough to sample several times a second)."""
        counts = dict.fromkeys(self.handles, 0)
        for replica in self._every_replica():
            if replica.service in counts and replica.ready:
                counts[replica.service] += 1
        return counts

    def resync(self) -> None:
        """Take in what was changed from outside (the learner, in the console): each Swarm service's replica count
        as the engine has it now, which the measurements compare with. A service gone keeps what envlab knew."""
        for handle in self.handles.values():
            if handle.swarm_id is None:
                continue
            try:
                spec = self.on.service_spec(handle.swarm_id)
            except EnvlabError:
                continue
            replicas = (spec.get("Mode") or {}).get("Replicated", {}).get("Replicas")
            if isinstance(replicas, int):
                handle.spec = replace(handle.spec, replicas=replicas)

    def service_labels(self, name: str) -> dict[str, str]:
        """The labels the Swarm service ``name`` carries now (the learner may have changed them in the console);
        none for replicas envlab runs by hand."""
        handle = self.handles[name]
        if handle.swarm_id is None:
            return {}
        labels = self.on.service_spec(handle.swarm_id).get("Labels") or {}
        return {str(key): str(value) for key, value in labels.items()}

    # change ------------------------------------------------------------------------------------
    def apply(self, change: Change, phase: str, *, force: bool = False) -> None:
        """Start a change; with Swarm the engine rolls it, with plain Docker envlab does it by hand. ``force``: roll
        every replica even when the change leaves the spec as it is (a challenge's check, run again)."""
        handle = self.handles[change.service]
        spec = handle.spec
        updates: dict[str, object] = {}
        what: list[str] = []
        if change.env is not None:
            updates["env"] = {**spec.env, **change.env}
            what.append(Words("change.env", values=", ".join(f"{k}={v}" for k, v in change.env.items())))
        if change.health is not None:
            updates["health"] = None if change.health == "none" else health_of(change.health)
            what.append(Words("change.no_health") if change.health == "none"
                        else Words("change.health", run=change.health.run))
        if change.update is not None:
            updates["update"] = update_of(change.update)
            what.append(Words("change.update", order=change.update.order, failure=change.update.failure_action))
        if change.restart is not None:
            updates["restart"] = change.restart
            what.append(Words("change.restart", policy=change.restart))
        if change.replicas is not None:
            updates["replicas"] = change.replicas
            what.append(Words("change.scale", n=change.replicas))
        handle.spec = ServiceSpec(**{**spec.__dict__, **updates})
        self.emit(ChangeApplied(phase, change.service, Words("change.joined", parts=what), change.replicas))
        if handle.swarm_id is not None:
            self.on.update_service(
                handle.swarm_id, env=change.env, replicas=change.replicas,
                health=True if change.health is None else health_of(None if change.health == "none"
                                                                    else change.health),
                update=update_of(change.update) if change.update else None,
                force=force and any(v is not None for v in (change.env, change.health, change.update)))
        else:
            self._by_hand(handle, spec, change, phase)

    def _by_hand(self, handle: Handle, old: ServiceSpec, change: Change, phase: str) -> None:
        """What an operator does on plain Docker: replace each replica, start or remove some.

        Every command is reported as the docker CLI line a person would type: the bookkeeping an
        orchestrator takes over.
        """
        new = handle.spec
        by_index = {replica_index(r.name): r for r in self.replicas(change.service)}
        replace = change.env is not None or change.health is not None or change.restart is not None

        def remove(index: int, replica: Replica) -> None:
            line = f"docker rm -f {new.alias}-{index}"
            self.emit(ChangeApplied(phase, change.service, Words("change.by_hand", line=line)))
            self.on.remove_container(replica.id, stop_grace=old.stop_grace)

        def start(index: int) -> None:
            line = docker_run_line(new, index, self.network_name)
            self.emit(ChangeApplied(phase, change.service, Words("change.by_hand", line=line)))
            self.on.run_replica(new, index)

        for index, replica in sorted(by_index.items()):
            if replace or index > new.replicas:
                remove(index, replica)
            if replace and index <= new.replicas:
                start(index)
        for index in range(1, new.replicas + 1):
            if index not in by_index:
                start(index)

    def settle(self, service: str, *, timeout: float = 90) -> str:
        """Wait for a change to finish; return the engine's word for how it ended."""
        handle = self.handles[service]
        if handle.swarm_id is None:
            # Done when no replica is still starting: a frozen one stays unhealthy, and nobody on plain
            # Docker will replace it, so waiting for the desired count could take forever.
            wait_for(lambda: not any(r.state in ("created", "restarting") or
                                     (r.state == "running" and r.health == "starting")
                                     for r in self.replicas(service)), timeout=30)
            return "completed"
        final = ("completed", "rollback_completed", "paused", "rollback_paused")
        state = ""

        def done() -> bool:
            nonlocal state
            state = self.on.update_status(handle.swarm_id or "")
            if state in final:
                return True
            # A scale alone has no update status: it is done when the replicas are.
            return state == "" and self.up_count(service) == handle.desired

        wait_for(done, timeout=timeout, every=0.3)
        self.quiesce(service)
        if state == "rollback_completed":
            # The engine went back to the previous spec: so does envlab's idea of the service.
            env = self.on.service_env(handle.swarm_id or "")
            handle.spec = ServiceSpec(**{**handle.spec.__dict__, "env": env})
        return state or "completed"

    # faults ------------------------------------------------------------------------------------
    def fault(self, service: str, action: str, count: int) -> list[Replica]:
        """Hit ``count`` ready replicas of a service with ``action``; return the ones hit."""
        ready = [r for r in self.replicas(service) if r.ready]
        hit = ready[:count]
        for replica in hit:
            if action == "kill":
                self.on.crash(replica.id)
            elif action == "hang":
                self.on.hang(replica.id)
            else:
                self.on.stop(replica.id, timeout=self.handles[service].spec.stop_grace)
        return hit

    def server_fault(self, server: str, action: str) -> list[Replica]:
        """Power a server off or drain it; return the replicas it held (what the swarm must move)."""
        assert self.servers is not None
        return self.servers.fault(server, action, [r for r in self._every_replica() if r.ready])

    def placement(self) -> dict[str, dict[str, int]]:
        """Each server's ready replicas, per service."""
        assert self.servers is not None
        return self.servers.placement(self._every_replica())

    def servers_seen(self) -> ServersSeen:
        """Each server's state in the swarm and the replicas running on it (the balancer included)."""
        assert self.servers is not None
        return self.servers.seen(self._every_replica())

    def close(self) -> None:
        """Let go of the servers' engines (the servers themselves go with the run's teardown)."""
        if self.servers is not None:
            self.servers.close()

    def _every_replica(self) -> list[Replica]:
        return self.on.replicas({SESSION: self.session.id, LESSON: self.lesson_id})


def short_image(image: str) -> str:
    """An image as a learner reads it: a local id shortened (``sha256:0123456789ab``), a name as it is."""
    return image[:19] if image.startswith("sha256:") else image


def _ask_replica(host: str, port: int) -> str:
    """Which replica answers ``GET /`` through the balancer ("" when none does)."""
    try:
        connection = http.client.HTTPConnection(host, port, timeout=1)
        connection.request("GET", "/")
        response = connection.getresponse()
        response.read()
        connection.close()
        return response.getheader("X-Replica", "") if response.status == 200 else ""
    except (OSError, http.client.HTTPException):
        time.sleep(0.1)
        return ""


def replica_index(container_name: str) -> int:
    """The replica number at the end of a plain replica's container name (…-web-2 → 2)."""
    tail = container_name.rsplit("-", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def swarm_summary(name: str, spec: dict[str, Any]) -> str:
    """A Swarm service spec as short YAML: replicas, env, health check, update and rollback config."""
    container = spec.get("TaskTemplate", {}).get("ContainerSpec", {})
    lines = [f"service: {name}", f"  replicas: {spec.get('Mode', {}).get('Replicated', {}).get('Replicas')}",
             f"  endpoint_mode: {spec.get('EndpointSpec', {}).get('Mode', 'vip')}"]
    env = container.get("Env") or []
    if env:
        lines.append("  env: [" + ", ".join(env) + "]")
    health = container.get("Healthcheck") or {}
    if health.get("Test") and health["Test"][0] != "NONE":
        lines += ["  healthcheck:", f"    test: {' '.join(health['Test'][1:])}",
                  f"    interval: {_seconds(health.get('Interval'))}", f"    retries: {health.get('Retries')}"]
    lines.append(f"  stop_grace_period: {_seconds(container.get('StopGracePeriod'))}")
    for key, title in (("UpdateConfig", "update_config"), ("RollbackConfig", "rollback_config")):
        config = spec.get(key) or {}
        if config:
            lines += [f"  {title}:", f"    order: {config.get('Order')}",
                      f"    parallelism: {config.get('Parallelism')}",
                      f"    failure_action: {config.get('FailureAction')}",
                      f"    monitor: {_seconds(config.get('Monitor'))}"]
    return "\n".join(lines)


def _seconds(nanoseconds: object) -> str:
    return f"{int(nanoseconds) / 1e9:g}s" if isinstance(nanoseconds, int) else "default"


def docker_run_line(spec: ServiceSpec, index: int, network: str) -> str:
    """The docker CLI line that starts replica ``index`` the way envlab does (for the learner to read), on the
    server it is placed on when it names one (``docker --context node-2 run …``)."""
    server = spec.server_of(index)
    docker = f"docker --context {server}" if server else "docker"
    parts = [f"{docker} run -d --name {spec.alias}-{index} --network {network} --network-alias {spec.alias}"]
    parts += [f"-e {k}={v}" for k, v in spec.env.items()]
    if spec.restart != "no":
        parts.append(f"--restart {spec.restart}")
    if spec.health:
        parts.append(f"--health-cmd '{spec.health.run}'")
    parts.append(spec.image[7:19] if spec.image.startswith("sha256:") else spec.image)
    return " ".join(parts)
