"""What the engine needs from a container runtime: the values it passes and the operations it calls.

Two implementations stand behind this contract: :mod:`envlab.runtime.docker` (a real engine through
the Docker SDK) and :mod:`envlab.runtime.fake` (in memory, for UI and engine unit tests). The engine
and both faces speak only this module; only the composition root (``envlab.cli.root``) knows which
one it built. Every operation may raise :class:`~envlab.errors.EnvlabError`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from envlab.errors import EnvlabError, ImageMissing
from envlab.runtime.labels import REPLICA, SERVICE, Session

#: Receives one line of output (without its newline) as it happens.
LineSink = Callable[[str], None]
#: Receives a progress note: (what is happening, fraction done 0..1 or None when unknown).
Progress = Callable[[str, float | None], None]

PREPARE_HINT = "run `envlab images prepare` to make every image the lessons need available"
#: ``ENVLAB_OFFLINE`` set: never try a registry. ``ENVLAB_DEBIAN_MIRROR``: the archive debootstrap downloads
#: from. Read by the Docker runtime (which pulls and bootstraps) and by the engine (which says what answers).
OFFLINE_VARIABLE = "ENVLAB_OFFLINE"
MIRROR_VARIABLE = "ENVLAB_DEBIAN_MIRROR"
NS = 1_000_000_000  # the engine's durations are nanoseconds


# values ----------------------------------------------------------------------------------------
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
class ContainerSpec:
    """A hardened container: a setup of a drift lesson, or one plain replica of a service.

    Every container gets the same hardening whatever it is for (all capabilities dropped but
    ``cap_add``, no new privileges, memory/CPU/pids limits, an init process); only the fields
    below differ.
    """

    name: str
    image: str
    labels: dict[str, str]
    hostname: str
    command: list[str] | None = None  # None: the image's own command
    env: dict[str, str] = field(default_factory=dict)
    ports: list[int] = field(default_factory=list)  # published on 127.0.0.1 only
    network: str | None = None  # None: network_mode "none"
    aliases: list[str] = field(default_factory=list)  # DNS names on ``network``
    cap_add: list[str] = field(default_factory=list)
    memory: str = "512m"
    cpus: float = 1.0
    pids: int = 256
    restart: str = "no"  # the engine's restart policy: no, on-failure, always, unless-stopped
    health: Health | None = None


@dataclass(frozen=True)
class ExecResult:
    """How a command run inside a container ended."""

    exit_code: int
    output: str
    timed_out: bool = False


@dataclass(frozen=True)
class Resource:
    """A service, container, network or volume carrying envlab's labels."""

    kind: str  # "service" | "container" | "network" | "volume"
    id: str
    name: str
    labels: dict[str, str]


@dataclass(frozen=True)
class Update:
    """How an orchestrated service rolls its replicas (seconds)."""

    order: str = "stop-first"
    parallelism: int = 1
    delay: float = 0.0
    failure_action: str = "pause"
    monitor: float = 3.0

    def docker(self) -> dict[str, Any]:
        """The engine's UpdateConfig shape (durations in nanoseconds)."""
        return {"Parallelism": self.parallelism, "Delay": int(self.delay * NS),
                "FailureAction": self.failure_action, "Monitor": int(self.monitor * NS),
                "MaxFailureRatio": 0.0, "Order": self.order}


@dataclass(frozen=True)
class ServiceSpec:
    """One service of a scenario, as the runtime runs it (plain replicas or an orchestrated service)."""

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
    constraints: tuple[str, ...] = ()  # where an orchestrator may place its tasks (node.role==manager)
    servers: tuple[str, ...] = ()  # on a cluster: the nodes plain replicas 1, 2, ... go to, in turn (none: a manager)

    def server_of(self, index: int) -> str:
        """The node plain replica ``index`` is placed on ("" when the service names none)."""
        return self.servers[(index - 1) % len(self.servers)] if self.servers else ""

    def replica(self, index: int, *, name: str | None = None) -> ContainerSpec:
        """Replica ``index`` as a plain container: found on the network by the service's alias and its
        own host name (``web-2``), with the service's settings and limits."""
        hostname = f"{self.alias}-{index}"
        return ContainerSpec(
            name=name or f"{self.name}-{index}", image=self.image, labels={**self.labels, REPLICA: hostname},
            hostname=hostname, command=self.command, env=dict(self.env), ports=list(self.ports),
            network=self.network, aliases=[self.alias, hostname], memory=self.memory, cpus=self.cpus,
            pids=self.pids, restart=self.restart, health=self.health,
        )


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

    @property
    def ready(self) -> bool:
        """Running and, when it has a health check, healthy: what can take traffic."""
        return self.state == "running" and self.health in ("", "healthy")


@dataclass(frozen=True)
class EngineInfo:
    """Who answers: shown by `envlab doctor`."""

    version: str
    api_version: str
    os: str
    arch: str
    kernel: str
    memory: int = 0  # bytes the engine's machine has
    cpus: int = 0
    root_dir: str = ""  # where the engine keeps images and containers, on its own machine
    storage: str = ""  # its storage driver
    swarm: str = ""  # inactive, active, pending, error or locked
    registry: str = ""  # where it pulls from, as it says: its first registry mirror, else its index


@dataclass(frozen=True)
class Reservation:
    """One run's claim on the engine's room: it stays until the run is torn down (a labelled, empty
    volume on a real engine, so every envlab process sharing the engine sees it, and the sweep takes a
    dead session's).

    Attributes:
        name: The claim's own name (unique on the engine).
        session: The session whose run it is.
        lesson: The lesson that run is of.
        memory: Bytes of memory the run's containers may take in all (the sum of their limits).
        order: Where it stands in the queue: when the engine made it (to the second), then when its
            claimant did (in nanoseconds) and its name (every process sorts claims the same way, so all of
            them agree who goes first).
    """

    name: str
    session: str
    lesson: str
    memory: int
    order: tuple[str, str]


@dataclass(frozen=True)
class ImageFacts:
    """What the engine says of one image."""

    id: str
    size: int
    labels: dict[str, str] = field(default_factory=dict)


#: Where a cluster's nodes find the registry beside them (a name on the cluster's private network; the nodes
#: trust it over plain HTTP), and so the prefix of every image distributed through it.
REGISTRY_HOST = "registry:5000"
#: Memory of a whole cluster node (its engine and every task on it) and of the registry beside the nodes.
NODE_MEMORY = "1g"
REGISTRY_MEMORY = "256m"


@dataclass(frozen=True)
class NodeSpec:
    """One server of a cluster: a container running a Docker Engine of its own.

    Attributes:
        name: Its host name, and its name in the cluster's swarm (``node-1``).
        image: The node image: a Debian base with Debian's Docker Engine.
        role: ``manager`` (runs the swarm's control plane; the first one initializes the swarm) or ``worker``.
        labels: The swarm node's own labels (what placement constraints match), not envlab's.
        memory: Memory of the whole node, its daemon and every task on it.
        cpus: CPUs of the whole node.
        ports: Ports of the node published on the host's loopback: what a container on the node publishes on
            the same port of its node is reached there (a balancer's front door).
    """

    name: str
    image: str
    role: str = "worker"
    labels: dict[str, str] = field(default_factory=dict)
    memory: str = NODE_MEMORY
    cpus: float = 1.0
    ports: tuple[int, ...] = ()


@dataclass(frozen=True)
class ClusterSpec:
    """A cluster of nodes on a private network, optionally with a registry beside them.

    Attributes:
        name: The engine-wide unique name its network, containers and volumes are named after.
        labels: The session's labels (with the lesson's), carried by everything the cluster creates.
        nodes: Its nodes; at least one is a manager.
        registry: The registry image, or ``None`` for a cluster without one (images are then loaded into
            every node).
    """

    name: str
    labels: dict[str, str]
    nodes: tuple[NodeSpec, ...]
    registry: str | None = None


#: What a learner's console on a cluster may do: read (services, tasks, nodes, logs: always), scale (update a
#: service), drain (update a node), create (create and remove services), containers (list, inspect and read
#: the logs of the manager's containers), restart (start, stop and restart them, change their restart policy).
CONSOLE_ABILITIES = ("read", "scale", "drain", "create", "containers", "restart")
#: The abilities that act on a server's own containers: a console with one reaches every server of its cluster.
CONTAINER_ABILITIES = ("containers", "restart")


@dataclass(frozen=True)
class ConsoleSpec:
    """A learner's console on a cluster: a shell with the docker CLI behind an API filter.

    Attributes:
        cluster: The cluster whose manager's engine it speaks to.
        manager: That manager's name.
        others: The other servers it reaches, each as a docker context of its name (``docker --context node-2``).
        abilities: What the filter lets through (:data:`CONSOLE_ABILITIES`).
        workstation: The image of the learner's container (it needs the docker CLI).
        filter: The filter's image (HAProxy).
        labels: The session's labels (with the lesson's).
    """

    cluster: str
    manager: str
    abilities: tuple[str, ...]
    workstation: str
    filter: str
    labels: dict[str, str]
    others: tuple[str, ...] = ()

    @property
    def servers(self) -> tuple[str, ...]:
        """Every server it reaches, the one it speaks to by default first."""
        return (self.manager, *(name for name in self.others if name != self.manager))


#: The kinds of cluster step, each with what it says in a few words (a face says it in its own language by kind).
CLUSTER_STEP_TEXT = {
    "started": "{n} nodes started", "answers": "answers", "initialized": "initialized the swarm",
    "joined": "joined the swarm as a {role}", "nodes_ready": "every node is ready in the swarm",
    "ready": "the cluster is ready", "loaded": "loaded {ref}", "pushed": "pushed {ref} to {registry}",
    "pulled": "pulled {ref}",
}


@dataclass(frozen=True)
class ClusterStep:
    """One step of starting a cluster or distributing an image, as it ends: what a learner can watch.

    Attributes:
        node: The node it happened on, ``registry``, or ``""`` for the cluster as a whole.
        kind: Which step it is, a key of :data:`CLUSTER_STEP_TEXT`.
        seconds: How long the step took.
        values: What the step's words name (``role``, ``ref``...), as pairs.
    """

    node: str
    kind: str
    seconds: float
    values: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, node: str, kind: str, seconds: float, **values: str) -> ClusterStep:
        """A step of ``kind`` naming ``values``."""
        return cls(node, kind, seconds, tuple(values.items()))

    @property
    def what(self) -> str:
        """What happened, in a few words (``joined the swarm as a worker``)."""
        return CLUSTER_STEP_TEXT[self.kind].format(**dict(self.values))


@dataclass(frozen=True)
class ClusterNode:
    """One node as its container and the swarm's managers see it.

    Attributes:
        name: The node's name.
        role: ``manager`` or ``worker``, as it was started.
        running: Whether its container runs.
        status: The swarm's word for it: ``ready``, ``down``, ``unknown`` (or ``""`` when no manager answers).
        leader: Whether it leads the swarm's managers.
        availability: Whether the swarm gives it tasks: ``active``, ``drain`` or ``pause`` (``""`` when no
            manager answers).
    """

    name: str
    role: str
    running: bool
    status: str
    leader: bool = False
    availability: str = ""


@dataclass(frozen=True)
class ClusterTask:
    """One task of a service on a cluster that the swarm wants running: who runs what where.

    Attributes:
        service: The service's name in the cluster.
        name: The task as a learner names it: ``web-2`` for slot 2.
        node: The node it is on.
        state: The swarm's state of it: ``running``, ``preparing``, ``starting``, ``assigned``, ...
    """

    service: str
    name: str
    node: str
    state: str


def registry_ref(ref: str) -> str:
    """The name ``ref`` has in the registry beside a cluster."""
    return f"{REGISTRY_HOST}/{ref}"


def check_cluster(spec: ClusterSpec, present: Callable[[str], bool]) -> None:
    """Refuse a cluster that cannot start, before anything of it is created: it has no manager, or an image
    it runs is not ``present`` on the engine.

    Raises:
        EnvlabError: It has no manager.
        ImageMissing: Its node or registry image is missing.
    """
    if not any(node.role == "manager" for node in spec.nodes):
        raise EnvlabError(f"cluster {spec.name} has no manager", hint="give one node the role manager")
    for image in sorted({n.image for n in spec.nodes} | ({spec.registry} if spec.registry else set())):
        if not present(image):
            raise ImageMissing(f"image {image} is not on this engine", hint=PREPARE_HINT)


# operations ------------------------------------------------------------------------------------
class Images(Protocol):
    """Images on the engine. Nothing here ever pulls implicitly."""

    def image_present(self, ref: str) -> bool:
        """Whether ``ref`` is on the engine."""

    def image_labels(self, ref: str) -> dict[str, str] | None:
        """The labels of image ``ref``, or ``None`` when it is not on the engine."""

    def image_id(self, ref: str) -> str:
        """The local id of ``ref``; raises :class:`~envlab.errors.ImageMissing` when absent."""

    def build_image(
        self, *, context: list[tuple[str, bytes, int]], dockerfile: str, tag: str, labels: dict[str, str],
        on_line: LineSink, network: bool = False,
    ) -> str:
        """Build ``dockerfile`` (its text) over ``context``, streaming its output; return the image id.

        The runtime reads nothing from the host: ``context`` is every ``(path, data, mode)`` file of the
        build context, as the engine read them. Every build is hardened like a container (memory and CPU
        limits) and has no network unless ``network`` is true, which only envlab's own package step asks
        for. Nothing is pulled: an image a ``FROM`` (or ``COPY --from``) names that is not on the engine
        raises :class:`~envlab.errors.ImageMissing` before the build starts.
        """

    def provide_base(self, tag: str, progress: Progress) -> str:
        """Make a public base tag present: ``"present"``, ``"pulled"`` or ``"bootstrapped"``."""

    def image_facts(self, refs: list[str]) -> dict[str, ImageFacts]:
        """Id, size and labels of each of ``refs`` that is on the engine, asked all at once (absent ones are
        left out)."""

    def image_size(self, ref: str) -> int:
        """The bytes ``ref`` takes on the engine; raises :class:`~envlab.errors.ImageMissing` when absent."""

    def save_images(self, refs: list[str]) -> Iterator[bytes]:
        """Stream one ``docker save`` archive of every image in ``refs`` (shared layers once)."""

    def load_images(self, chunks: Iterator[bytes], on_line: LineSink) -> list[str]:
        """Feed a ``docker save`` archive to the engine (``docker load``); return the tags it loaded.

        Nothing is pulled; the engine tags each image as it finishes loading it, so a caller that must
        leave the engine as it was removes, after a failure, what it did not have before.
        """

    def remove_image(self, ref: str) -> None:
        """Untag and remove image ``ref`` when no container uses it; an absent image is not an error."""


class Containers(Protocol):
    """Hardened, labelled containers and the networks between them."""

    def create_network(self, name: str, labels: dict[str, str], *, overlay: bool = False) -> str:
        """Create a bridge network (or an attachable overlay one for services); return its id."""

    def start(self, spec: ContainerSpec) -> str:
        """Create and start a container (cleaning up if the start fails); return its id."""

    def put_files(self, container: str, files: list[tuple[str, bytes, int]]) -> None:
        """Write ``(path, data, mode)`` files into a container at once, making parent folders."""

    def exec(self, container: str, command: str, *, on_line: LineSink, timeout: float) -> ExecResult:
        """Run ``/bin/sh -c command`` in a container, streaming output; return its real exit code."""

    def read_file(self, container: str, path: str) -> bytes | None:
        """Read a file out of a container without running anything in it; ``None`` if absent."""

    def container_env(self, container: str) -> dict[str, str]:
        """The environment a container was started with."""

    def published_port(self, container: str, port: int) -> tuple[str, int]:
        """The loopback address and port a container port is published on."""

    def list_resources(self, labels: dict[str, str] | None = None) -> list[Resource]:
        """Every envlab-labelled resource, optionally filtered by more labels."""

    def remove(self, resource: Resource) -> None:
        """Remove one resource, forcefully; a resource already gone is not an error."""


class Services(Protocol):
    """Replicated services: plain replicas envlab keeps by hand, or services an orchestrator keeps."""

    def ensure_swarm(self) -> bool:
        """Make this engine an orchestrator when it is none; return whether envlab made it so."""

    def leave_swarm_if_ours(self) -> bool:
        """Undo :meth:`ensure_swarm` when envlab made the swarm and none of its services remain."""

    def create_service(self, spec: ServiceSpec) -> str:
        """Create an orchestrated service from a local image; return its id."""

    def update_service(self, service: str, *, env: dict[str, str] | None = None, replicas: int | None = None,
                       health: Health | bool | None = True, update: Update | None = None, force: bool = False) -> None:
        """Change a service's spec (``health=True`` keeps its check, ``None`` removes it); ``force`` replaces every
        task even when the spec is as it was (``docker service update --force``)."""

    def service_spec(self, service: str) -> dict[str, Any]:
        """The service's spec as the orchestrator holds it."""

    def update_status(self, service: str) -> str:
        """The service's rolling-update state (updating, completed, rollback_completed, ...) or ""."""

    def service_env(self, service: str) -> dict[str, str]:
        """The environment of the service's current spec."""

    def run_replica(self, spec: ServiceSpec, index: int, *, name: str | None = None) -> str:
        """Start replica ``index`` of a service as a plain, hardened container found by its alias."""

    def replicas(self, labels: dict[str, str]) -> list[Replica]:
        """Every replica container carrying ``labels`` (all states), oldest first."""

    def remove_container(self, container: str, *, stop_grace: float = 10) -> None:
        """Stop gracefully, then remove."""

    def crash(self, container: str) -> None:
        """Kill the replica's processes as a crash would."""

    def hang(self, container: str) -> None:
        """Freeze the replica's processes: it is there but answers nothing."""

    def stop(self, container: str, *, timeout: float = 10) -> None:
        """Stop the replica gracefully."""


class Events(Protocol):
    """The engine's own account of what happens to containers."""

    def container_events(self, labels: dict[str, str], stop: threading.Event) -> Iterator[dict[str, Any]]:
        """Container events for ``labels`` as they happen (the engine's event shape), until ``stop``."""


class Leases(Protocol):
    """Which envlab sessions are alive, asked of the engine itself.

    A session holds a lease for as long as its process lives; the orphan sweep removes only what
    belongs to sessions without one. That works across PID namespaces, machines sharing one engine and
    clock jumps, none of which a pid or a timestamp survives.
    """

    def hold_lease(self, session: Session) -> bool:
        """Take one hold on ``session``'s lease (starting it with the first); return whether the
        session has a lease now. Every hold is given back with :meth:`release_lease`."""

    def release_lease(self, session: Session) -> None:
        """Give one hold back; the lease ends with the last."""

    def live_sessions(self) -> set[str]:
        """The ids of every session that holds a lease."""


class Rooms(Protocol):
    """Claims on the engine's memory and runs, shared by every envlab process using the engine."""

    def reserve_room(self, session: Session, lesson: str, memory: int) -> Reservation:
        """Claim room for one run of ``lesson``; the claim carries the session's and the lesson's
        labels, so the run's teardown (and the sweep, for a dead session) removes it."""

    def reservations(self) -> list[Reservation]:
        """Every claim on the engine, in queue order."""


class Clusters(Protocol):
    """Clusters of real Docker Engines, each in a node container, forming one swarm.

    Nodes are not a security boundary (each holds a Docker Engine of its own): nothing here gives a learner
    a shell in a node or its engine's API; every command a node runs is one of envlab's own. A cluster is
    named by its :attr:`ClusterSpec.name`; everything of it carries the session's labels, so a teardown, the
    sweep and ``envlab clean`` remove it like any other setup.
    """

    def start_cluster(self, spec: ClusterSpec) -> Iterator[ClusterStep]:
        """Start the nodes (and the registry), wait until each node's engine answers, form the swarm (the
        first manager initializes it, the others join) and label its nodes; yield each step as it ends.

        Nothing happens until it is iterated; a cluster that fails to start, or whose start is abandoned,
        is removed again.
        """

    def distribute_image(self, cluster: str, ref: str) -> Iterator[ClusterStep]:
        """Make the engine's image ``ref`` present on every running node, yielding each step as it ends.

        With a registry, it is loaded into the first manager, pushed to the registry and pulled by every
        other node, and services name it :func:`registry_ref`; without one, it is loaded into each node and
        keeps its name. Nothing is pulled from outside the cluster.
        """

    def create_cluster_service(self, cluster: str, name: str, image: str, *, replicas: int,
                               command: list[str] | None = None) -> None:
        """Create a replicated service on the cluster's swarm from an image its nodes have (every
        capability dropped, memory and CPU bounded)."""

    def cluster_nodes(self, cluster: str) -> list[ClusterNode]:
        """The cluster's nodes in the order they were declared."""

    def cluster_tasks(self, cluster: str) -> list[ClusterTask]:
        """Every task the swarm wants running, with its node and state, by service and slot."""

    def stop_node(self, cluster: str, node: str) -> None:
        """Stop a node at once, as a power cut would: its engine and every task on it end."""

    def start_node(self, cluster: str, node: str) -> None:
        """Start a stopped node again and wait until its engine answers (it rejoins the swarm itself)."""

    def drain_node(self, cluster: str, node: str) -> None:
        """Take a node out of service for maintenance, as an operator would: the swarm moves its tasks to the
        other nodes (starting each new one before the old one stops only when the service says so)."""

    def start_console(self, spec: ConsoleSpec) -> str:
        """Start a learner's console on the cluster and return its workstation container, the one a learner's
        shell may enter: its docker CLI reaches the manager's engine only through a filter that lets through
        what ``spec.abilities`` allow and never a request for more than the swarm's own containers (no mount,
        added capability, host network); it reaches nothing else. It goes with the cluster."""

    def cluster_engine(self, cluster: str) -> ClusterEngine:
        """The cluster as one engine a scenario deploys onto (see :class:`ClusterEngine`)."""

    def remove_cluster(self, cluster: str) -> None:
        """Remove every node, its volume, the registry and the network, by the cluster's label."""


class Deployable(Services, Events, Protocol):
    """What a scenario's services are deployed onto: an engine itself, or a cluster (:class:`ClusterEngine`)."""

    def create_network(self, name: str, labels: dict[str, str], *, overlay: bool = False) -> str:
        """Create a network for the services (an attachable overlay one for orchestrated services)."""

    def published_port(self, container: str, port: int) -> tuple[str, int]:
        """The address and port a container port is published on."""


class ClusterEngine(Deployable, Protocol):
    """A started cluster as one engine, for a scenario's services: networks and services are made on its
    managers, replicas are listed and hit (crashed, frozen, stopped) on whichever running node holds them,
    events come from every running node, and a port a container publishes is reached on the host's loopback
    (the container publishes it on the same port of its node, which publishes it on the host:
    :attr:`NodeSpec.ports`). The images a service names must already be on the nodes
    (:meth:`Clusters.distribute_image`)."""

    def node_of(self, container: str) -> str:
        """The name of the node holding ``container``."""

    def close(self) -> None:
        """Let go of every connection to the nodes' engines."""


class Runtime(Images, Containers, Services, Events, Leases, Rooms, Clusters, Protocol):
    """Everything a lesson run needs from a container runtime."""

    def engine_info(self) -> EngineInfo:
        """Which engine answers."""


def replica_label(labels: dict[str, Any]) -> str:
    """A replica's readable name from its labels: web-2 for plain replica 2 and for an orchestrated
    task in slot 2."""
    if labels.get(REPLICA):
        return str(labels[REPLICA])
    task = str(labels.get("com.docker.swarm.task.name", ""))
    parts = task.split(".")
    if len(parts) >= 3:
        return f"{labels.get(SERVICE, parts[0])}-{parts[1]}"
    return task or str(labels.get("name", ""))


def wait_for(predicate: Callable[[], bool], *, timeout: float, every: float = 0.25) -> bool:
    """Poll ``predicate()`` until it is true or ``timeout`` seconds pass; return the last answer."""
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(every)
