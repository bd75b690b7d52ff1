"""Benchmark: one drift lesson with 1, 2 and 4 learners at once on one engine, and memory per learner.

Each learner is its own `envlab run LESSON --json` process (as a kiosk terminal would start), all
started together; a round's wall time is from the start until the last of them ends. Rounds of 1, 2
and 4 alternate, so machine noise hits every size alike; we report medians and the ratios to one
learner alone. For memory, the engine's containers of 4 runs at once are sampled (the cgroup's usage
less its page cache, as `docker stats` reads it) and each envlab process for its peak RSS; the
peak per learner is the containers' peak divided by the learners, plus one process's peak RSS. Memory is
sampled in rounds of its own, after the timed ones (sampling costs the engine time).

    python bench/learners_bench.py [LESSON] [--rounds N]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import docker

REPO = Path(__file__).resolve().parent.parent
SIZES = (1, 2, 4)


def sample_engine_memory(client: docker.DockerClient, stop: threading.Event, peak: list[int]) -> None:
    """Keep the largest sum of memory usage over envlab's running lesson containers in ``peak[0]``."""
    while not stop.is_set():
        total = 0
        for c in client.api.containers(filters={"label": ["io.envlab.managed=true", "io.envlab.lesson"]}):
            try:
                stats = client.api.stats(c["Id"], stream=False, one_shot=True)
            except (docker.errors.APIError, ValueError):  # removed meanwhile (an empty answer is no JSON)
                continue
            memory = stats.get("memory_stats", {})
            total += int(memory.get("usage", 0)) - int(memory.get("stats", {}).get("cache", 0))
        peak[0] = max(peak[0], total)
        stop.wait(0.2)


def one_round(lesson: str, learners: int, client: docker.DockerClient | None) -> tuple[float, int]:
    """Wall seconds for ``learners`` runs at once, and the engine-side peak memory (when sampled)."""
    peak, stop = [0], threading.Event()
    sampler = None
    if client is not None:
        sampler = threading.Thread(target=sample_engine_memory, args=(client, stop, peak), daemon=True)
        sampler.start()
    started = time.perf_counter()
    runs = [subprocess.Popen([sys.executable, "-m", "envlab", "run", lesson, "--json"], cwd=REPO,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(learners)]
    outputs = [run.communicate() for run in runs]
    wall = time.perf_counter() - started
    stop.set()
    if sampler is not None:
        sampler.join()
    for run, (out, err) in zip(runs, outputs, strict=True):
        lines = out.strip().splitlines()
        last = json.loads(lines[-1]) if lines else {}
        if run.returncode != 0 or not last.get("ok"):
            raise SystemExit(f"a run of {lesson} did not come out as claimed: {last or err[-2000:]}")
    return wall, peak[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lesson", nargs="?", default="os-skew")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    client = docker.from_env()
    one_round(args.lesson, 1, None)  # warm: the fix image's digest checked once, caches filled
    times: dict[int, list[float]] = {n: [] for n in SIZES}
    peaks: list[int] = []
    for _ in range(args.rounds):
        for n in SIZES:
            times[n].append(one_round(args.lesson, n, None)[0])
    for _ in range(3):  # memory in rounds of their own: sampling costs the engine time
        peaks.append(one_round(args.lesson, max(SIZES), client)[1])
    # every envlab child's peak RSS (the largest of them: each learner's process is the same program)
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    alone = statistics.median(times[1])
    print(f"{args.lesson}, {args.rounds} rounds, medians:")
    for n in SIZES:
        median = statistics.median(times[n])
        print(f"  {n} learner(s) at once: {median:6.2f} s wall  ({median / alone:.2f}× one alone)  "
              f"runs: {', '.join(f'{t:.1f}' for t in times[n])}")
    engine = statistics.median(peaks) / max(SIZES)
    print(f"  memory per learner (4 at once): containers {engine / 2**20:.0f} MiB (median of the rounds' peaks) "
          f"+ envlab process {rss / 2**20:.0f} MiB (peak RSS) = {(engine + rss) / 2**20:.0f} MiB")


if __name__ == "__main__":
    main()
