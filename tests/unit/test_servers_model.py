"""A scenario's servers: what a lesson may declare of them, how a wrong declaration is said (file, line,
column, field), and the images a lesson with servers needs."""

from __future__ import annotations

from pathlib import Path

import pytest

from envlab.engine.images import image_needs, node_image, registry_image
from envlab.lessons.catalog import load_checked
from envlab.lessons.loader import LessonFileError
from tests.unit.test_scenario_lessons import write

LESSON = """\
id: tiny-servers
chapter: 4
order: 9
assets: {assets}
title: t
summary: s
narrative: n
topology:
  orchestrator: {orchestrator}
  services:
    - name: web
      build: {{context: web}}
      port: 8000
  servers:
{servers}
  registry: {registry}
phases:
  - {{name: one, say: s}}
"""
SERVERS = """\
    - {name: node-1, role: manager, labels: {zone: a}}
    - {name: node-2, debian: bullseye}
    - {name: node-3}"""


def lesson(tmp_path: Path, *, servers: str = SERVERS, registry: str = "true", orchestrator: str = "swarm") -> Path:
    text = LESSON.replace("{servers}", servers.replace("{", "{{").replace("}", "}}"))
    return write(tmp_path, text.replace("{registry}", registry).replace("{orchestrator}", orchestrator))


def problems(path: Path) -> list[str]:
    with pytest.raises(LessonFileError) as caught:
        load_checked(path)
    return [str(p).split(":", 1)[1] for p in caught.value.problems]


def test_servers_are_read_with_their_defaults(tmp_path: Path) -> None:
    topology = load_checked(lesson(tmp_path)).lesson.topology  # type: ignore[union-attr]
    assert [(s.name, s.role, s.debian, s.labels) for s in topology.servers] == [
        ("node-1", "manager", "bookworm", {"zone": "a"}), ("node-2", "worker", "bullseye", {}),
        ("node-3", "worker", "bookworm", {})]
    assert topology.registry is True


def test_a_lesson_with_servers_needs_their_node_images_and_the_registry(tmp_path: Path) -> None:
    needs = {n.tag: n for n in image_needs([load_checked(lesson(tmp_path))])}
    for tag in (node_image("debian:bookworm-slim"), node_image("debian:bullseye-slim"), registry_image()):
        assert needs[tag].kind == "host" and needs[tag].lessons == ("tiny-servers",)


def test_servers_without_a_manager_are_refused_where_the_topology_is(tmp_path: Path) -> None:
    assert problems(lesson(tmp_path, servers="    - {name: node-1}")) == [
        "9:3: topology: 'servers' need a manager: give one of them 'role: manager'"]


def test_a_server_named_twice_is_refused(tmp_path: Path) -> None:
    twice = "    - {name: node-1, role: manager}\n    - {name: node-1}"
    assert problems(lesson(tmp_path, servers=twice)) == ["9:3: topology: server 'node-1' is named twice"]


def test_plain_docker_on_servers_runs_on_the_first_manager_and_says_which_servers_idle(tmp_path: Path) -> None:
    path = lesson(tmp_path, orchestrator="docker")
    path.write_text(path.read_text(encoding="utf-8").replace(
        "  servers:", "  balancer: {service: web, build: {context: web}}\n  servers:"), encoding="utf-8")
    loaded = load_checked(with_phase(path, "  - name: one\n    say: s\n    traffic: {duration: 2}\n    faults:\n"
                                     "      - {at: 1, action: drain, server: node-2}\n"))
    assert [str(w).split(":", 1)[1] for w in loaded.warnings] == [
        "17:7: warning: topology.servers[1]: with plain Docker a container runs where it is placed (the first "
        "manager, node-1, unless a service's 'servers' says), and no service is placed on node-2: place one there, "
        "drop it, or use orchestrator: swarm",
        "18:7: warning: topology.servers[2]: with plain Docker a container runs where it is placed (the first "
        "manager, node-1, unless a service's 'servers' says), and no service is placed on node-3: place one there, "
        "drop it, or use orchestrator: swarm",
        "25:9: warning: phases[0].faults[0]: a drain moves a swarm's tasks, and plain containers are none: it changes "
        "nothing here; use power-off, or orchestrator: swarm"]


def test_a_plain_service_placed_on_servers_uses_them_and_names_only_declared_ones(tmp_path: Path) -> None:
    placed = lesson(tmp_path, orchestrator="docker")
    text = placed.read_text(encoding="utf-8")
    placed.write_text(text.replace("      port: 8000\n", "      port: 8000\n      replicas: 3\n"
                                                       "      servers: [node-2, node-3]\n"), encoding="utf-8")
    loaded = load_checked(placed)
    assert loaded.lesson.topology.services[0].servers == ["node-2", "node-3"]  # type: ignore[union-attr]
    assert not loaded.warnings
    placed.write_text(placed.read_text(encoding="utf-8").replace("[node-2, node-3]", "[node-2, node-9]"),
                      encoding="utf-8")
    assert problems(placed)[0] == ("15:25: topology.services[0].servers[1]: unknown server 'node-9' "
                                   "(servers: node-1, node-2, node-3)")
    on_swarm = lesson(tmp_path)
    on_swarm.write_text(on_swarm.read_text(encoding="utf-8").replace(
        "      port: 8000\n", "      port: 8000\n      servers: [node-2]\n"), encoding="utf-8")
    assert problems(on_swarm)[:1] == ["14:16: topology.services[0].servers: Swarm places its tasks itself: instead of "
                                  "'servers', give 'placement' (node.hostname==NAME)"]


def test_a_registry_needs_servers(tmp_path: Path) -> None:
    assert problems(lesson(tmp_path, servers="    []")) == [
        "9:3: topology: 'registry' needs 'servers': it stands beside them"]


def test_a_release_without_a_node_image_and_a_wrong_label_are_named(tmp_path: Path) -> None:
    wrong = "    - {name: node-1, role: manager, debian: buster, labels: {Zone: a}}"
    found = problems(lesson(tmp_path, servers=wrong))
    assert [line.split(": ", 2)[1] for line in found] == ["topology.servers[0].debian",
                                                          "topology.servers[0].labels.Zone"]


def with_phase(path: Path, phase: str) -> Path:
    """The lesson at ``path`` with its one phase replaced by ``phase`` (YAML, indented as a list item)."""
    text = path.read_text(encoding="utf-8").replace("  - {name: one, say: s}\n", phase)
    path.write_text(text, encoding="utf-8")
    return path


def test_a_server_fault_names_a_declared_server_and_nothing_else(tmp_path: Path) -> None:
    power = ("  - name: one\n    say: s\n    traffic: {duration: 2}\n    faults:\n"
             "      - {at: 1, action: power-off, server: node-4}\n")
    found = problems(with_phase(lesson(tmp_path), power))
    assert any("phases[0].faults[0].server: unknown server 'node-4' (servers: node-1, node-2, node-3)" in p
               for p in found), found


@pytest.mark.parametrize(("fault", "said"), [
    ("{at: 1, action: drain, service: web}", "'drain' acts on a server: give 'server' (and no 'service')"),
    ("{at: 1, action: kill, server: node-2}", "'kill' hits replicas: give 'service' (and no 'server')"),
])
def test_a_fault_acts_on_a_server_or_on_replicas_never_both(tmp_path: Path, fault: str, said: str) -> None:
    phase = f"  - name: one\n    say: s\n    traffic: {{duration: 2}}\n    faults:\n      - {fault}\n"
    found = problems(with_phase(lesson(tmp_path), phase))
    assert any(said in p and "phases[0].faults[0]" in p for p in found), found


def test_a_placement_constraint_is_swarm_s_and_follows_its_grammar(tmp_path: Path) -> None:
    placed = lesson(tmp_path)
    placed.write_text(placed.read_text(encoding="utf-8").replace(
        "      port: 8000\n", "      port: 8000\n      placement: [node.role==manager, node.labels.zone!=b]\n"),
        encoding="utf-8")
    topology = load_checked(placed).lesson.topology  # type: ignore[union-attr]
    assert topology.services[0].placement == ["node.role==manager", "node.labels.zone!=b"]
    placed.write_text(placed.read_text(encoding="utf-8").replace("node.labels.zone!=b", "engine.os==linux"),
                      encoding="utf-8")
    assert any("topology.services[0].placement[1]" in p for p in problems(placed))

