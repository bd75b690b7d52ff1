"""Benchmark: `envlab run` of a lesson vs a plain shell script doing the same docker CLI steps in turn.

Both sides start the same hardened containers, copy the same files, run the same runbook steps, build
the fix (cached), probe, run the lesson's checks and remove everything. They run alternately, several
rounds, in one process so machine noise hits both alike; we report medians and their ratio.

    python bench/run_vs_shell.py [LESSON] [--rounds N]
"""

from __future__ import annotations

import argparse
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from envlab.engine.images import fix_image, fix_need, host_image
from envlab.lessons.catalog import load_catalog
from envlab.lessons.loader import LoadedLesson
from envlab.lessons.model import CommandCheck, EnvCheck, FileCheck, Fix, Host, HttpCheck

HARDENING = ("--cap-drop ALL --security-opt no-new-privileges:true --pids-limit 256 --memory 512m "
             "--memory-swap 512m --cpus 1 --init --label io.envlab.managed=true --label io.envlab.session=bench")


def shell_script(loaded: LoadedLesson) -> str:
    """The same lesson as a sequential shell script using the docker CLI."""
    lesson = loaded.lesson
    assets = loaded.assets_dir
    q = shlex.quote
    lines = ["set -u", "net=envlab-bench-net", "docker network create $net >/dev/null"]
    for setup in lesson.setups:
        name = f"envlab-bench-{setup.name}"
        ports = " ".join(f"-p 127.0.0.1::{p}" for p in setup.ports)
        network = "--network $net" if setup.ports else "--network none"
        envs = " ".join(f"-e {q(k + '=' + v)}" for k, v in setup.env.items())
        if isinstance(setup, Host):
            lines.append(f"docker run -d --name {name} --hostname {setup.name} {HARDENING} {network} {ports} "
                         f"{envs} {host_image(setup)} sleep infinity >/dev/null")
            for spec in setup.files:
                if spec.source:
                    parent = str(Path(spec.path).parent)
                    lines.append(f"docker exec {name} mkdir -p {q(parent)}")
                    lines.append(f"docker cp {q(str(assets / spec.source))} {name}:{q(spec.path)}")
            for step in setup.runbook:
                lines.append(f"docker exec {name} /bin/sh -c {q(step.run)} || true")
        else:
            assert isinstance(setup, Fix)
            # The Dockerfile as envlab sends it: FROM the image with the lesson's packages, no network.
            rewritten = Path(tempfile.mkdtemp(prefix="envlab-bench-")) / "Dockerfile"
            source = fix_need(loaded).source
            assert source is not None
            rewritten.write_text(source.read().dockerfile, encoding="utf-8")
            context = q(str(assets / setup.build.context))
            lines.append(f"docker build -q --network none -f {q(str(rewritten))} -t {fix_image(lesson.id)} "
                         f"{context} >/dev/null")
            command = "" if setup.serve else "sleep infinity"
            lines.append(f"docker run -d --name {name} --hostname {setup.name} {HARDENING} {network} {ports} "
                         f"{envs} {fix_image(lesson.id)} {command} >/dev/null")
        lines.append(f"docker exec {name} /bin/sh -c {q(setup.probe.run)} || true")
    for check in lesson.checks:
        name = f"envlab-bench-{check.target}"
        if isinstance(check, CommandCheck):
            lines.append(f"docker exec {name} /bin/sh -c {q(check.run)} >/dev/null 2>&1 || true")
        elif isinstance(check, FileCheck):
            lines.append(f"docker cp {name}:{q(check.path)} - >/dev/null 2>&1 || true")
        elif isinstance(check, EnvCheck):
            lines.append(f"docker inspect -f '{{{{.Config.Env}}}}' {name} >/dev/null")
        elif isinstance(check, HttpCheck):
            lines.append(f"port=$(docker port {name} {check.port}/tcp | head -1 | cut -d: -f2)")
            url = f"http://127.0.0.1:$port{check.path}"
            lines.append(f"for i in $(seq 50); do curl -sf {url} >/dev/null && break; sleep 0.2; done")
    names = " ".join(f"envlab-bench-{s.name}" for s in lesson.setups)
    lines += [f"docker rm -f {names} >/dev/null", "docker network rm $net >/dev/null"]
    return "\n".join(lines) + "\n"


def timed(command: list[str], **kwargs: object) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, **kwargs)  # type: ignore[call-overload]
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("lesson", nargs="?", default="os-skew")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    loaded = load_catalog().get(args.lesson)
    script = shell_script(loaded)
    subprocess.run([sys.executable, "-m", "envlab", "images", "prepare"], check=True, capture_output=True)
    envlab_times, shell_times, prepare_times = [], [], []
    for _ in range(args.rounds):
        envlab_times.append(timed([sys.executable, "-m", "envlab", "run", args.lesson]))
        shell_times.append(timed(["bash", "-c", script]))
        prepare_times.append(timed([sys.executable, "-m", "envlab", "images", "prepare"]))
    e, s, p = (statistics.median(t) for t in (envlab_times, shell_times, prepare_times))
    print(f"lesson {args.lesson}, {args.rounds} rounds, medians:")
    print(f"  envlab run            {e:6.2f} s   (all: {', '.join(f'{t:.2f}' for t in envlab_times)})")
    print(f"  sequential docker CLI {s:6.2f} s   (all: {', '.join(f'{t:.2f}' for t in shell_times)})")
    print(f"  ratio envlab / shell  {e / s:6.2f}")
    print(f"  images prepare, all present {p:6.2f} s   (all: {', '.join(f'{t:.2f}' for t in prepare_times)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
