"""How each event reads as one line of plain text, and its tone: written once for every face.

The headless face colours these lines by tone, the TUI's panes show them as they are; richer views
(tables, the live panel, the drift inspector) are built from the events' fields by each face.
"""

from __future__ import annotations

import re
from typing import Literal

from envlab.engine.events import (
    CheckFinished,
    CleanupFinished,
    ErrorRaised,
    Event,
    LessonFinished,
    OutputLine,
    SetupFinished,
    SetupStarted,
    StepFinished,
    StepStarted,
    WaitingForRoom,
    step_label,
)
from envlab.engine.outcome import VERDICT_LABELS, as_claimed
from envlab.engine.scenario.events import (
    AutoscalerDecided,
    ChallengeChecked,
    ChangeApplied,
    ChangeSettled,
    ClusterStepped,
    ConsoleReady,
    FaultInjected,
    MeasurementChecked,
    PhaseFinished,
    PhaseStarted,
    ReplicaChanged,
    ServerFaulted,
    ServersSeen,
    ServiceStarted,
    SolutionTyped,
    TrafficSample,
    TrafficSummary,
)
from envlab.engine.wording import WORDS, said, say

#: good: as claimed; bad: not as claimed or broken; warn: worth a look; dim: detail; title: a heading.
Tone = Literal["good", "bad", "warn", "dim", "title", "plain"]
#: Engine events worth a line: a replica came, went, or changed health.
SHOWN_STATES = frozenset({"start", "die", "kill", "stop", "healthy", "unhealthy", "oom", "restart"})
_BAD_STATES = frozenset({"die", "kill", "unhealthy", "oom"})


#: What a terminal would obey rather than show: C0 controls but tab and newline, DEL, C1 controls, and the
#: bidirectional overrides that reorder what a learner reads.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f\x80-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _picture(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # ␛ for ESC, ␇ for BEL...: seen, not obeyed
    return "\u2421" if code == 0x7F else f"<U+{code:04X}>"


def visible(text: str) -> str:
    """``text`` with every character a terminal would act on (escape sequences, bells, bidi
    overrides) shown as a symbol instead. Faces pass container output and other text from a stranger
    through this; the JSON face keeps text exact."""
    return _CONTROL.sub(_picture, text)


def bounds(low: float | None, high: float | None) -> str:
    """A measurement's bound as people write it: ``0 … 0.05``, ``= 3``, ``≥ 2``."""
    if low is not None and high is not None:
        return f"{low:g} … {high:g}" if low != high else f"= {low:g}"
    return f"≥ {low:g}" if low is not None else f"≤ {high:g}"


def measured(event: MeasurementChecked, lang: str = "en") -> str:
    """A measured value, ``never`` when the moment it measures did not come."""
    return said("value.never", lang) if event.value is None else f"{event.value:g}"


def describe(event: Event, lang: str = "en") -> tuple[str, Tone] | None:
    """One line for ``event`` in ``lang`` and its tone (control characters made :func:`visible`);
    ``None`` for events shown only in richer views."""
    line = _describe(event, lang)
    return None if line is None else (visible(line[0]), line[1])


def _describe(event: Event, lang: str) -> tuple[str, Tone] | None:
    match event:
        case SetupStarted():
            return said("line.host_from" if event.kind == "host" else "line.fix_from", lang, image=event.image), "title"
        case StepStarted():
            label = say(step_label(event.index), lang)
            title = label if event.say in ("", label, step_label(event.index)) else f"{label}: {event.say}"
            return f"▶ {title}\n  $ {event.run}", "title"
        case OutputLine():
            return f"  │ {event.text}", "plain"
        case StepFinished():
            note = said("line.timed_out", lang) if event.timed_out else said("line.exit", lang, code=event.exit_code)
            return said("line.step_finished", lang, mark="✓" if event.exit_code == 0 else "✗", note=note,
                        duration=event.duration), "good" if event.exit_code == 0 else "bad"
        case SetupFinished():
            tone: Tone = "good" if as_claimed(event.verdict) else "bad"
            return f"■ {say(VERDICT_LABELS[event.verdict], lang)}: {say(event.reason, lang)}", tone
        case CheckFinished():
            state = said(f"state.{'passes' if event.passed else 'fails'}{'_after_fix' if event.after_fix else ''}",
                         lang)
            if event.passed == event.expected:
                return said("line.check", lang, mark="✓", check=event.check, target=event.target, state=state), (
                    "good" if event.passed else "warn")
            key = "line.check_should_pass" if event.expected else "line.check_should_fail"
            return said(key, lang, check=event.check, target=event.target, state=state), "bad"
        case ErrorRaised():
            where = f"{event.setup}: " if event.setup else ""
            return said("line.error_hint" if event.hint else "line.error", lang, where=where, message=event.message,
                        hint=event.hint), "bad"
        case WaitingForRoom() if event.started:
            return said("line.room_now", lang, waited=event.waited), "dim"
        case WaitingForRoom():
            return said("line.room_wait", lang, ahead=event.ahead, memory=event.memory >> 20,
                        room=event.room_memory >> 20, runs=event.room_runs), "warn"
        case CleanupFinished():
            return said("line.cleaned", lang, n=len(event.removed)), "dim"
        case LessonFinished():
            key = "line.lesson_held" if event.ok else "line.lesson_broke"
            return said(key, lang, lesson=event.lesson, duration=event.duration), "good" if event.ok else "bad"
        case _:
            return _describe_scenario(event, lang)


def server_status(status: str, lang: str) -> str:
    """A server's state in the swarm (``ready``, ``down``…) in ``lang``; a word the swarm adds later, as it is."""
    key = f"server.{status}"
    return said(key, lang) if key in WORDS else status


def orchestrator_label(orchestrator: str, lang: str) -> str:
    """How a service's orchestrator reads: ``Swarm service``, ``plain containers``…"""
    key = f"orchestrator.{orchestrator}"
    return said(key, lang) if key in WORDS else orchestrator


def _describe_scenario(event: Event, lang: str) -> tuple[str, Tone] | None:
    match event:
        case ServiceStarted():
            detail = f" · {say(event.detail, lang)}" if event.detail else ""
            return said("line.service", lang, service=event.service, replicas=event.replicas,
                        kind=orchestrator_label(event.orchestrator, lang), image=event.image, detail=detail), "title"
        case PhaseStarted():
            return said("line.phase", lang, n=event.index + 1, say=event.say), "title"
        case ClusterStepped():
            return said("line.cluster", lang, node=f"{event.node}: " if event.node else "", what=say(event.what, lang),
                        seconds=event.seconds), "dim"
        case ServerFaulted():
            return said("line.server_fault", lang, at=event.at, server=event.server,
                        action=said(f"fault.{event.action}", lang),
                        replicas=", ".join(event.replicas) or said("server.none", lang)), "bad"
        case ConsoleReady():
            return said("line.console", lang, abilities=", ".join(event.abilities), container=event.container[:12]), (
                "title")
        case ServersSeen():
            return said("line.servers", lang, servers=[
                said("server.line", lang, server=name, status=server_status(status, lang),
                     tasks=" ".join(tasks) or said("server.none", lang))
                for name, status, tasks in event.servers]), "dim"
        case ChangeApplied():
            return f"↻ {event.service}: {say(event.what, lang)}", "warn"
        case ChangeSettled():
            return said("line.settled", lang, service=event.service, state=event.state, duration=event.duration), (
                "good" if event.state == "completed" else "warn")
        case FaultInjected():
            return f"⚡ t={event.at:.1f}s {event.action} {event.replica}", "bad"
        case ReplicaChanged():
            if event.state not in SHOWN_STATES or not event.service:
                return None
            return f"  t={event.at:.1f}s {event.replica} {event.state}", "bad" if event.state in _BAD_STATES else "dim"
        case TrafficSample():
            return said("line.traffic", lang, second=event.second, requests=event.requests, errors=event.errors,
                        lost=event.lost, running=event.running), (
                "bad" if event.errors else "warn" if event.lost else "dim")
        case TrafficSummary():
            return said("line.traffic_summary", lang, requests=event.requests, rate=event.rate, errors=event.errors,
                        lost=event.lost), "bad" if event.errors else "warn" if event.lost else "good"
        case MeasurementChecked():
            title = f" — {event.title}" if event.title else ""
            detail = f" ({say(event.detail, lang)})" if event.detail else ""
            return said("line.measured", lang, mark="✓" if event.ok else "✗", metric=event.metric,
                        value=measured(event, lang), bounds=bounds(event.low, event.high), title=title,
                        detail=detail), "good" if event.ok else "bad"
        case SolutionTyped():
            return said("line.solution", lang, n=event.index + 1, line=event.line), "warn"
        case ChallengeChecked():
            key = ("line.challenge_solved" if event.ok else "line.challenge_not_yet") if event.fixed else (
                "line.challenge_before_held" if event.ok else "line.challenge_before_broken")
            tone: Tone = "good" if event.ok == event.fixed else "bad" if event.ok else "warn"
            return said(key, lang, phase=event.phase), tone
        case PhaseFinished():
            key = "line.phase_held" if event.ok else "line.phase_broke"
            return said(key, lang, phase=event.phase, duration=event.duration), "good" if event.ok else "bad"
        case AutoscalerDecided():
            arrow = "↑" if event.desired > event.current else "↓" if event.desired < event.current else "="
            return said("line.autoscaler", lang, at=event.at, observed=event.observed, current=event.current,
                        per=event.per_replica, target=event.target, arrow=arrow, desired=event.desired,
                        reason=event.reason), "warn" if event.desired != event.current else "dim"
        case _:
            return None
