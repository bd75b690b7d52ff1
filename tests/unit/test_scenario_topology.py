"""What the learner reads about a topology: Swarm specs as YAML, by-hand docker lines, replica names."""

from __future__ import annotations

import dataclasses

from envlab.engine.scenario.topology import docker_run_line, replica_index, swarm_summary
from envlab.runtime.contract import NS, Health, ServiceSpec, Update, replica_label


def test_swarm_summary_reads_durations_in_seconds() -> None:
    spec = {
        "Mode": {"Replicated": {"Replicas": 3}}, "EndpointSpec": {"Mode": "dnsrr"},
        "TaskTemplate": {"ContainerSpec": {
            "Env": ["SESSION_STORE=redis"], "StopGracePeriod": 2 * NS,
            "Healthcheck": Health("curl -fsS http://127.0.0.1:8000/healthz").docker()}},
        "UpdateConfig": Update("start-first", 1, 0, "rollback", 1.0).docker(),
    }
    text = swarm_summary("web", spec)
    assert "replicas: 3" in text and "endpoint_mode: dnsrr" in text
    assert "interval: 1s" in text and "stop_grace_period: 2s" in text
    assert "order: start-first" in text and "failure_action: rollback" in text and "monitor: 1s" in text


def test_a_removed_health_check_is_not_shown() -> None:
    spec = {"TaskTemplate": {"ContainerSpec": {"Healthcheck": {"Test": ["NONE"]}}}}
    assert "healthcheck" not in swarm_summary("web", spec)


def test_the_by_hand_line_repeats_every_setting() -> None:
    spec = ServiceSpec(name="envlab-x-web", alias="web", image="sha256:" + "ab" * 32, labels={}, network="n",
                       env={"SESSION_STORE": "redis"}, restart="always", health=Health("curl -f x"))
    line = docker_run_line(spec, 4, "envlab-x-shop")
    assert line.startswith("docker run -d --name web-4 --network envlab-x-shop --network-alias web")
    assert "-e SESSION_STORE=redis" in line and "--restart always" in line and "--health-cmd 'curl -f x'" in line
    assert line.endswith("abababababab")
    placed = docker_run_line(dataclasses.replace(spec, servers=("node-1", "node-2")), 4, "shop")
    assert placed.startswith("docker --context node-2 run -d --name web-4 --network shop")  # on the server it is on


def test_replica_names() -> None:
    assert replica_index("envlab-1a2b-scale-out-sessions-web-12") == 12
    assert replica_index("envlab-1a2b-balancer") == 0
    assert replica_label({"io.envlab.replica": "web-2"}) == "web-2"
    assert replica_label({"io.envlab.service": "web", "com.docker.swarm.task.name": "envlab-s-l-web.3.x1y2"}) \
        == "web-3"
