"""Benchmark: offline bundles against raw `docker save`/`docker load`, and a cold `images prepare`.

    python bench/images_bench.py bundle [--rounds N]   # export/import vs docker save/load, side by side
    python bench/images_bench.py prepare [--rounds N]  # every course image removed, then `envlab images prepare`

`bundle` alternates, each round, `envlab images export` with `docker save -o` of the same images, then
removes every envlab-built image (bases stay, so nothing a running test needs disappears for long) and
alternates `envlab images import` with `docker load -i` of the raw archive; it reports medians, their
ratios and the sizes. `prepare` removes every image the course needs (the engine as a fresh machine has
it) and times the whole preparation; it needs debootstrap and Debian's archive.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def sh(*command: str) -> float:
    started = time.monotonic()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.monotonic() - started


def course_images() -> list[dict[str, object]]:
    out = subprocess.run(["envlab", "images", "list", "--json"], capture_output=True, text=True)
    return list(json.loads(out.stdout)["images"])


def remove(tags: list[str]) -> None:
    subprocess.run(["docker", "rmi", *tags], check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def bundle(rounds: int) -> None:
    images = course_images()
    if any(i["state"] != "present" for i in images):
        sys.exit("run `envlab images prepare` first")
    tags = [str(i["tag"]) for i in images]
    built = [str(i["tag"]) for i in images if i["kind"] != "base"]
    times: dict[str, list[float]] = {k: [] for k in ("export", "save", "import", "load")}
    with tempfile.TemporaryDirectory(prefix="envlab-bench-") as tmp:
        ours, raw = Path(tmp) / "course.bundle", Path(tmp) / "course.tar"
        for _ in range(rounds):
            times["export"].append(sh("envlab", "images", "export", str(ours)))
            times["save"].append(sh("docker", "save", "-o", str(raw), *tags))
            remove(built)
            times["import"].append(sh("envlab", "images", "import", str(ours)))
            remove(built)
            times["load"].append(sh("docker", "load", "-i", str(raw)))
        sizes = {"bundle": ours.stat().st_size, "raw archive": raw.stat().st_size}
    median = {k: statistics.median(v) for k, v in times.items()}
    print(f"{len(tags)} images, {rounds} rounds (medians)")
    for ours_key, raw_key in (("export", "save"), ("import", "load")):
        print(f"  envlab images {ours_key}: {median[ours_key]:.1f} s   docker {raw_key}: {median[raw_key]:.1f} s   "
              f"ratio {median[ours_key] / median[raw_key]:.2f}×")
    print(f"  bundle {sizes['bundle'] / 1e6:.0f} MB, raw archive {sizes['raw archive'] / 1e6:.0f} MB "
          f"({sizes['bundle'] / sizes['raw archive']:.0%})")


def prepare(rounds: int) -> None:
    times = []
    for _ in range(rounds):
        remove([str(i["tag"]) for i in course_images()])
        assert all(i["state"] == "missing" for i in course_images()), "an image could not be removed"
        times.append(sh("envlab", "images", "prepare"))
        print(f"  cold prepare: {times[-1]:.1f} s")
    print(f"cold `envlab images prepare`, {rounds} round(s): median {statistics.median(times):.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["bundle", "prepare"])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    bundle(args.rounds) if args.what == "bundle" else prepare(args.rounds)


if __name__ == "__main__":
    main()
