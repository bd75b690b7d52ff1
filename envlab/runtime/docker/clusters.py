"""Clusters on a Docker engine: node containers on a private network forming a real swarm, a registry
beside them, images moved in, nodes stopped and started, and a teardown by label.

How a node is run and reached is :mod:`envlab.runtime.docker.nodes`' business. Everything here carries the
session's labels and the cluster's (``io.envlab.cluster``), so :meth:`ClusterOps.remove_cluster`, the sweep
of dead sessions and ``envlab clean`` all find it.
"""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from typing import TYPE_CHECKING

import docker
import docker.errors

from envlab.errors import EnvlabError, ImageMissing
from envlab.runtime.contract import (
    PREPARE_HINT,
    REGISTRY_HOST,
    REGISTRY_MEMORY,
    ClusterNode,
    ClusterSpec,
    ClusterStep,
    ClusterTask,
    ConsoleSpec,
    ContainerSpec,
    Resource,
    check_cluster,
    registry_ref,
    wait_for,
)
from envlab.runtime.docker.errors import translating
from envlab.runtime.docker.node_engine import NodesEngine
from envlab.runtime.docker.nodes import (
    feed_node,
    json_lines,
    make_engines_folder,
    node_container,
    node_kwargs,
    node_labels,
    remove_engines_folder,
    run_in_node,
    wait_until_answering,
)
from envlab.runtime.labels import CLUSTER, KIND, MANAGED, NODE, NODE_KIND, REGISTRY_KIND, ROLE

#: Seconds the swarm has to list every node as ready after they joined.
FORM_TIMEOUT = 60.0
#: How often a node tells the managers it is alive; a silent node is down after a few of these (Swarm's own
#: 5s makes a lost server take about 20s to notice, longer than a learner watches).
HEARTBEAT = "2s"


class ClusterOps:
    """The :class:`~envlab.runtime.contract.Clusters` part of :class:`~envlab.runtime.docker.DockerRuntime`
    (it provides ``client``, ``api``, ``start``, ``exec``, ``save_images``, ``list_resources``, ``remove``)."""

    client: docker.DockerClient
    api: docker.APIClient

    if TYPE_CHECKING:
        from envlab.runtime.contract import ExecResult, LineSink

        def start(self, spec: ContainerSpec) -> str: ...
        def exec(self, container: str, command: str, *, on_line: LineSink, timeout: float) -> ExecResult: ...
        def save_images(self, refs: list[str]) -> Iterator[bytes]: ...
        def image_present(self, ref: str) -> bool: ...
        def list_resources(self, labels: dict[str, str] | None = None) -> list[Resource]: ...
        def remove(self, resource: Resource) -> None: ...

    # starting --------------------------------------------------------------------------------
    def start_cluster(self, spec: ClusterSpec) -> Iterator[ClusterStep]:
        """Network, registry, nodes, engines answering, the swarm: each step yielded as it ends."""
        check_cluster(spec, self.image_present)
        try:
            yield from self._start(spec)
        except BaseException:  # a failed or abandoned start leaves nothing behind
            with contextlib.suppress(EnvlabError):
                self.remove_cluster(spec.name)
            raise

    def _start(self, spec: ClusterSpec) -> Iterator[ClusterStep]:
        labels = {**spec.labels, CLUSTER: spec.name}
        began = time.monotonic()
        with translating(f"creating cluster {spec.name}'s network"):
            network = self.client.networks.create(spec.name, driver="bridge", labels=labels)
        make_engines_folder(spec.name, [node.name for node in spec.nodes])
        if spec.registry:
            self.start(ContainerSpec(
                name=f"{spec.name}-registry", image=spec.registry, hostname="registry",
                labels={**labels, KIND: REGISTRY_KIND}, network=str(network.name), aliases=["registry"],
                memory=REGISTRY_MEMORY, cpus=1.0, pids=128))
        for node in spec.nodes:
            volume = f"{node_container(spec, node)}-data"
            with translating(f"creating node {node.name}"):
                self.api.create_volume(name=volume, driver="local", labels=node_labels(spec, node))
                container = self.client.containers.create(node.image, **node_kwargs(spec, node, network.name, volume))
                container.start()
        yield ClusterStep.of("", "started", time.monotonic() - began, n=str(len(spec.nodes)))
        waits: dict[str, Callable[[], object]] = {
            n.name: functools.partial(wait_until_answering, self.api, node_container(spec, n), n.name)
            for n in spec.nodes}
        if spec.registry:
            waits["registry"] = functools.partial(self._wait_for_registry, f"{spec.name}-registry")
        for name, seconds in _parallel(waits):
            yield ClusterStep.of(name, "answers", seconds)
        yield from self._form_swarm(spec)
        yield ClusterStep.of("", "ready", time.monotonic() - began)

    def _wait_for_registry(self, container: str) -> None:
        def answers() -> bool:
            probe = self.exec(container, "bash -c 'exec 3<>/dev/tcp/127.0.0.1/5000'", on_line=lambda _: None, timeout=5)
            return probe.exit_code == 0

        if not wait_for(answers, timeout=30, every=0.2):
            raise EnvlabError("the cluster's registry did not answer within 30s")

    def _form_swarm(self, spec: ClusterSpec) -> Iterator[ClusterStep]:
        first, *others = [n for n in spec.nodes if n.role == "manager"]
        leader = node_container(spec, first)
        began = time.monotonic()
        run_in_node(self.api, leader, ["docker", "swarm", "init", "--advertise-addr", "eth0",
                                       "--dispatcher-heartbeat", HEARTBEAT],
                    doing=f"initializing the swarm on {first.name}")
        yield ClusterStep.of(first.name, "initialized", time.monotonic() - began)
        tokens = {role: run_in_node(self.api, leader, ["docker", "swarm", "join-token", "-q", role],
                                    doing="asking the swarm for a join token").strip()
                  for role in ("manager", "worker")}

        def join(role: str, container: str) -> None:
            run_in_node(self.api, container, ["docker", "swarm", "join", "--advertise-addr", "eth0", "--token",
                                              tokens[role], f"{first.name}:2377"], doing=f"joining {container}")

        joins: dict[str, Callable[[], object]] = {
            n.name: functools.partial(join, n.role, node_container(spec, n))
            for n in [*others, *(n for n in spec.nodes if n.role != "manager")]}
        roles = {n.name: n.role for n in spec.nodes}
        for name, seconds in _parallel(joins):
            yield ClusterStep.of(name, "joined", seconds, role=roles[name])
        began = time.monotonic()
        for node in spec.nodes:
            for key, value in node.labels.items():
                run_in_node(self.api, leader, ["docker", "node", "update", "--label-add", f"{key}={value}", node.name],
                            doing=f"labelling node {node.name}")

        def formed() -> bool:
            found = {n.name: n.status for n in self.cluster_nodes(spec.name)}
            return all(found.get(n.name) == "ready" for n in spec.nodes)

        if not wait_for(formed, timeout=FORM_TIMEOUT, every=0.2):
            raise EnvlabError(f"cluster {spec.name}'s swarm did not list every node as ready within {FORM_TIMEOUT:g}s")
        yield ClusterStep.of("", "nodes_ready", time.monotonic() - began)

    # images ----------------------------------------------------------------------------------
    def distribute_image(self, cluster: str, ref: str) -> Iterator[ClusterStep]:
        """Through the registry when the cluster has one (load into a manager, push, pull on the others),
        else loaded into every node."""
        if not self.image_present(ref):
            raise ImageMissing(f"image {ref} is not on this engine", hint=PREPARE_HINT)
        nodes = [n for n in self._nodes(cluster) if n.state == "running"]
        if not nodes:
            raise EnvlabError(f"cluster {cluster} has no running node")
        if not self._containers({CLUSTER: cluster, KIND: REGISTRY_KIND}):
            loads: dict[str, Callable[[], object]] = {n.name: functools.partial(self._load, n.id, ref) for n in nodes}
            for name, seconds in _parallel(loads, workers=2):
                yield ClusterStep.of(name, "loaded", seconds, ref=ref)
            return
        first = next((n for n in nodes if n.role == "manager"), nodes[0])
        began = time.monotonic()
        self._load(first.id, ref)
        yield ClusterStep.of(first.name, "loaded", time.monotonic() - began, ref=ref)
        began = time.monotonic()
        target = registry_ref(ref)
        run_in_node(self.api, first.id, ["docker", "tag", ref, target], doing=f"tagging {ref} on {first.name}")
        run_in_node(self.api, first.id, ["docker", "push", target], doing=f"pushing {ref} to the registry")
        yield ClusterStep.of(first.name, "pushed", time.monotonic() - began, ref=ref, registry=REGISTRY_HOST)
        pulls: dict[str, Callable[[], object]] = {
            n.name: functools.partial(run_in_node, self.api, n.id, ["docker", "pull", "-q", target],
                                      doing=f"pulling {target} on {n.name}")
            for n in nodes if n.id != first.id}
        for name, seconds in _parallel(pulls):
            yield ClusterStep.of(name, "pulled", seconds, ref=target)

    def _load(self, container: str, ref: str) -> None:
        feed_node(self.api, container, ["docker", "load", "-q"], self.save_images([ref]), doing=f"loading {ref}")

    # services --------------------------------------------------------------------------------
    def create_cluster_service(self, cluster: str, name: str, image: str, *, replicas: int,
                               command: list[str] | None = None) -> None:
        """``docker service create`` on a manager: every capability dropped, bounded, an init process."""
        argv = ["docker", "service", "create", "--detach", "--quiet", "--name", name, "--replicas", str(replicas),
                "--cap-drop", "ALL", "--limit-memory", "64M", "--limit-cpu", "0.5", "--init",
                "--stop-grace-period", "2s", "--no-resolve-image", "--", image, *(command or [])]
        run_in_node(self.api, self._manager(cluster), argv, doing=f"creating service {name} on cluster {cluster}")

    # what runs where -------------------------------------------------------------------------
    def cluster_nodes(self, cluster: str) -> list[ClusterNode]:
        """The node containers as the host engine sees them, and their status as a manager sees it."""
        nodes = self._nodes(cluster)
        swarm: dict[str, dict[str, str]] = {}
        with contextlib.suppress(EnvlabError):
            listing = run_in_node(self.api, self._manager(cluster), ["docker", "node", "ls", "--format", "{{json .}}"],
                                  doing=f"listing cluster {cluster}'s nodes")
            swarm = {str(n.get("Hostname")): n for n in json_lines(listing)}
        return [ClusterNode(n.name, n.role, n.state == "running",
                            str(swarm.get(n.name, {}).get("Status", "")).lower(),
                            swarm.get(n.name, {}).get("ManagerStatus") == "Leader",
                            str(swarm.get(n.name, {}).get("Availability", "")).lower()) for n in nodes]

    def cluster_tasks(self, cluster: str) -> list[ClusterTask]:
        """``docker service ps`` of every service, for the tasks whose desired state is running."""
        manager = self._manager(cluster)
        services = run_in_node(self.api, manager, ["docker", "service", "ls", "-q"],
                               doing=f"listing cluster {cluster}'s services").split()
        if not services:
            return []
        listing = run_in_node(self.api, manager, ["docker", "service", "ps", "--filter", "desired-state=running",
                                                  "--format", "{{json .}}", *services],
                              doing=f"listing cluster {cluster}'s tasks")
        tasks = []
        for task in json_lines(listing):
            service, _, slot = str(task.get("Name", "")).strip().rpartition(".")
            state = str(task.get("CurrentState", "")).split(" ", 1)[0].lower()
            tasks.append(ClusterTask(service, f"{service}-{slot}", str(task.get("Node", "")), state))
        def order(task: ClusterTask) -> tuple[str, int, str]:
            slot = task.name.rpartition("-")[2]  # a replica's slot; a global service's task is named by its node
            return task.service, int(slot) if slot.isdigit() else 0, slot

        return sorted(tasks, key=order)

    # failures --------------------------------------------------------------------------------
    def stop_node(self, cluster: str, node: str) -> None:
        """Kill the node's container: its engine has no time to tell the swarm anything."""
        container = self._node(cluster, node)
        with translating(f"stopping node {node}"):
            self.api.kill(container.id)
            if not wait_for(lambda: self.api.inspect_container(container.id)["State"]["Running"] is False,
                            timeout=30):
                raise EnvlabError(f"node {node} still runs 30s after it was killed", hint="see `docker ps`")

    def start_node(self, cluster: str, node: str) -> None:
        """Start the node's container; its engine keeps its swarm state on its volume and rejoins."""
        container = self._node(cluster, node)
        with translating(f"starting node {node}"):
            self.api.start(container.id)
        wait_until_answering(self.api, container.id, node)

    def drain_node(self, cluster: str, node: str) -> None:
        """``docker node update --availability drain``: the swarm reschedules the node's tasks elsewhere."""
        run_in_node(self.api, self._manager(cluster), ["docker", "node", "update", "--availability", "drain", node],
                    doing=f"draining node {node}")

    def start_console(self, spec: ConsoleSpec) -> str:
        """The filter and the workstation on a network of their own (see :mod:`~envlab.runtime.docker.console`)."""
        from envlab.runtime.docker.console import (
            CONSOLE_KIND,
            FILTER_PORT,
            context_lines,
            filter_kwargs,
            workstation_spec,
        )

        for image in (spec.workstation, spec.filter):
            if not self.image_present(image):
                raise ImageMissing(f"image {image} is not on this engine", hint=PREPARE_HINT)
        for server in spec.servers:
            self._node(spec.cluster, server)  # a node of this cluster, or an error that says so
        labels = {**spec.labels, CLUSTER: spec.cluster, KIND: CONSOLE_KIND}
        with translating("creating the console's network"):
            network = self.client.networks.create(f"{spec.cluster}-console", driver="bridge", internal=True,
                                                  labels=labels)
        with translating("starting the console's API filter"):
            container = self.client.containers.create(spec.filter, **filter_kwargs(
                spec.cluster, spec.labels, spec.filter, str(network.name), spec.abilities, spec.servers))
            container.start()
        workstation = self.start(workstation_spec(spec.cluster, spec.labels, spec.workstation, str(network.name)))

        def answers() -> bool:
            probe = self.exec(workstation, f"bash -c 'exec 3<>/dev/tcp/engine/{FILTER_PORT}'",
                              on_line=lambda _: None, timeout=5)
            return probe.exit_code == 0

        if not wait_for(answers, timeout=30, every=0.2):
            with translating("reading the console filter's log"):
                log = self.api.logs(container.id, tail=5).decode(errors="replace").strip()
            raise EnvlabError(f"the console's API filter did not answer within 30s: {log or 'no log'}")
        named = self.exec(workstation, " && ".join(context_lines(spec.servers)), on_line=lambda _: None, timeout=30)
        if named.exit_code != 0:
            raise EnvlabError(f"the console could not name the servers as docker contexts: {named.output[-300:]}")
        return workstation

    def cluster_engine(self, cluster: str) -> NodesEngine:
        """The cluster's node engines as one, through their sockets in :func:`engines_folder`."""
        return NodesEngine(self, cluster)

    # teardown --------------------------------------------------------------------------------
    def remove_cluster(self, cluster: str) -> None:
        """Everything labelled with the cluster: nodes and registry at once, then the network, then the volumes
        at once (a node's holds every layer it has as a full copy: removing one takes seconds)."""
        from envlab.runtime.cleanup import remove_all

        found = self.list_resources({CLUSTER: cluster})
        removal = remove_all(self, [r for r in found if r.kind != "volume"])  # type: ignore[arg-type]  # one half of it
        volumes = [r for r in found if r.kind == "volume"]
        if volumes:
            with ThreadPoolExecutor(max_workers=len(volumes)) as pool:
                for resource, failure in zip(volumes, pool.map(self._try_remove, volumes), strict=True):
                    if failure:
                        removal.failed.append((resource, failure))
        remove_engines_folder(cluster)
        if removal.failed:
            resource, message = removal.failed[0]
            raise EnvlabError(f"removing cluster {cluster}'s {resource.kind} {resource.name} failed: {message}")

    def _try_remove(self, resource: Resource) -> str:
        try:
            self.remove(resource)
        except EnvlabError as exc:
            return exc.message
        return ""

    def running_nodes(self, cluster: str) -> list[_Node]:
        """The cluster's nodes whose containers run, in the order they were started."""
        return [n for n in self._nodes(cluster) if n.state == "running"]

    def node_port(self, cluster: str, node: str, port: int) -> tuple[str, int]:
        """Where the host's loopback reaches ``port`` of a node (one of its :attr:`NodeSpec.ports`)."""
        with translating(f"inspecting node {node}"):
            ports = self.api.inspect_container(self._node(cluster, node).id)["NetworkSettings"]["Ports"] or {}
        bindings = ports.get(f"{port}/tcp") or []
        if not bindings:
            raise EnvlabError(f"node {node} does not publish port {port}",
                              hint="a port a container on a node publishes must be one of the node's ports")
        return bindings[0]["HostIp"] or "127.0.0.1", int(bindings[0]["HostPort"])

    # lookups ---------------------------------------------------------------------------------
    def _containers(self, labels: dict[str, str]) -> list[dict[str, object]]:
        wanted = [f"{MANAGED}=true", *(f"{k}={v}" for k, v in labels.items())]
        with translating("listing a cluster's containers"):
            return list(self.api.containers(all=True, filters={"label": wanted}))

    def _nodes(self, cluster: str) -> list[_Node]:
        found = self._containers({CLUSTER: cluster, KIND: NODE_KIND})
        nodes = [_Node(c) for c in found]
        return sorted(nodes, key=lambda n: (n.created, n.name))

    def _node(self, cluster: str, node: str) -> _Node:
        for found in self._nodes(cluster):
            if found.name == node:
                return found
        raise EnvlabError(f"cluster {cluster} has no node {node}")

    def _manager(self, cluster: str) -> str:
        for node in self._nodes(cluster):
            if node.role == "manager" and node.state == "running":
                return node.id
        raise EnvlabError(f"no manager of cluster {cluster} is running",
                          hint="a swarm without a running manager cannot be asked or changed")


class _Node:
    """A node's container as the host engine lists it."""

    def __init__(self, listed: dict[str, object]) -> None:
        labels = listed.get("Labels") or {}
        assert isinstance(labels, dict)
        self.id = str(listed["Id"])
        self.name = str(labels.get(NODE, ""))
        self.role = str(labels.get(ROLE, ""))
        self.state = str(listed.get("State", ""))
        created = listed.get("Created", 0)
        self.created = int(created) if isinstance(created, int | str) else 0


def _parallel(work: Mapping[str, Callable[[], object]], *, workers: int = 4) -> Iterator[tuple[str, float]]:
    """Run each piece of ``work`` at once; yield each one's name and seconds as it ends (the first failure is
    raised)."""
    began = time.monotonic()
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(work)))) as pool:
        futures: dict[Future[object], str] = {pool.submit(job): name for name, job in work.items()}
        for future in as_completed(futures):
            future.result()
            yield futures[future], time.monotonic() - began
