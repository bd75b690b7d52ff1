"""Event streams recorded from real runs (`envlab run LESSON --json`), replayed into the faces' tests."""

from __future__ import annotations

import json
from pathlib import Path

from envlab.engine import events, scenario_events
from envlab.engine.events import Event

FIXTURES = Path(__file__).parent / "fixtures"
KINDS: dict[str, type[Event]] = {
    name: kind for module in (events, scenario_events) for name, kind in vars(module).items()
    if isinstance(kind, type) and issubclass(kind, Event) and kind is not Event
}


def recorded(name: str) -> list[Event]:
    """The events of ``fixtures/NAME.events.jsonl``, as the runner yielded them."""
    found: list[Event] = []
    for line in (FIXTURES / f"{name}.events.jsonl").read_text(encoding="utf-8").splitlines():
        fields = json.loads(line)
        kind = KINDS[fields.pop("event")]
        found.append(kind(**fields))
    return found
