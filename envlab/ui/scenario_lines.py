"""One line of text per event of a scenario lesson (replicas, phases, traffic), for the TUI's pane."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from envlab.engine.events import Event

Fields = dict[str, Any]


def scenario_line(event: Event) -> str | None:
    """How ``event`` reads in the scenario pane; ``None`` for events the pane does not show."""
    kind = type(event).__name__
    fields = dataclasses.asdict(event)
    describe = _FORMATS.get(kind)
    if describe is not None:
        return describe(fields)
    if kind in _SILENT:
        return None
    shown = ", ".join(f"{k}={v}" for k, v in fields.items() if not isinstance(v, dict | list))
    return f"  {kind}: {shown}"


def _measurement(f: Fields) -> str:
    mark = "✓" if f["ok"] else "✗"
    what = f.get("title") or f["metric"]
    detail = f" ({f['detail']})" if f.get("detail") else ""
    return f"  {mark} {what}: {f['value']}{detail}"


_FORMATS: dict[str, Callable[[Fields], str]] = {
    "ServiceStarted": lambda f: (f"● {f['service']}: {f['replicas']} replica(s) on {f['orchestrator']} "
                                 f"from {f['image']}"),
    "PhaseStarted": lambda f: f"▶ phase {f['index'] + 1}: {f['say']}",
    "ChangeApplied": lambda f: f"  ↻ {f['service']}: {f['what']}",
    "ChangeSettled": lambda f: f"  ✓ {f['service']} {f['state']} in {f['duration']:.1f}s",
    "FaultInjected": lambda f: f"  ⚡ {f['action']} {f['replica']}",
    "ReplicaChanged": lambda f: f"  · {f['replica']} {f['state']}",
    "TrafficSample": lambda f: f"  {f['second']}s: {f['requests']} requests, {f['errors']} errors, {f['lost']} lost",
    "TrafficSummary": lambda f: (f"  ■ {f['requests']} requests at {f['rate']:.0f}/s: "
                                 f"{f['errors']} errors, {f['lost']} lost sessions"),
    "MeasurementChecked": _measurement,
    "PhaseFinished": lambda f: f"■ phase {'held' if f['ok'] else 'did not hold'} ({f['duration']:.1f}s)",
    "AutoscalerDecided": lambda f: f"  ⇅ {f['service']}: {f['current']} → {f['desired']} ({f['reason']})",
}
#: Shown elsewhere (the guide, the checks) or too large for one line.
_SILENT = {"LessonStarted", "LessonFinished", "CleanupFinished", "KubernetesShown", "InspectionFinished"}
