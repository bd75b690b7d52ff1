"""Benchmark the scenario machinery on this machine; results go to docs/performance.md.

1. Throughput: the traffic generator plus the HAProxy balancer in front of three shop replicas
   (sessions in Redis) at rising request rates; the sustained rate is the highest one delivered at
   ≥ 95 % of its target with < 1 % errors.
2. Self-healing on Swarm: from a crash (or a hang) of one replica until three healthy replicas again.
3. Rolling update on Swarm: v1 → v2 of three replicas, start-first with a health check.

Every figure is the median of several rounds. Everything runs under one envlab session and is
removed at the end, whatever happens.

    python bench/scenarios.py [--rounds N]
"""

from __future__ import annotations

import argparse
import statistics
import time

from envlab.engine.scenario.topology import Deployment
from envlab.engine.scenario.traffic import TrafficPlan, TrafficRun
from envlab.lessons.catalog import load_catalog
from envlab.lessons.loader import LoadedLesson
from envlab.lessons.scenario import Change
from envlab.runtime.cleanup import remove_all
from envlab.runtime.contract import Runtime, wait_for
from envlab.runtime.docker import open_runtime
from envlab.runtime.labels import SESSION, Session

RATES = (200, 400, 600, 800, 1000, 1300, 1600)


def lesson(lesson_id: str) -> LoadedLesson:
    return next(loaded for loaded in load_catalog().lessons if loaded.lesson.id == lesson_id)


def deploy(engine: Runtime, session: Session, lesson_id: str) -> Deployment:
    deployment = Deployment(lesson(lesson_id), engine, session, lambda _event: None)
    deployment.up()
    return deployment


def throughput(deployment: Deployment, rounds: int) -> list[tuple[int, float, float, float]]:
    """(target rate, median delivered rate, median error rate, median p50 latency ms) per rate."""
    host, port = deployment.endpoint
    rows = []
    for rate in RATES:
        delivered, errors, latency = [], [], []
        for _ in range(rounds):
            run = TrafficRun(TrafficPlan(host, port, users=min(80, rate // 4), rate=rate, duration=5))
            run.start()
            records = run.join()
            delivered.append(len(records) / 5)
            errors.append(sum(r.failed for r in records) / max(1, len(records)))
            latency.append(statistics.median(r.latency for r in records) * 1000 if records else 0.0)
        rows.append((rate, statistics.median(delivered), statistics.median(errors), statistics.median(latency)))
    return rows


def healing(deployment: Deployment, action: str, rounds: int) -> list[float]:
    """Seconds from a fault until the service runs its 3 healthy replicas again, per round."""
    times = []
    for _ in range(rounds):
        wait_for(lambda: deployment.up_count("web") == 3, timeout=60)
        started = time.monotonic()
        deployment.fault("web", action, 1)
        wait_for(lambda: deployment.up_count("web") < 3, timeout=30, every=0.05)
        wait_for(lambda: deployment.up_count("web") == 3, timeout=60, every=0.05)
        times.append(time.monotonic() - started)
    return times


def rolling(deployment: Deployment, rounds: int) -> list[float]:
    """Seconds a start-first update of three replicas takes, per round."""
    times = []
    for number in range(rounds):
        started = time.monotonic()
        deployment.apply(Change(service="web", env={"APP_VERSION": f"v{number + 2}"}), "bench")
        state = deployment.settle("web")
        assert state == "completed", state
        times.append(time.monotonic() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    session = Session()
    runtime = open_runtime(session)
    engine = runtime
    try:
        plain = deploy(engine, session, "scale-out-sessions")
        plain.apply(Change(service="web", env={"SESSION_STORE": "redis"}), "bench")
        plain.settle("web")
        plain.quiesce("web")
        rows = throughput(plain, args.rounds)
        remove_all(runtime, runtime.list_resources({SESSION: session.id}))
        swarm = deploy(engine, session, "self-healing")
        crash = healing(swarm, "kill", args.rounds + 2)
        hang = healing(swarm, "hang", args.rounds)
        remove_all(runtime, runtime.list_resources({SESSION: session.id}))
        update = deploy(engine, session, "rolling-update")
        updates = rolling(update, args.rounds)
    finally:
        remove_all(runtime, runtime.list_resources({SESSION: session.id}))
    print("| target req/s | delivered req/s | errors | p50 latency |")
    print("|---:|---:|---:|---:|")
    for rate, delivered, errors, latency in rows:
        print(f"| {rate} | {delivered:.0f} | {errors:.1%} | {latency:.1f} ms |")
    sustained = max((r for r, d, e, _ in rows if d >= 0.95 * r and e < 0.01), default=0)
    print(f"\nsustained: {sustained} req/s")
    print(f"self-healing after a crash: median {statistics.median(crash):.1f}s of {[round(t, 1) for t in crash]}")
    print(f"self-healing after a hang: median {statistics.median(hang):.1f}s of {[round(t, 1) for t in hang]}")
    print(f"rolling update, 3 replicas start-first: median {statistics.median(updates):.1f}s of "
          f"{[round(t, 1) for t in updates]}")


if __name__ == "__main__":
    main()
