"""Benchmark: a 3-node cluster with a registry on one engine, from nothing to a recovered node failure.

    python bench/cluster_bench.py [--rounds N] [--replicas R]

Each round starts a cluster of one manager and two workers with a registry beside them (the node and
registry images warm: they are prepared first if missing, which is not timed), and times:

- ready: from the call until the swarm lists every node as ready;
- distribution of ``debian:bookworm-slim``: loaded into the manager (``docker save`` into its ``docker
  load``), pushed to the registry, pulled by each worker (per node, side by side);
- a service of R replicas (``sleep infinity``) from the registry until all run, spread over the nodes;
- failure: node-3 killed until R tasks run again on the others, and node-3 started until it is ready again;
- memory (the engine's account of each node container, tasks included) and disk (the node's
  ``/var/lib/docker``: the images it holds and its tasks' layers) per node, with the service running;
- teardown: removing nodes, registry, network and volumes.

It prints medians and ranges as a markdown table. Everything carries a session of its own and is removed
at the end of each round, whatever happens.
"""

from __future__ import annotations

import argparse
import collections
import statistics
import sys
import time

from envlab.engine.images import cluster_needs, node_image, registry_image
from envlab.engine.prepare import prepare_all
from envlab.runtime.contract import ClusterSpec, NodeSpec, registry_ref, wait_for
from envlab.runtime.docker import DockerRuntime, open_runtime
from envlab.runtime.docker.nodes import run_in_node
from envlab.runtime.labels import CLUSTER, KIND, NODE, SESSION, Session

BASE = "debian:bookworm-slim"
MB = 1_000_000


def prepare(runtime: DockerRuntime) -> None:
    for result in prepare_all(runtime, cluster_needs([BASE], registry=True), lambda *_: None):
        if result.action == "failed":
            sys.exit(f"{result.need.tag}: {result.message}")


def running(runtime: DockerRuntime, cluster: str) -> collections.Counter[str]:
    return collections.Counter(t.node for t in runtime.cluster_tasks(cluster) if t.state == "running")


def one_round(runtime: DockerRuntime, replicas: int) -> dict[str, list[float]]:
    session = Session()
    runtime.hold_lease(session)
    spec = ClusterSpec(f"envlab-{session.id}-bench", session.labels(lesson="cluster-bench"),
                       (NodeSpec("node-1", node_image(), "manager"), NodeSpec("node-2", node_image()),
                        NodeSpec("node-3", node_image())), registry_image())
    times: dict[str, list[float]] = collections.defaultdict(list)
    try:
        began = time.monotonic()
        list(runtime.start_cluster(spec))
        times["ready"].append(time.monotonic() - began)
        began = time.monotonic()
        for step in runtime.distribute_image(spec.name, BASE):
            times[f"{step.kind} (per node)" if step.kind == "pulled" else step.kind].append(step.seconds)
        times["distribution, all nodes"].append(time.monotonic() - began)
        began = time.monotonic()
        runtime.create_cluster_service(spec.name, "web", registry_ref(BASE), replicas=replicas,
                                       command=["sleep", "infinity"])
        if not wait_for(lambda: sum(running(runtime, spec.name).values()) == replicas, timeout=120, every=0.2):
            raise SystemExit(f"the service never ran: {runtime.cluster_tasks(spec.name)}")
        times["service running"].append(time.monotonic() - began)
        times["tasks on the busiest node"].append(max(running(runtime, spec.name).values()))
        nodes = {r.labels[NODE]: r.id for r in runtime.list_resources({CLUSTER: spec.name, KIND: "node"})
                 if r.kind == "container"}
        for cid in nodes.values():
            stats = runtime.api.stats(cid, stream=False)["memory_stats"]
            cache = int((stats.get("stats") or {}).get("cache", 0))
            times["memory per node (MB)"].append((int(stats.get("usage", 0)) - cache) / MB)
            du = run_in_node(runtime.api, cid, ["du", "-sxb", "/var/lib/docker"], doing="measuring a node's disk")
            times["disk per node (MB)"].append(int(du.split()[0]) / MB)
        began = time.monotonic()
        runtime.stop_node(spec.name, "node-3")

        def recovered() -> bool:
            per_node = running(runtime, spec.name)
            return "node-3" not in per_node and sum(per_node.values()) == replicas

        if not wait_for(recovered, timeout=120, every=0.2):
            raise SystemExit(f"the tasks never came back: {runtime.cluster_tasks(spec.name)}")
        times["node killed → tasks running elsewhere"].append(time.monotonic() - began)
        began = time.monotonic()
        runtime.start_node(spec.name, "node-3")

        def rejoined() -> bool:
            return {n.name: n.status for n in runtime.cluster_nodes(spec.name)}["node-3"] == "ready"

        if not wait_for(rejoined, timeout=120, every=0.2):
            raise SystemExit("node-3 never came back")
        times["node started → ready again"].append(time.monotonic() - began)
    finally:
        began = time.monotonic()
        runtime.remove_cluster(spec.name)
        times["teardown"].append(time.monotonic() - began)
        for resource in runtime.list_resources({SESSION: session.id}):
            runtime.remove(resource)
        runtime.release_lease(session)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--replicas", type=int, default=6)
    args = parser.parse_args()
    runtime = open_runtime(sweep=False)
    prepare(runtime)
    totals: dict[str, list[float]] = collections.defaultdict(list)
    for number in range(1, args.rounds + 1):
        for key, values in one_round(runtime, args.replicas).items():
            totals[key] += values
        print(f"round {number}: ready {totals['ready'][-1]:.1f} s", file=sys.stderr, flush=True)
    print(f"| measurement | median of {args.rounds} rounds | range |\n|---|---:|---|")
    for key, values in totals.items():
        unit = "" if key.endswith("(MB)") or key.startswith("tasks") else " s"
        print(f"| {key} | {statistics.median(values):.1f}{unit} | {min(values):.1f} – {max(values):.1f} |")


if __name__ == "__main__":
    main()
