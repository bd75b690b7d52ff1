"""Benchmark: one drift lesson with 1, 2 and 4 learners at once on one engine, and memory per learner.

Two measures, sizes alternating round by round so machine noise hits every size alike (medians, and
the ratio to one learner alone):

- **the lesson**, as a learner at a kiosk meets it: each learner is an envlab process that is already
  up (imported, connected, its session's lease held, the lesson loaded — as the TUI is before the
  learner presses `r`); all of them are told to go at once, and a round lasts until the last run has
  come out and been torn down;
- **the whole command**: `envlab run LESSON --json` processes started together, start-up included.

For memory, the engine's containers of 4 runs at once are sampled (the cgroup's usage less its page
cache, as `docker stats` reads it) in rounds of their own (sampling costs the engine time), and the
processes' peak RSS is read from the kernel.

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

#: One learner: ready when up, runs the lesson when told, says how it came out.
LEARNER = """
import json, sys, time
from envlab.engine.run import open_run
from envlab.lessons.catalog import load_catalog
from envlab.runtime.docker import open_runtime
from envlab.runtime.labels import Session
session = Session()
runtime = open_runtime(session)
loaded = load_catalog().get(sys.argv[1])
print("ready", flush=True)
sys.stdin.readline()
started = time.perf_counter()
last = None
for event in open_run(loaded, runtime, session=session).events():
    last = event
print(json.dumps({"ok": bool(last is not None and getattr(last, "ok", False)),
                  "seconds": time.perf_counter() - started}), flush=True)
runtime.release_lease(session)
"""


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


def lesson_round(lesson: str, learners: int) -> float:
    """Seconds from "go" to the last of ``learners`` already-running processes having its run done."""
    workers = [subprocess.Popen([sys.executable, "-c", LEARNER, lesson], cwd=REPO, stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(learners)]
    for worker in workers:
        assert worker.stdout is not None
        if worker.stdout.readline().strip() != "ready":
            raise SystemExit(f"a learner did not start: {worker.communicate()[1][-2000:]}")
    started = time.perf_counter()
    for worker in workers:
        assert worker.stdin is not None
        worker.stdin.write("go\n")
        worker.stdin.flush()
    outcomes = []
    for worker in workers:
        assert worker.stdout is not None
        outcomes.append(worker.stdout.readline())
    wall = time.perf_counter() - started
    for worker, line in zip(workers, outcomes, strict=True):
        _, err = worker.communicate()
        if not line or not json.loads(line)["ok"]:
            raise SystemExit(f"a run of {lesson} did not come out as claimed: {line or err[-2000:]}")
    return wall


def command_round(lesson: str, learners: int, client: docker.DockerClient | None = None) -> tuple[float, int]:
    """Wall seconds for ``learners`` `envlab run` commands at once, and the engine-side peak memory
    when ``client`` is given to sample it."""
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


def report(title: str, times: dict[int, list[float]]) -> None:
    alone = statistics.median(times[1])
    print(title)
    for n in SIZES:
        median = statistics.median(times[n])
        print(f"  {n} learner(s) at once: {median:6.2f} s  ({median / alone:.2f}× one alone)  "
              f"rounds: {', '.join(f'{t:.1f}' for t in times[n])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lesson", nargs="?", default="os-skew")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    client = docker.from_env()
    command_round(args.lesson, 1)  # warm: the fix image's digest checked once, caches filled
    lessons: dict[int, list[float]] = {n: [] for n in SIZES}
    commands: dict[int, list[float]] = {n: [] for n in SIZES}
    for _ in range(args.rounds):
        for n in SIZES:
            lessons[n].append(lesson_round(args.lesson, n))
            commands[n].append(command_round(args.lesson, n)[0])
    peaks = [command_round(args.lesson, max(SIZES), client)[1] for _ in range(3)]
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024  # the largest child's peak
    print(f"{args.lesson}, {args.rounds} rounds, medians:")
    report("the lesson, from go to done (processes already up, as at a kiosk):", lessons)
    report("the whole `envlab run` command, start-up included:", commands)
    engine = statistics.median(peaks) / max(SIZES)
    print(f"memory per learner (4 at once): containers {engine / 2**20:.0f} MiB (median of 3 rounds' peaks) "
          f"+ envlab process {rss / 2**20:.0f} MiB (peak RSS) = {(engine + rss) / 2**20:.0f} MiB")


if __name__ == "__main__":
    main()
