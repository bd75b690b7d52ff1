"""The autoscaler's control loop: what a HorizontalPodAutoscaler does, run by envlab for Swarm.

Each look: observe the load (requests per second the service answered over a window), divide by the
target load per replica, round up, keep within min/max. Scale up at once; scale down only after the
load has stayed low for a while, so a short dip does not make replicas come and go.
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
    """

    spec: Autoscaler
    current: Callable[[], int]
    scale: Callable[[int], None]
    emit: Callable[[AutoscalerDecided], None]
    phase: str
    low_since: float | None = None

    def look(self, run: TrafficRun, now: float) -> int:
        """Observe, decide, act once; return the count chosen. ``now``: seconds into the traffic."""
        window = min(self.spec.window, now) or self.spec.window
        answered = [r for r in run.snapshot() if now - window <= r.at < now and not r.failed]
        observed = round(len(answered) / window, 1)
        current = self.current()
        wanted = wanted_replicas(observed, self.spec)
        desired, reason = current, Words("autoscale.at_target")
        if wanted > current:
            desired, reason, self.low_since = wanted, Words("autoscale.up"), None
        elif wanted < current:
            self.low_since = now if self.low_since is None else self.low_since
            if now - self.low_since >= self.spec.stabilize:
                desired, reason, self.low_since = wanted, Words("autoscale.down"), None
            else:
                reason = Words("autoscale.wait", low=now - self.low_since, stabilize=self.spec.stabilize)
        else:
            self.low_since = None
        self.emit(AutoscalerDecided(self.phase, self.spec.service, round(now, 1), observed,
                                    round(observed / max(current, 1), 1), self.spec.target, current, desired, reason))
        if desired != current:
            self.scale(desired)
        return desired

    def run(self, run: TrafficRun, stop: threading.Event) -> None:
        """Look every ``every`` seconds until ``stop`` is set."""
        while not stop.wait(self.spec.every):
            self.look(run, time.monotonic() - run.started)
