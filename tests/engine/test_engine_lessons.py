"""The first lesson, proven on the real engine through the `envlab` command, and its clean-ups."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import docker
import pytest

from envlab.runtime.contract import wait_for
from tests.helpers import REPO, envlab

pytestmark = pytest.mark.engine


def managed(client: docker.DockerClient, **labels: str) -> list[str]:
    """Containers envlab made for a lesson (a session's lease has no lesson), or with ``kind=lease`` its lease."""
    wanted = ["io.envlab.managed=true", *(f"io.envlab.{k}={v}" for k, v in labels.items())]
    if labels.get("kind") != "lease":
        wanted.append("io.envlab.lesson")
    return [c["Names"][0].lstrip("/") for c in client.api.containers(all=True, filters={"label": wanted})]


def test_run_shows_the_real_failure_and_the_real_success(docker_client: docker.DockerClient) -> None:
    result = envlab("run", "os-skew")
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "ModuleNotFoundError: No module named 'tomllib'" in out
    assert "Python 3.9." in out and "Python 3.11." in out  # the skew itself, as each host reports it
    assert "Inventory report for Osaka warehouse" in out
    assert "failed as expected" in out and "every expectation of os-skew holds" in out
    assert managed(docker_client, lesson="os-skew") == []


def test_run_json_is_one_event_per_line(docker_client: docker.DockerClient) -> None:
    result = envlab("run", "os-skew", "--json")
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    kinds = [e["event"] for e in events]
    assert kinds[0] == "LessonStarted" and kinds[-1] == "LessonFinished" and events[-1]["ok"] is True
    verdicts = {e["setup"]: e["verdict"] for e in events if e["event"] == "SetupFinished"}
    assert verdicts == {"dev-laptop": "passed", "prod-server": "failed-as-expected", "container": "passed"}
    checks = {e["check"]: (e["passed"], e["expected"]) for e in events if e["event"] == "CheckFinished"}
    assert checks["prod-report-runs"] == (False, False)  # the challenge: broken until the learner fixes it
    assert checks["container-serves-report"] == (True, True)


def test_a_lesson_whose_claim_is_false_is_not_proven(tmp_path, docker_client: docker.DockerClient) -> None:  # type: ignore[no-untyped-def]
    source = (REPO / "lessons" / "01-os-skew.yaml").read_text(encoding="utf-8")
    wrong = source.replace("id: os-skew", "id: os-skew-wrong").replace(
        "ModuleNotFoundError: No module named 'tomllib'", "SyntaxError: invalid syntax")
    (tmp_path / "wrong.yaml").write_text(wrong, encoding="utf-8")
    shutil.copytree(REPO / "assets" / "os-skew", tmp_path / "assets" / "os-skew-wrong")  # a pack holds its own
    result = envlab("test", "--lessons", str(tmp_path), "os-skew-wrong", "--rounds", "1")
    assert result.returncode == 1
    assert "not with the declared error" in result.stdout
    assert managed(docker_client, lesson="os-skew-wrong") == []


def _default_signals() -> None:
    """The child gets the default signal dispositions whatever this process inherited (a test run in a
    background job ignores SIGINT, and so would its children)."""
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)


def _start_run_and_wait_for_containers(client: docker.DockerClient) -> subprocess.Popen[str]:
    process = subprocess.Popen([sys.executable, "-m", "envlab", "run", "os-skew"], cwd=REPO, text=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
                               preexec_fn=_default_signals)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if managed(client, pid=str(process.pid)):
            return process
        time.sleep(0.05)
    process.kill()
    pytest.fail("the run never started a container")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_a_signal_mid_run_tears_everything_down(sig: signal.Signals, docker_client: docker.DockerClient) -> None:
    process = _start_run_and_wait_for_containers(docker_client)
    process.send_signal(sig)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert managed(docker_client, pid=str(process.pid)) == []


def test_a_killed_runs_leftovers_are_swept_by_the_next_start(docker_client: docker.DockerClient) -> None:
    process = _start_run_and_wait_for_containers(docker_client)
    os.killpg(process.pid, signal.SIGKILL)  # no chance to clean up
    process.wait(timeout=30)
    assert managed(docker_client, pid=str(process.pid)), "SIGKILL leaves containers behind"
    # The engine ends the killed session's lease when its connection closes: then it counts as gone.
    assert wait_for(lambda: not managed(docker_client, pid=str(process.pid), kind="lease"), timeout=20)
    result = envlab("run", "os-skew")
    assert result.returncode == 0
    assert managed(docker_client, pid=str(process.pid)) == []


def test_clean_removes_every_envlab_resource(docker_client: docker.DockerClient) -> None:
    labels = {"io.envlab.managed": "true", "io.envlab.session": "clean-test"}
    docker_client.networks.create("envlab-clean-test", labels=labels)
    docker_client.containers.create("debian:bookworm-slim", ["true"], name="envlab-clean-test", labels=labels)
    docker_client.volumes.create("envlab-clean-test", labels=labels)
    result = envlab("clean")
    assert result.returncode == 0
    assert "removed container envlab-clean-test" in result.stdout
    assert "removed network envlab-clean-test" in result.stdout
    assert "removed volume envlab-clean-test" in result.stdout


def test_prepare_with_everything_present_changes_nothing(docker_client: docker.DockerClient) -> None:
    result = envlab("images", "prepare")
    assert result.returncode == 0, result.stdout
    assert "0 failed" in result.stdout and "built" not in result.stdout.splitlines()[-1]
