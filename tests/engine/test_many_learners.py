"""Many learners on one engine: six envlab processes, each in a PID namespace of its own (as kiosks in
their own containers would be), run lessons at the same time — four drift lessons, two of them the same,
and the same Swarm lesson twice, each on a server of its own — while a clean from yet another process runs
in the middle.

Every run must come out as its lesson claims, remove only what it made, and the clean must remove
nothing that is live.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from typing import Any

import docker
import pytest

from envlab.runtime.labels import MANAGED, SESSION
from tests.helpers import REPO, envlab

pytestmark = pytest.mark.engine

LESSONS = ["os-skew", "os-skew", "minor-skew", "missing-config", "self-healing", "self-healing"]
PATIENCE = 600.0
#: How many learners' runs have containers up when the clean starts (a quick drift run may be over).
MIDDLE = 4


def in_own_pid_namespace(*args: str) -> subprocess.Popen[str]:
    """``envlab ARGS`` as PID 1 of a new PID namespace (with its own /proc)."""
    return subprocess.Popen(["unshare", "--pid", "--fork", "--mount-proc", sys.executable, "-m", "envlab", *args],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "COLUMNS": "200"})


def sessions_with_resources(client: docker.DockerClient) -> set[str]:
    found = client.api.containers(all=True, filters={"label": [f"{MANAGED}=true"]})
    return {str(c["Labels"].get(SESSION, "")) for c in found} - {""}


def events_of(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_six_learners_in_their_own_pid_namespaces_share_the_engine(docker_client: docker.DockerClient) -> None:
    if shutil.which("unshare") is None or os.geteuid() != 0:
        pytest.fail("this test needs unshare(1) from util-linux and root, to give each learner a PID namespace")
    before = sessions_with_resources(docker_client)
    swarm_before = docker_client.info()["Swarm"]["LocalNodeState"]
    learners = [in_own_pid_namespace("run", lesson, "--json") for lesson in LESSONS]
    try:
        deadline = time.monotonic() + PATIENCE
        # In the middle, while most learners' runs have containers on the engine, someone runs a clean.
        while len(sessions_with_resources(docker_client) - before) < MIDDLE:
            assert time.monotonic() < deadline, f"{MIDDLE} of the runs never had their containers up at once"
            time.sleep(0.2)
        clean = envlab("clean")
        assert clean.returncode == 0, clean.stdout + clean.stderr
        outputs = [p.communicate(timeout=max(1.0, deadline - time.monotonic())) for p in learners]
    finally:
        for p in learners:
            if p.poll() is None:
                p.kill()
                p.wait()
    sessions = []
    for lesson, process, (out, err) in zip(LESSONS, learners, outputs, strict=True):
        events = events_of(out)
        started = next(e for e in events if e["event"] == "LessonStarted")
        finished = events[-1]
        assert finished["event"] == "LessonFinished" and finished["ok"], f"{lesson}: {out[-3000:]}\n{err[-2000:]}"
        assert process.returncode == 0, err[-2000:]
        session = str(started["session"])
        sessions.append(session)
        removed = [name for e in events if e["event"] == "CleanupFinished" for name in e["removed"]]
        assert removed and all(name.startswith(f"envlab-{session}-") for name in removed), (
            f"{lesson} removed what was not its own: {removed}")
    assert len(set(sessions)) == len(LESSONS)  # one session each, though all six were PID 1
    kept = [session for session in sessions if f"live session {session}" in clean.stdout]
    swarm_runs = [s for lesson, s in zip(LESSONS, sessions, strict=True) if lesson == "self-healing"]
    assert set(swarm_runs) <= set(kept), f"the clean did not see the Swarm runs live:\n{clean.stdout}"
    assert not (sessions_with_resources(docker_client) - before), "a run left something behind"
    by_clean = [line.split()[2] for line in clean.stdout.splitlines() if line.startswith("removed ")]
    assert not [name for name in by_clean for s in kept if name.startswith(f"envlab-{s}-")], clean.stdout
    assert docker_client.info()["Swarm"]["LocalNodeState"] == swarm_before, "the swarm is not as it was found"
