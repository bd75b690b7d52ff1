"""Checks beyond the schema for scenario lessons: every service a phase names exists, every build is there, and
the replicas and the traffic stay within the lesson-wide bounds."""

from __future__ import annotations

from pathlib import Path

from envlab.lessons.base import Build
from envlab.lessons.limits import MAX_REPLICAS_TOTAL, over_budget
from envlab.lessons.loader import dotted
from envlab.lessons.model import ScenarioLesson

Loc = tuple[str | int, ...]


def scenario_references(lesson: ScenarioLesson) -> list[tuple[Loc, str]]:
    """Unknown services in the balancer, changes, faults and expectations; too many replicas; too long traffic."""
    topology = lesson.topology
    found: list[tuple[Loc, str]] = []
    names = [s.name for s in topology.services]
    known = ", ".join(names)
    for index, name in enumerate(names):
        if name in names[:index]:
            found.append((("topology", "services", index, "name"), f"service name {name!r} is used twice"))

    def need(loc: Loc, name: str | None) -> None:
        if name is not None and name not in names:
            found.append((loc, f"unknown service {name!r} (services: {known})"))

    if topology.balancer is not None:
        need(("topology", "balancer", "service"), topology.balancer.service)
        balanced = next((s for s in topology.services if s.name == topology.balancer.service), None)
        if balanced is not None and balanced.port is None:
            found.append((("topology", "balancer", "service"), f"{balanced.name} declares no 'port' to balance"))
    if topology.autoscaler is not None:
        need(("topology", "autoscaler", "service"), topology.autoscaler.service)
    servers = [server.name for server in topology.servers]

    def server(loc: Loc, name: str | None) -> None:
        if name is not None and name not in servers:
            found.append((loc, f"unknown server {name!r} (servers: {', '.join(servers) or 'none declared'})"))

    for index, service in enumerate(topology.services):
        if service.placement and topology.orchestrator != "swarm":
            found.append((("topology", "services", index, "placement"),
                          "placement is Swarm's: say 'orchestrator: swarm'"))
        if service.servers and topology.orchestrator == "swarm":
            found.append((("topology", "services", index, "servers"),
                          "Swarm places its tasks itself: instead of 'servers', give 'placement' "
                          "(node.hostname==NAME)"))
        for s_index, name in enumerate(service.servers):
            server(("topology", "services", index, "servers", s_index), name)
    if lesson.challenge is not None and not topology.console:
        found.append((("challenge",), "the challenge is done in the console: give 'topology.console' what it needs "
                                      "(e.g. [read, scale])"))
    if not lesson.phases:
        found.append((("topology",), "a topology needs at least one phase"))
    for where, phase in lesson.all_phases:
        for c_index, change in enumerate(phase.changes):
            need((*where, "changes", c_index, "service"), change.service)
        for f_index, fault in enumerate(phase.faults):
            need((*where, "faults", f_index, "service"), fault.service)
            server((*where, "faults", f_index, "server"), fault.server)
        for e_index, expectation in enumerate(phase.expect):
            need((*where, "expect", e_index, "service"), expectation.service)
            server((*where, "expect", e_index, "server"), expectation.server)
        if phase.traffic is not None and topology.balancer is None:
            found.append(((*where, "traffic"), "traffic goes through the balancer: declare one"))
    return found + scenario_replicas(lesson) + scenario_time(lesson)


def scenario_replicas(lesson: ScenarioLesson) -> list[tuple[Loc, str]]:
    """Replicas that may run at once: each service at its highest (its own count, a change, the autoscaler)."""
    topology = lesson.topology
    peaks = {service.name: service.replicas for service in topology.services}
    for _where, phase in lesson.all_phases:
        for change in phase.changes:
            if change.replicas is not None and change.service in peaks:
                peaks[change.service] = max(peaks[change.service], change.replicas)
    scaler = topology.autoscaler
    if scaler is not None and scaler.service in peaks:
        peaks[scaler.service] = max(peaks[scaler.service], scaler.max)
    total = sum(peaks.values())
    if total <= MAX_REPLICAS_TOTAL:
        return []
    busiest = max(peaks, key=lambda name: peaks[name])
    spread = ", ".join(f"{name} {count}" for name, count in peaks.items())
    return [(("topology", "services"), f"up to {total} replicas may run at once ({spread}), more than the "
                                       f"{MAX_REPLICAS_TOTAL} a lesson may start; lower the replicas of {busiest} "
                                       "(its own, its changes' or the autoscaler's max)")]


def scenario_time(lesson: ScenarioLesson) -> list[tuple[Loc, str]]:
    """The lesson's time budget: every phase's traffic duration."""
    parts: list[tuple[Loc, float]] = [((*where, "traffic", "duration"), phase.traffic.duration)
                                      for where, phase in lesson.all_phases if phase.traffic is not None]
    over = over_budget([(dotted(loc), seconds) for loc, seconds in parts])
    return [] if over is None else [(parts[over[0]][0], over[1])]


def scenario_assets(lesson: ScenarioLesson) -> list[tuple[Loc, str, str]]:
    """(location, relative path, "file" | "dir" | "any") of every asset a scenario names."""
    topology = lesson.topology
    wanted: list[tuple[Loc, str, str]] = []
    builds: list[tuple[Loc, Build]] = [(("topology", "services", i, "build"), s.build)
                                       for i, s in enumerate(topology.services) if s.build is not None]
    if topology.balancer is not None:
        builds.append((("topology", "balancer", "build"), topology.balancer.build))
    for loc, build in builds:
        wanted.append(((*loc, "context"), build.context, "dir"))
        if build.inline is None:
            wanted.append(((*loc, "dockerfile" if build.dockerfile else "context"),
                           str(Path(build.context) / (build.dockerfile or "Dockerfile")), "file"))
    if lesson.kubernetes is not None:
        wanted.append((("kubernetes", "manifests"), lesson.kubernetes.manifests, "file"))
    return wanted
