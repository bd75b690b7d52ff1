"""Mistakes that pass the schema and the references but only a room would find: fields that contradict each other.

Each finding is an ``error`` when the lesson cannot do what it says (a fault timed after its phase's traffic
has ended, a fault on more replicas than the service runs, a traffic metric in a phase without traffic), and
a ``warning`` when it runs but very likely not as meant (a share bounded above 1, a field the engine ignores).
Every message says what is wrong and how to fix it; :func:`envlab.lessons.validate.semantic_problems` puts
the file, line and column in front.
"""

from __future__ import annotations

from dataclasses import dataclass

from envlab.lessons.limits import MAX_REPLICAS_PER_SERVICE
from envlab.lessons.model import DriftLesson, FileCheck, ScenarioLesson
from envlab.lessons.parse_cache import Loc
from envlab.lessons.problems import Severity
from envlab.lessons.scenario import HealthCheck, Metric, Phase

#: Metrics measured from the requests of the phase's traffic, at the balancer (whatever ``service`` says).
TRAFFIC_METRICS: frozenset[Metric] = frozenset({
    "error_rate", "failed_requests", "requests", "lost_session_share", "replica_share", "replicas_seen",
    "versions_seen",
})
#: Metrics that are shares, between 0 and 1.
SHARE_METRICS: frozenset[Metric] = frozenset({"error_rate", "lost_session_share", "replica_share"})
#: Metrics counted from the phase's first fault.
FAULT_METRICS: frozenset[Metric] = frozenset({"detection_time", "recovery_time"})
#: Replica counts that can never be above the replicas the service is asked to run.
RUNNING_METRICS: frozenset[Metric] = frozenset({"min_running", "final_running"})


@dataclass(frozen=True)
class Finding:
    """One contradiction, at the data path of the field at fault."""

    loc: Loc
    message: str
    severity: Severity = "error"


def semantic_findings(lesson: DriftLesson | ScenarioLesson) -> list[Finding]:
    """Every contradiction between fields of ``lesson`` (whose references are known to resolve)."""
    return drift_findings(lesson) if isinstance(lesson, DriftLesson) else scenario_findings(lesson)


# drift lessons ---------------------------------------------------------------------------------
def drift_findings(lesson: DriftLesson) -> list[Finding]:
    """Checks named twice, a file check's pattern it never reads, checks the challenge's solution cannot change."""
    found: list[Finding] = []
    names: dict[str, int] = {}
    for index, check in enumerate(lesson.checks):
        loc: Loc = ("checks", index)
        if check.name in names:
            found.append(Finding((*loc, "name"), f"check name {check.name!r} is also the name of checks"
                                 f"[{names[check.name]}]; the challenge names checks, so give each its own name"))
        names.setdefault(check.name, index)
        if isinstance(check, FileCheck) and not check.exists and check.contains is not None:
            found.append(Finding((*loc, "contains"), "a file that must not exist has no content to match: "
                                 "drop 'contains', or make it 'exists: true'"))
        if check.type == "http" and lesson.fix is not None and check.target == lesson.fix.name \
                and not lesson.fix.serve:
            found.append(Finding((*loc, "target"), f"{check.target} does not run its image's command (no "
                                 "'serve: true'), so nothing may listen on the port; give the fix 'serve: true'",
                                 "warning"))
    found += _holds_findings(lesson)
    challenge = lesson.challenge
    if challenge is not None:
        targets = {check.name: check.target for check in lesson.checks}
        for index, name in enumerate(challenge.checks):
            target = targets.get(name)
            if target is not None and target != challenge.target:
                found.append(Finding(("challenge", "checks", index),
                                     f"{name!r} looks at {target}, but the solution runs in {challenge.target}: "
                                     f"it cannot make this check pass; name checks of {challenge.target}",
                                     "warning"))
    return found


_WHEN = {"before": "before it", "both": "before and after it"}


def _holds_findings(lesson: DriftLesson) -> list[Finding]:
    """A check's ``holds`` against the challenge: a time that never comes, or a claim that contradicts it."""
    found: list[Finding] = []
    challenge = lesson.challenge
    for index, check in enumerate(lesson.checks):
        loc: Loc = ("checks", index, "holds")
        if check.holds is None:
            continue
        if challenge is None:
            if check.holds == "after":
                found.append(Finding(loc, "this lesson has no challenge, so there is no fix to run the check after "
                                          "and it would never run: drop 'holds', or give the lesson a challenge"))
            elif check.holds == "both":
                found.append(Finding(loc, "this lesson has no challenge, so 'both' is the same as 'before': drop "
                                          "'holds'", "warning"))
        elif check.name in challenge.checks and check.holds != "after":
            found.append(Finding(loc, f"the challenge names {check.name!r}, so it must fail before the fix (that "
                                      f"shows {challenge.target} is broken) and cannot hold {_WHEN[check.holds]}: drop "
                                      "'holds', or take the check out of challenge.checks"))
        elif check.holds == "after" and check.target != challenge.target:
            found.append(Finding(loc, f"the solution runs in {challenge.target}, so it cannot change what this check "
                                      f"sees on {check.target}: make it 'both' (or drop 'holds')", "warning"))
    return found


# scenario lessons ------------------------------------------------------------------------------
def scenario_findings(lesson: ScenarioLesson) -> list[Finding]:
    """The autoscaler's place, what the orchestrator ignores, and each phase against what it runs."""
    found = _autoscaler_findings(lesson) + _orchestrator_findings(lesson)
    topology = lesson.topology
    replicas = {service.name: service.replicas for service in topology.services}
    health: dict[str, HealthCheck | None] = {service.name: service.health for service in topology.services}
    scaler = topology.autoscaler
    scaled = False  # once the autoscaler has run, its service may have any count up to its max
    for loc, phase in lesson.all_phases:
        for change in phase.changes:
            if change.at is None and change.replicas is not None:
                replicas[change.service] = change.replicas
            if change.health is not None:
                health[change.service] = None if change.health == "none" else change.health
        # The most replicas each service may run during the phase: a timed change or the autoscaler adds some.
        most = dict(replicas)
        for change in phase.changes:
            if change.at is not None and change.replicas is not None and change.service in most:
                most[change.service] = max(most[change.service], change.replicas)
        scaled = scaled or (scaler is not None and phase.traffic is not None)
        if scaler is not None and scaler.service in most and scaled:
            most[scaler.service] = max(most[scaler.service], scaler.max)
        checks = health
        if loc[0] == "challenge":  # the learner's change comes first: it may scale anything, and add a check
            most = dict.fromkeys(most, MAX_REPLICAS_PER_SERVICE)
            checks = {name: check for name, check in health.items() if check is not None}
        found += _timing_findings(loc, phase)
        found += _fault_findings(loc, phase, most, checks)
        found += _expect_findings(loc, phase, most, lesson)
        for change in phase.changes:
            if change.at is not None and change.replicas is not None:
                replicas[change.service] = change.replicas
    return found


def _autoscaler_findings(lesson: ScenarioLesson) -> list[Finding]:
    topology, scaler = lesson.topology, lesson.topology.autoscaler
    if scaler is None:
        return []
    if not any(phase.traffic is not None for _loc, phase in lesson.all_phases):
        return [Finding(("topology", "autoscaler"), "the autoscaler runs only while a phase's traffic flows, "
                                                    "and no phase has traffic: give a phase 'traffic'", "warning")]
    loc: Loc = ("topology", "autoscaler", "service")
    if topology.balancer is not None and scaler.service != topology.balancer.service:
        # (Traffic without a balancer is refused with the references.)
        return [Finding(loc, f"{scaler.service} is not behind the balancer (it balances "
                             f"{topology.balancer.service}), so the load the autoscaler sees is not its own: "
                             f"scale {topology.balancer.service}, or balance {scaler.service}")]
    return []


def _orchestrator_findings(lesson: ScenarioLesson) -> list[Finding]:
    """Fields only the other orchestrator reads: Swarm's rolling update on plain Docker, a restart policy on Swarm."""
    topology = lesson.topology
    ignored, why = (("update", "Swarm's rolling update: with plain Docker, envlab replaces replicas one by one and "
                               "ignores it; drop 'update', or use orchestrator: swarm")
                    if topology.orchestrator == "docker" else
                    ("restart", "plain Docker's restart policy: Swarm always restarts failed tasks and ignores it; "
                                "drop 'restart', or use orchestrator: docker"))
    found = [Finding(("topology", "services", index, ignored), f"'{ignored}' is {why}", "warning")
             for index, service in enumerate(topology.services) if ignored in service.model_fields_set]
    for loc, phase in lesson.all_phases:
        found += [Finding((*loc, "changes", c_index, ignored), f"'{ignored}' is {why}", "warning")
                  for c_index, change in enumerate(phase.changes) if getattr(change, ignored) is not None]
    if topology.orchestrator == "docker":
        found += _plain_servers_findings(lesson)
    return found


def _plain_servers_findings(lesson: ScenarioLesson) -> list[Finding]:
    """Plain containers run where they are placed (the first manager unless a service says): nothing moves them, so
    a server no service is placed on idles."""
    topology = lesson.topology
    manager = next((server.name for server in topology.servers if server.role == "manager"), "")
    used = {manager} | {name for service in topology.services for name in service.servers}
    found = [Finding(("topology", "servers", index), f"with plain Docker a container runs where it is placed (the "
                                                     f"first manager, {manager}, unless a service's 'servers' says), "
                                                     f"and no service is placed on {server.name}: place one there, "
                                                     "drop it, or use orchestrator: swarm", "warning")
             for index, server in enumerate(topology.servers) if server.name not in used]
    for loc, phase in lesson.all_phases:
        found += [Finding((*loc, "faults", index), "a drain moves a swarm's tasks, and plain containers are none: "
                                                   "it changes nothing here; use power-off, or orchestrator: swarm",
                          "warning")
                  for index, fault in enumerate(phase.faults) if fault.action == "drain"]
    return found


def _timing_findings(loc: Loc, phase: Phase) -> list[Finding]:
    """Faults and timed changes are timed from the traffic's start: they must come before its end."""
    found: list[Finding] = []
    traffic = phase.traffic
    timed = [(("faults", i, "at"), "fault", f.at) for i, f in enumerate(phase.faults)]
    timed += [(("changes", i, "at"), "change", c.at) for i, c in enumerate(phase.changes) if c.at is not None]
    for where, what, at in timed:
        if traffic is None:  # a fault without traffic is refused by the schema already
            found.append(Finding((*loc, *where), f"a timed {what} counts from the traffic's start, and this phase "
                                                 "has no traffic, so it never happens: give the phase 'traffic', "
                                                 "or drop 'at' to apply it before the phase"))
        elif at >= traffic.duration:
            found.append(Finding((*loc, *where), f"at {at:g} s, but the phase's traffic lasts {traffic.duration:g} s "
                                                 f"and the {what} would come after it: give an 'at' below "
                                                 f"{traffic.duration:g}, or a longer traffic.duration"))
    for index, change in enumerate(phase.changes):
        if not change.model_fields_set - {"service", "at", "wait"}:
            found.append(Finding((*loc, "changes", index), f"this change of {change.service} changes nothing: give "
                                                           "env, replicas, health, update or restart", "warning"))
    return found


def _fault_findings(loc: Loc, phase: Phase, most: dict[str, int],
                    health: dict[str, HealthCheck | None]) -> list[Finding]:
    found: list[Finding] = []
    for index, fault in enumerate(phase.faults):
        running = most.get(fault.service or "")
        if running is not None and fault.count > running:
            found.append(Finding((*loc, "faults", index, "count"),
                                 f"hits {fault.count} replicas of {fault.service}, which runs at most {running} in "
                                 f"this phase: lower 'count' to {running} or fewer, or give {fault.service} more "
                                 "replicas"))
    hung = sorted({f.service or "" for f in phase.faults if f.action == "hang"})
    if not phase.faults or any(f.action != "hang" for f in phase.faults):
        return found  # a crash or a stop is seen at once, by the engine's own events
    blind = [name for name in hung if name in health and health[name] is None]
    # A hang is seen after `retries` failed checks `interval` seconds apart, the first after the grace period.
    soonest = min((check.interval * check.retries for name in hung if (check := health.get(name)) is not None),
                  default=None)
    for e_index, expectation in enumerate(phase.expect):
        at: Loc = (*loc, "expect", e_index)
        if expectation.metric != "detection_time":
            continue
        if blind:
            found.append(Finding((*at, "metric"), f"a hung replica is seen only by a health check, and "
                                                  f"{', '.join(blind)} has none (unless its image declares a "
                                                  "HEALTHCHECK): give it 'health'", "warning"))
        elif soonest is not None and expectation.max is not None and expectation.max < soonest:
            found.append(Finding((*at, "max"), f"a hang is seen after the health check's retries × interval, "
                                               f"{soonest:g} s at the soonest, so detection_time cannot stay under "
                                               f"{expectation.max:g}: raise 'max', or check more often", "warning"))
    return found


def _expect_findings(loc: Loc, phase: Phase, most: dict[str, int], lesson: ScenarioLesson) -> list[Finding]:
    found: list[Finding] = []
    balancer = lesson.topology.balancer
    balanced = balancer.service if balancer is not None else lesson.topology.services[0].name
    for index, expectation in enumerate(phase.expect):
        at: Loc = (*loc, "expect", index)
        metric = expectation.metric
        if metric in TRAFFIC_METRICS and phase.traffic is None:
            found.append(Finding((*at, "metric"), f"{metric} is measured from the phase's traffic, and this phase "
                                                  "has none: give the phase 'traffic', or measure replicas "
                                                  "(min_running, final_running)"))
        if metric in TRAFFIC_METRICS and expectation.service is not None and expectation.service != balanced:
            found.append(Finding((*at, "service"), f"{metric} is measured at the balancer, in front of {balanced}, "
                                                   "whatever 'service' says: drop 'service'", "warning"))
        if metric in FAULT_METRICS and not phase.faults:
            found.append(Finding((*at, "metric"), f"{metric} counts from the phase's first fault, and this phase has "
                                                  "none: add a fault, or drop this expectation"))
        hit = sorted({fault.service for fault in phase.faults if fault.service is not None})
        if metric == "recovery_time" and hit and (expectation.service or balanced) not in hit:
            found.append(Finding((*at, "metric"), f"recovery_time is measured on {expectation.service or balanced}, "
                                                  f"and this phase's faults hit {', '.join(hit)}: give "
                                                  f"'service: {hit[0]}'", "warning"))
        if metric == "update_state" and not any(change.wait for change in phase.changes):
            found.append(Finding((*at, "metric"), "update_state is the outcome of the phase's change, and this phase "
                                                  "waits for none: add a change (with 'wait: true')"))
        if metric in SHARE_METRICS:
            for bound in ("min", "max"):
                value = getattr(expectation, bound)
                if value is not None and value > 1:
                    found.append(Finding((*at, bound), f"{metric} is a share from 0 to 1, so {value:g} bounds "
                                                       f"nothing: write {value / 100:g} for {value:g} %", "warning"))
        service = expectation.service or balanced
        ceiling = most.get(service)
        if metric in RUNNING_METRICS and ceiling is not None and expectation.min is not None \
                and expectation.min > ceiling:
            found.append(Finding((*at, "min"), f"{service} runs at most {ceiling} replicas in this phase, so "
                                               f"{metric} can never reach {expectation.min:g}: lower 'min', or "
                                               f"scale {service} up"))
    return found
