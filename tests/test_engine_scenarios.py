"""Scenario lessons proven on the real engine (plain Docker and a single-node Swarm), leaving nothing."""

from __future__ import annotations

import json

import docker
import pytest

from envlab.runtime.docker_runtime import DockerRuntime
from envlab.runtime.services import SWARM_CREATED, ServiceRuntime

from .test_cli import envlab

pytestmark = pytest.mark.engine

SCENARIOS = ["scale-out-sessions", "plain-docker-limits", "self-healing", "load-balancing", "rolling-update",
             "autoscaling"]


def leftovers(client: docker.DockerClient, lesson: str) -> list[str]:
    """Services, containers and networks of ``lesson`` still on the engine."""
    wanted = {"label": ["io.envlab.managed=true", f"io.envlab.lesson={lesson}"]}
    found = [c["Names"][0] for c in client.api.containers(all=True, filters=wanted)]
    found += [n["Name"] for n in client.api.networks(filters=wanted)]
    if client.info()["Swarm"].get("ControlAvailable"):
        found += [s["Spec"]["Name"] for s in client.api.services(filters=wanted)]
    return found


@pytest.mark.parametrize("lesson", SCENARIOS)
def test_scenario_lesson_is_proven_twice(lesson: str, docker_client: docker.DockerClient) -> None:
    result = envlab("test", lesson)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{lesson}: 2/2 rounds proven" in result.stdout
    assert leftovers(docker_client, lesson) == []


def test_run_json_streams_the_measurements(docker_client: docker.DockerClient) -> None:
    result = envlab("run", "scale-out-sessions", "--json")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert events[0]["event"] == "LessonStarted" and events[-1] == {**events[-1], "event": "LessonFinished",
                                                                    "ok": True}
    phases = [e["phase"] for e in events if e["event"] == "PhaseFinished" and e["ok"]]
    assert phases == ["memory-sessions", "redis-sessions", "replica-dies", "store-stops"]
    lost = {e["phase"]: e["value"] for e in events
            if e["event"] == "MeasurementChecked" and e["metric"] == "lost_session_share"}
    assert lost["memory-sessions"] >= 0.4 and lost["redis-sessions"] == 0 == lost["replica-dies"]
    summaries = {e["phase"]: e for e in events if e["event"] == "TrafficSummary"}
    assert set(summaries["memory-sessions"]["distribution"]) == {"web-1", "web-2", "web-3"}
    assert any(e["event"] == "FaultInjected" and e["action"] == "kill" for e in events)
    assert any(e["event"] == "ReplicaChanged" and e["state"] == "die" for e in events)
    assert leftovers(docker_client, "scale-out-sessions") == []


def test_a_swarm_envlab_made_is_left_and_a_users_swarm_is_kept(docker_client: docker.DockerClient) -> None:
    services = ServiceRuntime(DockerRuntime(docker_client))
    if services.swarm_state() == "active":
        labels = docker_client.swarm.attrs.get("Spec", {}).get("Labels") or {}
        if labels.get(SWARM_CREATED) != "true":
            assert services.leave_swarm_if_ours() is False  # the user's swarm: never touched
            assert services.swarm_state() == "active"
            return
        if docker_client.api.services():
            pytest.skip("another run is using the swarm envlab made; it stays until that run ends")
    bridge_before = bool(docker_client.api.networks(names=["docker_gwbridge"]))
    if services.swarm_state() != "active":
        assert services.ensure_swarm() is True
        assert services.ensure_swarm() is False  # already there: nothing to do
    assert services.leave_swarm_if_ours() is True
    assert services.swarm_state() == "inactive"
    if not bridge_before:  # the swarm's bridge network goes with the swarm envlab made
        assert docker_client.api.networks(names=["docker_gwbridge"]) == []
