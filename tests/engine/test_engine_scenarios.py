"""Scenario lessons on the real engine: the JSON stream of a run, and the single-node swarm envlab makes."""

from __future__ import annotations

import json

import docker
import pytest

from envlab.runtime.docker import DockerRuntime
from envlab.runtime.labels import SWARM_CREATED
from tests.engine.test_engine_curriculum import leftovers
from tests.helpers import envlab

pytestmark = pytest.mark.engine

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
    services = DockerRuntime(docker_client)
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
