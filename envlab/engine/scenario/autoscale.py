"""The autoscaler's control loop: what a HorizontalPodAutoscaler does, run by envlab for Swarm.

Each look: observe the load (requests per second the service answered over a window), divide by the
target load per replica, round up, keep within min/max. Scale up at once; scale down only after the
load has stayed low for a while, so a short dip does not make replicas come and go.

Like a HorizontalPodAutoscaler, its bounds and target can be changed while the service runs: labels on the
service (:data:`LABELS`, e.g. ``docker service update --label-add autoscale.max=8 web``) take the place of
the lesson's values at the next look, as ``kubectl patch hpa`` would.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from envlab.engine.scenario.events import AutoscalerDecided
from envlab.engine.scenario.traffic import TrafficRun
from envlab.engine.wording import Words
from envlab.lessons.scenario import Autoscaler

#: The service labels that set the loop's values, by the field of :class:`Autoscaler` each sets.
LABELS = {"max": "autoscale.max", "min": "autoscale.min", "target": "autoscale.target"}
#: How each value relates to the other bound (the field's own bounds are read from :class:`Autoscaler`).
_BETWEEN = {"max": ", not below min", "min": ", not above max", "target": " requests per second"}


def _allowed(field: str) -> str:
    """What a label's value must be, from the bounds of the :class:`Autoscaler` field it sets."""
    info = Autoscaler.model_fields[field]
    bounds = {name: getattr(meta, name) for meta in info.metadata for name in ("ge", "gt", "le") if hasattr(meta, name)}
    if info.annotation is int:
        return f"a whole number from {bounds['ge']} to {bounds['le']}{_BETWEEN[field]}"
    return f"a number above {bounds['gt']:g} and at most {bounds['le']:g}{_BETWEEN[field]}"


def labelled_settings(spec: Autoscaler, labels: dict[str, str]) -> tuple[Autoscaler, list[str]]:
    """The lesson's autoscaler with the values the service's labels give, and each label ignored with why:
    one that is no number, out of the field's bounds, or that would put min above max."""
    given = {field: labels[label] for field, label in LABELS.items() if label in labels}
    try:
        return Autoscaler.model_validate({**spec.model_dump(), **given}), []
    except ValueError:
        pass  # one at a time, keeping those that fit
    data, ignored = spec.model_dump(), []
    for field, text in given.items():
        try:
            data = Autoscaler.model_validate({**data, field: text}).model_dump()
        except ValueError:
            ignored.append(f"{LABELS[field]}={text} is ignored: it must be {_allowed(field)}")
    return Autoscaler.model_validate(data), ignored


def wanted_replicas(observed: float, spec: Autoscaler) -> int:
    """ceil(observed load / target per replica), kept within the autoscaler's min and max."""
    return max(spec.min, min(spec.max, math.ceil(observed / spec.target - 1e-9)))


@dataclass
class ControlLoop:
    """One autoscaler for the length of a phase's traffic.

    Args:
        spec: The lesson's autoscaler.
        current: Returns the service's desired replica count now.
        scale: Sets the service's desired replica count.
        emit: Where each decision goes.
        phase: The phase's name, for events.
        settings: Returns the values to use at this look (the lesson's, as the service's labels change them);
            without it, ``spec`` as it is.
    """

    spec: Autoscaler
    current: Callable[[], int]
    scale: Callable[[int], None]
    emit: Callable[[AutoscalerDecided], None]
    phase: str
    settings: Callable[[], Autoscaler] | None = None
    low_since: float | None = None

    def look(self, run: TrafficRun, now: float) -> int:
        """Observe, decide, act once; return the count chosen. ``now``: seconds into the traffic."""
        spec = self.settings() if self.settings is not None else self.spec
        window = min(spec.window, now) or spec.window
        answered = [r for r in run.snapshot() if now - window <= r.at < now and not r.failed]
        observed = round(len(answered) / window, 1)
        current = self.current()
        wanted = wanted_replicas(observed, spec)
        desired, reason = current, Words("autoscale.at_target")
        if wanted > current:
            desired, reason, self.low_since = wanted, Words("autoscale.up"), None
        elif wanted < current:
            self.low_since = now if self.low_since is None else self.low_since
            if now - self.low_since >= spec.stabilize:
                desired, reason, self.low_since = wanted, Words("autoscale.down"), None
            else:
                reason = Words("autoscale.wait", low=now - self.low_since, stabilize=spec.stabilize)
        else:
            self.low_since = None
        self.emit(AutoscalerDecided(self.phase, spec.service, round(now, 1), observed,
                                    round(observed / max(current, 1), 1), spec.target, current, desired, reason))
        if desired != current:
            self.scale(desired)
        return desired

    def run(self, run: TrafficRun, stop: threading.Event) -> None:
        """Look every ``every`` seconds until ``stop`` is set."""
        while not stop.wait(self.spec.every):
            self.look(run, time.monotonic() - run.started)
