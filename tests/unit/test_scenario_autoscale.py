"""The autoscaler's control loop: the count it asks for, and when it scales down."""

from __future__ import annotations

from envlab.engine.scenario.autoscale import ControlLoop, labelled_settings, wanted_replicas
from envlab.engine.scenario.events import AutoscalerDecided
from envlab.engine.scenario.traffic import PAGE, Request, TrafficPlan, TrafficRun
from envlab.lessons.scenario import Autoscaler

SPEC = Autoscaler(service="web", target=15, min=1, max=6, every=2, window=2, stabilize=4)


def test_wanted_is_load_over_target_rounded_up_within_bounds() -> None:
    assert wanted_replicas(80, SPEC) == 6
    assert wanted_replicas(200, SPEC) == 6  # the maximum
    assert wanted_replicas(30, SPEC) == 2  # exactly on target: no extra replica
    assert wanted_replicas(31, SPEC) == 3
    assert wanted_replicas(0, SPEC) == 1  # the minimum


def traffic(rate: float, start: float, end: float) -> list[Request]:
    count = int((end - start) * rate)
    return [Request(start + i / rate, 0, PAGE, 200, 0.001, "web-1") for i in range(count)]


class Loop:
    def __init__(self, replicas: int) -> None:
        self.replicas = replicas
        self.decisions: list[AutoscalerDecided] = []
        self.run = TrafficRun(TrafficPlan("127.0.0.1", 9))
        self.loop = ControlLoop(SPEC, lambda: self.replicas, self.scale, self.decisions.append, "p")

    def scale(self, replicas: int) -> None:
        self.replicas = replicas


def test_scales_up_at_once_and_down_only_after_the_load_stayed_low() -> None:
    loop = Loop(2)
    loop.run.records = traffic(80, 0, 4) + traffic(10, 4, 20)
    assert loop.loop.look(loop.run, 2) == 6  # 80 req/s: straight to 6
    assert loop.loop.look(loop.run, 6) == 6  # low since 6 s: wait
    assert loop.loop.look(loop.run, 8) == 6  # 2 s low: still wait
    assert loop.loop.look(loop.run, 10) == 1  # 4 s low: scale down to ceil(10/15) = 1
    assert [d.desired for d in loop.decisions] == [6, 6, 6, 1]
    assert loop.decisions[0].observed == 80 and loop.decisions[0].per_replica == 40
    assert "wait" in loop.decisions[1].reason


def test_a_short_dip_does_not_scale_down() -> None:
    loop = Loop(6)
    loop.run.records = traffic(80, 0, 6) + traffic(10, 6, 8) + traffic(80, 8, 16)
    assert loop.loop.look(loop.run, 8) == 6  # the dip begins
    assert loop.loop.look(loop.run, 12) == 6  # load is back: the wait starts over
    assert loop.loop.low_since is None


def test_failed_requests_are_not_load_the_service_carried() -> None:
    loop = Loop(1)
    loop.run.records = [Request(i / 50, 0, PAGE, 0, 1.0) for i in range(100)]
    assert loop.loop.look(loop.run, 2) == 1


def test_the_services_labels_take_the_place_of_the_lessons_bounds() -> None:
    raised, ignored = labelled_settings(SPEC, {"autoscale.max": "8", "autoscale.target": "20", "other": "x"})
    assert (raised.min, raised.max, raised.target, ignored) == (1, 8, 20, [])
    both, _ = labelled_settings(SPEC, {"autoscale.min": "7", "autoscale.max": "8"})  # together they fit
    assert (both.min, both.max) == (7, 8)
    assert labelled_settings(SPEC, {}) == (SPEC, [])


def test_a_label_that_does_not_fit_is_ignored_and_said() -> None:
    kept, ignored = labelled_settings(SPEC, {"autoscale.max": "9", "autoscale.min": "two", "autoscale.target": "5"})
    assert (kept.min, kept.max, kept.target) == (1, 6, 5)  # the one that fits is taken
    assert ignored == ["autoscale.max=9 is ignored: it must be a whole number from 1 to 8, not below min",
                       "autoscale.min=two is ignored: it must be a whole number from 1 to 8, not above max"]
    above, why = labelled_settings(SPEC, {"autoscale.min": "7"})  # above the lesson's max of 6
    assert above == SPEC and why == ["autoscale.min=7 is ignored: it must be a whole number from 1 to 8, not above max"]


def test_the_loop_uses_the_bounds_it_is_given_at_each_look() -> None:
    loop = Loop(2)
    bounds = [SPEC]
    loop.loop.settings = lambda: bounds[0]
    loop.run.records = traffic(120, 0, 10)
    assert loop.loop.look(loop.run, 2) == 6  # 120 req/s wants 8; the lesson's max is 6
    bounds[0], _ = labelled_settings(SPEC, {"autoscale.max": "8"})
    assert loop.loop.look(loop.run, 4) == 8
    assert [d.desired for d in loop.decisions] == [6, 8]
