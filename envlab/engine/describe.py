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
    ChangeApplied,
    ChangeSettled,
    FaultInjected,
    MeasurementChecked,
    PhaseFinished,
    PhaseStarted,
    ReplicaChanged,
    ServiceStarted,
    TrafficSample,
    TrafficSummary,
)

#: good: as claimed; bad: not as claimed or broken; warn: worth a look; dim: detail; title: a heading.
Tone = Literal["good", "bad", "warn", "dim", "title", "plain"]
#: Engine events worth a line: a replica came, went, or changed health.
SHOWN_STATES = frozenset({"start", "die", "kill", "stop", "healthy", "unhealthy", "oom", "restart"})
_BAD_STATES = frozenset({"die", "kill", "unhealthy", "oom"})
ORCHESTRATORS = {"balancer": "load balancer", "swarm": "Swarm service", "docker": "plain containers"}


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


def measured(event: MeasurementChecked) -> str:
    """A measured value, ``never`` when the moment it measures did not come."""
    return "never" if event.value is None else f"{event.value:g}"


def describe(event: Event) -> tuple[str, Tone] | None:
    """One line for ``event`` and its tone (control characters made :func:`visible`); ``None`` for
    events shown only in richer views."""
    said = _describe(event)
    return None if said is None else (visible(said[0]), said[1])


def _describe(event: Event) -> tuple[str, Tone] | None:
    match event:
        case SetupStarted():
            what = "bare host" if event.kind == "host" else "containerized fix"
            return f"● {what} from {event.image}", "title"
        case StepStarted():
            label = step_label(event.index)
            title = label if event.say in ("", label) else f"{label}: {event.say}"
            return f"▶ {title}\n  $ {event.run}", "title"
        case OutputLine():
            return f"  │ {event.text}", "plain"
        case StepFinished():
            note = "timed out" if event.timed_out else f"exit {event.exit_code}"
            return f"  {'✓' if event.exit_code == 0 else '✗'} {note} in {event.duration:.1f}s", (
                "good" if event.exit_code == 0 else "bad")
        case SetupFinished():
            tone: Tone = "good" if as_claimed(event.verdict) else "bad"
            return f"■ {VERDICT_LABELS[event.verdict]}: {event.reason}", tone
        case CheckFinished():
            state = ("passes" if event.passed else "fails") + (" after the fix" if event.after_fix else "")
            if event.passed == event.expected:
                return f"✓ {event.check} on {event.target} {state}", "good" if event.passed else "warn"
            return f"✗ {event.check} on {event.target} {state}, should {'pass' if event.expected else 'fail'}", "bad"
        case ErrorRaised():
            where = f"{event.setup}: " if event.setup else ""
            hint = f"\n  hint: {event.hint}" if event.hint else ""
            return f"error: {where}{event.message}{hint}", "bad"
        case WaitingForRoom() if event.started:
            return f"the engine has room now: starting (waited {event.waited:.0f}s)", "dim"
        case WaitingForRoom():
            return (f"waiting for room on the engine: {event.ahead} other run(s) first ({event.memory >> 20} of "
                    f"{event.room_memory >> 20} MiB, at most {event.room_runs} runs at once); nothing started yet, "
                    "it starts by itself"), "warn"
        case CleanupFinished():
            return f"cleaned up {len(event.removed)} container(s) and network(s)", "dim"
        case LessonFinished():
            if event.ok:
                return f"✓ every expectation of {event.lesson} holds ({event.duration:.1f}s)", "good"
            return f"✗ {event.lesson}: some expectations do not hold ({event.duration:.1f}s)", "bad"
        case _:
            return _describe_scenario(event)


def _describe_scenario(event: Event) -> tuple[str, Tone] | None:
    match event:
        case ServiceStarted():
            detail = f" · {event.detail}" if event.detail else ""
            kind = ORCHESTRATORS.get(event.orchestrator, event.orchestrator)
            return f"● {event.service}: {event.replicas} × {kind} from {event.image}{detail}", "title"
        case PhaseStarted():
            return f"▶ phase {event.index + 1}: {event.say}", "title"
        case ChangeApplied():
            return f"↻ {event.service}: {event.what}", "warn"
        case ChangeSettled():
            return f"  ✓ {event.service}: {event.state} in {event.duration:.1f}s", (
                "good" if event.state == "completed" else "warn")
        case FaultInjected():
            return f"⚡ t={event.at:.1f}s {event.action} {event.replica}", "bad"
        case ReplicaChanged():
            if event.state not in SHOWN_STATES or not event.service:
                return None
            return f"  t={event.at:.1f}s {event.replica} {event.state}", "bad" if event.state in _BAD_STATES else "dim"
        case TrafficSample():
            return (f"  {event.second:>3}s {event.requests:>4} req  errors {event.errors:>3}  lost {event.lost:>3}  "
                    f"up {event.running}"), "bad" if event.errors else "warn" if event.lost else "dim"
        case TrafficSummary():
            return (f"■ {event.requests} requests at {event.rate:.0f}/s: {event.errors} errors, "
                    f"{event.lost} lost sessions"), "bad" if event.errors else "warn" if event.lost else "good"
        case MeasurementChecked():
            title = f" — {event.title}" if event.title else ""
            detail = f" ({event.detail})" if event.detail else ""
            return (f"{'✓' if event.ok else '✗'} {event.metric} = {measured(event)} "
                    f"(expected {bounds(event.low, event.high)}){title}{detail}"), "good" if event.ok else "bad"
        case PhaseFinished():
            held = "every measurement holds" if event.ok else "a measurement does not hold"
            return f"■ {event.phase}: {held} ({event.duration:.1f}s)", "good" if event.ok else "bad"
        case AutoscalerDecided():
            arrow = "↑" if event.desired > event.current else "↓" if event.desired < event.current else "="
            return (f"  t={event.at:.0f}s autoscaler: {event.observed:g} req/s over {event.current} = "
                    f"{event.per_replica:g}/replica (target {event.target:g}) {arrow} {event.desired} · "
                    f"{event.reason}"), "warn" if event.desired != event.current else "dim"
        case _:
            return None
