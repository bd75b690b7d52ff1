"""The lesson format for scenarios: services behind a load balancer, phases of traffic and faults.

A lesson with a ``topology`` runs real replicas (plain Docker containers or a Docker Swarm service),
a real load balancer in front of one service, and a built-in traffic generator. Each phase applies
changes, triggers faults on a timer, and checks measured outcomes against declared bounds.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from envlab.lessons import limits
from envlab.lessons.base import Build, Command, Env, ImageTag, Limits, Model, Name, PathText, Text

#: A URL path requested from the lesson's own balancer: from "/", printable ASCII without spaces, so
#: it can never name another host ("@host/...") or split the request line.
UrlPath = Annotated[str, Field(pattern=r"^/[!-~]*$", max_length=limits.MAX_PATH_CHARS)]
_REPLICAS = limits.MAX_REPLICAS_PER_SERVICE
_CONSTRAINTS = limits.MAX_SERVER_LABELS
_SERVERS = limits.MAX_SERVERS
#: A swarm node label: a key as Docker's own are spelled, a short plain value.
LabelKey = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9.-]{0,62}$")]
LabelValue = Annotated[str, Field(pattern=r"^[A-Za-z0-9._-]{0,63}$")]
#: A Swarm placement constraint on a node's role, name or one of its labels (``node.labels.zone==a``).
Constraint = Annotated[str, Field(
    pattern=r"^node\.(role|hostname|labels\.[a-z0-9][a-z0-9.-]{0,62}) ?(==|!=) ?[A-Za-z0-9._-]{1,63}$",
    description="node.role, node.hostname or node.labels.KEY, then == or !=, then a value.")]


class HealthCheck(Model):
    """How the engine decides a replica is healthy (Docker HEALTHCHECK / a Kubernetes probe)."""

    run: Command = Field(description="A shell command run inside the replica; exit 0 means healthy.")
    interval: float = Field(default=1.0, gt=0, le=60, description="Seconds between checks.")
    timeout: float = Field(default=1.0, gt=0, le=60, description="Seconds before one check counts as failed.")
    retries: int = Field(default=2, ge=1, le=10, description="Failed checks in a row that make it unhealthy.")
    start_period: float = Field(default=0, ge=0, le=120, description="Seconds of grace after start.")


class UpdateConfig(Model):
    """How a rolling update replaces replicas (Swarm update_config / a Deployment's strategy)."""

    order: Literal["start-first", "stop-first"] = Field(
        default="stop-first", description="start-first: new replica before the old one stops.")
    parallelism: int = Field(default=1, ge=0, le=10, description="Replicas replaced at a time (0: all).")
    delay: float = Field(default=0, ge=0, le=60, description="Seconds between batches.")
    failure_action: Literal["pause", "continue", "rollback"] = Field(
        default="pause", description="What to do when a new replica fails.")
    monitor: float = Field(default=3, gt=0, le=60,
                           description="Seconds a new replica is watched for failure after it starts "
                           "(Swarm treats 0 as its default of 5 s, so 0 is refused).")


class Service(Model):
    """One service: an image run as one or more identical replicas."""

    name: Name
    title: Text | None = None
    build: Build | None = Field(default=None, description="Build the image from the lesson's assets.")
    image: ImageTag | None = Field(default=None, description="Or run a local image by tag (never pulled).")
    replicas: int = Field(default=1, ge=0, le=_REPLICAS)
    port: int | None = Field(default=None, ge=1, le=65535, description="The port the service listens on.")
    env: Env = Field(default_factory=dict)
    command: list[Command] | None = Field(default=None, max_length=limits.MAX_COMMAND_ARGS,
                                          description="Instead of the image's own command.")
    health: HealthCheck | None = None
    restart: Literal["no", "on-failure", "always"] = Field(
        default="no", description="Plain Docker's restart policy (Swarm always restarts failed tasks).")
    update: UpdateConfig = Field(default_factory=UpdateConfig)
    stop_grace: float = Field(default=10, ge=0, le=60,
                              description="Seconds between SIGTERM and SIGKILL when a replica is stopped.")
    limits: Limits = Field(default_factory=lambda: Limits(memory="128m", cpus=0.5, pids=128))
    placement: list[Constraint] = Field(
        default_factory=list, max_length=_CONSTRAINTS,
        description="Swarm: the nodes its tasks may run on (all must hold), e.g. node.role==manager.")
    servers: list[Name] = Field(
        default_factory=list, max_length=_SERVERS,
        description="Plain Docker on servers: the servers its containers are placed on by hand, replica 1 on the "
        "first, 2 on the second, and round again (none: the first manager).")

    @model_validator(mode="after")
    def _one_image(self) -> Service:
        if (self.build is None) == (self.image is None):
            raise ValueError("give exactly one of 'build' (from the assets) or 'image' (a local tag)")
        return self


class Balancer(Model):
    """A real load balancer container in front of one service, published on 127.0.0.1."""

    service: Name = Field(description="The service it spreads requests over.")
    build: Build = Field(description="The balancer's image (e.g. HAProxy from Debian's packages).")
    port: int = Field(default=8080, ge=1, le=65535, description="The port it listens on inside.")
    env: Env = Field(default_factory=dict, description="Extra environment of the balancer.")


class Autoscaler(Model):
    """A control loop like a HorizontalPodAutoscaler: observe load, compare with a target, set replicas.

    Swarm has no autoscaler, so envlab runs this loop while a phase's traffic flows. It observes the
    requests per second the service answered through the balancer over the last ``window`` seconds.
    """

    service: Name
    target: float = Field(gt=0, le=1000, description="Requests per second one replica should carry.")
    min: int = Field(default=1, ge=1, le=_REPLICAS)
    max: int = Field(default=6, ge=1, le=_REPLICAS)
    every: float = Field(default=2, gt=0, le=30, description="Seconds between two looks.")
    window: float = Field(default=3, gt=0, le=60, description="Seconds of traffic each look averages.")
    stabilize: float = Field(default=4, ge=0, le=120,
                             description="Seconds the load must stay low before replicas are removed.")

    @model_validator(mode="after")
    def _range(self) -> Autoscaler:
        if self.min > self.max:
            raise ValueError("'min' is above 'max'")
        return self


class Server(Model):
    """One server of a cluster: a machine with a Docker Engine of its own, in the same swarm as the others."""

    name: Name = Field(description="Its host name and its name in the swarm.")
    role: Literal["manager", "worker"] = Field(
        default="worker", description="manager: runs the swarm's control plane (the first one starts the swarm); "
        "worker: only runs tasks.")
    debian: Literal["bookworm", "bullseye"] = Field(
        default="bookworm", description="The Debian release it runs, with that release's Docker Engine.")
    labels: dict[LabelKey, LabelValue] = Field(
        default_factory=dict, max_length=limits.MAX_SERVER_LABELS,
        description="The swarm node's labels, which placement constraints match.")


class Topology(Model):
    """What runs: services on one network, and a load balancer in front of one of them."""

    orchestrator: Literal["docker", "swarm"] = Field(
        default="docker", description="docker: plain containers; swarm: a Docker Swarm service per entry.")
    services: list[Service] = Field(min_length=1, max_length=limits.MAX_SERVICES)
    balancer: Balancer | None = None
    autoscaler: Autoscaler | None = Field(default=None, description="Scale a service with the load (optional).")
    servers: list[Server] = Field(
        default_factory=list, max_length=limits.MAX_SERVERS,
        description="Servers forming one swarm, each with a Docker Engine of its own (none: the engine itself). "
        "With plain Docker, the containers run on the first manager.")
    registry: bool = Field(default=False, description="A registry beside the servers that images travel through.")
    console: list[Literal["read", "scale", "drain", "create", "containers", "restart"]] = Field(
        default_factory=list, max_length=6,
        description="A console for the learner (the docker CLI against the servers' first manager, through a filter), "
        "and what it may do: read (services, tasks, nodes, logs), scale (update services), drain (update nodes), "
        "create (create and remove services), containers (list, inspect and read the logs of the manager's "
        "containers), restart (start, stop and restart them, change their restart policy). None: no console.")

    @model_validator(mode="after")
    def _cluster(self) -> Topology:
        names = [server.name for server in self.servers]
        if self.registry and not self.servers:
            raise ValueError("'registry' needs 'servers': it stands beside them")
        if self.console and not self.servers:
            raise ValueError("'console' needs 'servers': it speaks to their swarm")
        if len(set(names)) != len(names):
            raise ValueError(f"server {next(n for n in names if names.count(n) > 1)!r} is named twice")
        if self.servers and not any(server.role == "manager" for server in self.servers):
            raise ValueError("'servers' need a manager: give one of them 'role: manager'")
        return self


class Change(Model):
    """A change applied to a service at the start of a phase.

    With Swarm, changing ``env``, ``health`` or ``update`` is a rolling update following the service's
    update config; with plain Docker, envlab replaces the replicas one by one, like a person would.
    """

    service: Name
    env: Env | None = Field(default=None, description="Variables to set (merged).")
    replicas: int | None = Field(default=None, ge=0, le=_REPLICAS, description="Scale to this many replicas.")
    health: HealthCheck | Literal["none"] | None = Field(
        default=None, description="A new health check, or 'none' to remove it.")
    update: UpdateConfig | None = Field(default=None, description="A new update config.")
    restart: Literal["no", "on-failure", "always"] | None = Field(
        default=None, description="A new restart policy (plain Docker: the replicas are recreated with it).")
    at: float | None = Field(default=None, ge=0, le=120,
                             description="Seconds into the phase's traffic; default: before the traffic starts.")
    wait: bool = Field(default=True, description="Wait until the change has settled before traffic ends.")


class Fault(Model):
    """Something that goes wrong, at a time after the phase's traffic starts."""

    at: float = Field(ge=0, le=120, description="Seconds after the phase's traffic starts.")
    action: Literal["kill", "hang", "stop", "power-off", "power-on", "drain"] = Field(
        description="kill: SIGKILL a replica; hang: freeze its processes (health checks time out); "
        "stop: stop it gracefully; power-off: a server stops at once, every task on it with it; "
        "power-on: a server that was powered off starts again (its engine restarts only the containers whose "
        "restart policy says so); drain: a server is taken out of service for maintenance (the swarm moves its "
        "tasks away).")
    service: Name | None = Field(default=None, description="The service whose replicas kill, hang and stop hit.")
    server: Name | None = Field(default=None, description="The server power-off, power-on and drain act on.")
    count: int = Field(default=1, ge=1, le=_REPLICAS, description="How many replicas it hits.")
    title: Text | None = None

    @model_validator(mode="after")
    def _target(self) -> Fault:
        if self.action in SERVER_ACTIONS:
            if self.server is None or self.service is not None:
                raise ValueError(f"'{self.action}' acts on a server: give 'server' (and no 'service')")
        elif self.service is None or self.server is not None:
            raise ValueError(f"'{self.action}' hits replicas: give 'service' (and no 'server')")
        return self


#: Fault actions that act on a server of the topology rather than on a service's replicas.
SERVER_ACTIONS = ("power-off", "power-on", "drain")


class Traffic(Model):
    """Virtual users that log in, then keep requesting a page that needs their session."""

    users: int = Field(default=10, ge=1, le=100)
    rate: float = Field(default=30, gt=0, le=500, description="Requests per second, all users together.")
    duration: float = Field(default=8, gt=0, le=90, description="Seconds of traffic.")
    login: UrlPath = Field(default="/login", description="POSTed once per user (and again after a lost session).")
    page: UrlPath = Field(default="/cart", description="Requested with the session cookie; 401 means logged out.")
    timeout: float = Field(default=3, gt=0, le=30, description="Seconds before a request counts as failed.")


Metric = Literal[
    "error_rate", "failed_requests", "lost_session_share", "requests", "replica_share", "replicas_seen",
    "min_running", "max_running", "final_running", "recovery_time", "detection_time", "update_state", "versions_seen",
    "server_replicas",
]
METRIC_HELP: dict[str, str] = {
    "error_rate": "share of requests that failed (5xx, refused, reset or timed out)",
    "failed_requests": "number of failed requests",
    "lost_session_share": "share of page requests that found the user logged out",
    "requests": "number of requests made",
    "replica_share": "each answering replica's share of the requests",
    "replicas_seen": "how many different replicas answered",
    "min_running": "fewest running replicas of the service at any moment",
    "max_running": "most running replicas of the service at any moment",
    "final_running": "running replicas of the service at the end of the phase",
    "recovery_time": "seconds from the first fault until the service again runs its desired replicas "
                     "(the bound fails if it never does)",
    "detection_time": "seconds from the first fault until the engine reports the replica dead or unhealthy",
    "update_state": "1 when the change completed, 2 when it was rolled back, 0 otherwise",
    "versions_seen": "how many different versions answered",
    "server_replicas": "running replicas of the service on one server ('server') at the end of the phase",
}

#: How a learner reads each metric, in every language lessons are written in: its name, and the unit
#: its values are in (``share``: a fraction shown as a percentage; ``state``: :data:`UPDATE_STATE_TEXT`).
MetricUnit = Literal["count", "share", "seconds", "state"]
METRIC_TEXT: dict[str, tuple[dict[str, str], MetricUnit]] = {
    "error_rate": ({"en": "error rate", "ja": "エラー率"}, "share"),
    "failed_requests": ({"en": "failed requests", "ja": "失敗したリクエスト"}, "count"),
    "lost_session_share": ({"en": "requests that found the user logged out",
                            "ja": "ログアウト状態になったリクエスト"}, "share"),
    "requests": ({"en": "requests made", "ja": "リクエスト数"}, "count"),
    "replica_share": ({"en": "smallest share of requests a replica answered",
                       "ja": "レプリカが応答したリクエストの割合(最小)"}, "share"),
    "replicas_seen": ({"en": "replicas that answered", "ja": "応答したレプリカ"}, "count"),
    "min_running": ({"en": "fewest replicas running", "ja": "稼働レプリカの最小数"}, "count"),
    "max_running": ({"en": "most replicas running", "ja": "稼働レプリカの最大数"}, "count"),
    "final_running": ({"en": "replicas running at the end", "ja": "最後に稼働していたレプリカ"}, "count"),
    "recovery_time": ({"en": "recovery time", "ja": "復旧時間"}, "seconds"),
    "detection_time": ({"en": "detection time", "ja": "検知時間"}, "seconds"),
    "update_state": ({"en": "the change", "ja": "変更"}, "state"),
    "versions_seen": ({"en": "versions that answered", "ja": "応答したバージョン"}, "count"),
    "server_replicas": ({"en": "replicas running on the server", "ja": "そのサーバーで稼働するレプリカ"}, "count"),
}
#: A value in each unit, in each language (``{n}`` is the number as :func:`metric_value` rounds it).
UNIT_TEXT: dict[MetricUnit, dict[str, str]] = {
    "count": {"en": "{n}", "ja": "{n}"},
    "share": {"en": "{n} %", "ja": "{n} %"},
    "seconds": {"en": "{n} s", "ja": "{n} 秒"},
    "state": {"en": "{n}", "ja": "{n}"},
}
#: The values of ``update_state``, and a moment that never came.
UPDATE_STATE_TEXT: dict[int, dict[str, str]] = {
    0: {"en": "not completed", "ja": "完了せず"},
    1: {"en": "completed", "ja": "完了"},
    2: {"en": "rolled back", "ja": "ロールバック"},
}
NEVER_TEXT = {"en": "never", "ja": "起きず"}


def metric_label(metric: str, lang: str) -> str:
    """The name of ``metric`` in ``lang`` (else English; an unknown metric keeps its id)."""
    texts = METRIC_TEXT.get(metric)
    return (texts[0].get(lang) or texts[0]["en"]) if texts else metric


def metric_value(metric: str, value: float | None, lang: str) -> str:
    """A value of ``metric`` in its unit: ``3``, ``9.1 s``, ``0.4 %``, ``completed``; ``never`` for ``None``."""
    if value is None:
        return NEVER_TEXT.get(lang) or NEVER_TEXT["en"]
    unit = METRIC_TEXT[metric][1] if metric in METRIC_TEXT else "count"
    if unit == "state" and round(value) in UPDATE_STATE_TEXT:
        texts = UPDATE_STATE_TEXT[round(value)]
        return texts.get(lang) or texts["en"]
    number = {"share": f"{value * 100:.3g}", "seconds": f"{round(value, 1):g}"}.get(unit, f"{value:g}")
    return (UNIT_TEXT[unit].get(lang) or UNIT_TEXT[unit]["en"]).format(n=number)


def metric_bounds(metric: str, low: float | None, high: float | None, lang: str) -> str:
    """The bound of an expectation in its metric's unit: ``≤ 1 %``, ``= 3``, ``5.0 s … 12.0 s``."""
    def shown(value: float) -> str:
        return metric_value(metric, value, lang)

    if low is not None and high is not None:
        return f"{shown(low)} … {shown(high)}" if low != high else f"= {shown(low)}"
    return f"≥ {shown(low)}" if low is not None else f"≤ {shown(high)}" if high is not None else ""


class Expectation(Model):
    """A measured outcome of a phase with its bounds; `envlab test` proves it."""

    metric: Metric = Field(description="; ".join(f"{k}: {v}" for k, v in METRIC_HELP.items()))
    service: Name | None = Field(default=None, description="For replica counts: the service (default: the "
                                 "balanced one).")
    server: Name | None = Field(default=None, description="For server_replicas: the server counted on.")
    min: float | None = None
    max: float | None = None
    title: Text | None = Field(default=None, description="What the bound shows, for the learner.")

    @model_validator(mode="after")
    def _bounded(self) -> Expectation:
        if self.min is None and self.max is None:
            raise ValueError("give 'min', 'max' or both")
        if (self.metric == "server_replicas") != (self.server is not None):
            raise ValueError("'server' goes with server_replicas, and server_replicas needs it: the server counted on")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("'min' is above 'max'")
        return self


class Phase(Model):
    """One act of the scenario: changes, then traffic with faults on a timer, then measured checks."""

    name: Name
    say: Text = Field(description="What happens in this phase, for the learner.")
    changes: list[Change] = Field(default_factory=list, max_length=limits.MAX_PHASE_ITEMS)
    traffic: Traffic | None = None
    faults: list[Fault] = Field(default_factory=list, max_length=limits.MAX_PHASE_ITEMS)
    expect: list[Expectation] = Field(default_factory=list, max_length=limits.MAX_PHASE_ITEMS)

    @model_validator(mode="after")
    def _traffic_for_faults(self) -> Phase:
        if self.faults and self.traffic is None:
            raise ValueError("faults are timed from the traffic's start: give the phase 'traffic'")
        return self


class ConsoleChallenge(Model):
    """"Your turn": the learner changes the running system through the console; a measured phase proves it.

    After the lesson's phases the system stays up. The learner acts in the console, then asks envlab to
    verify: ``check`` runs like any phase (traffic, faults, measured bounds) and every bound must hold.
    `envlab test` runs ``check`` before the solution (some bound must fail: the system really needs the
    learner), types ``solution`` into the console, and runs ``check`` again (every bound must hold).
    """

    task: Text = Field(description="What the learner is to do, in the console.")
    solution: list[Command] = Field(
        min_length=1, max_length=limits.MAX_STEPS,
        description="The reference solution: console command lines (`docker service scale web=6`), run in order.")
    check: Phase = Field(description="The measured phase that shows the learner's change works.")

    @model_validator(mode="after")
    def _measured(self) -> ConsoleChallenge:
        if not self.check.expect:
            raise ValueError("the challenge's check measures what the learner changed: give it 'expect'")
        return self


class Kubernetes(Model):
    """The equivalent Kubernetes manifests shown next to what actually ran, and how they map."""

    manifests: PathText = Field(description="A YAML file (multi-document) in the lesson's assets.")
    mapping: Text = Field(description="How the Swarm spec maps onto the Kubernetes objects.")
