"""The traffic generator against a simulated balancer: sessions lost, sessions kept, bounds held."""

from __future__ import annotations

import itertools
import threading

import pytest

from envlab.engine.scenario.traffic import LOGIN, PAGE, Request, TrafficPlan, TrafficRun


class FakeShop:
    """Three replicas behind a round-robin balancer, sessions per replica or shared."""

    def __init__(self, *, shared: bool, replicas: int = 3) -> None:
        self.shared = shared
        self.names = [f"web-{i}" for i in range(1, replicas + 1)]
        self.turn = itertools.cycle(range(replicas))
        self.sessions: list[set[str]] = [set() for _ in range(replicas)]
        self.common: set[str] = set()
        self.lock = threading.Lock()
        self.count = itertools.count()

    def __call__(self, method: str, path: str, cookie: str | None, timeout: float) -> tuple[int, dict[str, str]]:
        with self.lock:
            index = next(self.turn)
            store = self.common if self.shared else self.sessions[index]
            headers = {"x-replica": self.names[index], "x-version": "v1"}
            if method == "POST":
                sid = f"s{next(self.count)}"
                store.add(sid)
                return 200, {**headers, "set-cookie": f"sid={sid}; Path=/"}
            sid = (cookie or "").removeprefix("sid=")
            return (200 if sid in store else 401), headers


def run(send: object, **plan: float) -> list[Request]:
    traffic = TrafficRun(TrafficPlan("127.0.0.1", 9, **{"users": 6, "rate": 300, "duration": 0.6, **plan}),
                         send=send)  # type: ignore[arg-type]
    traffic.start()
    return traffic.join()


def test_in_memory_sessions_are_lost_on_other_replicas() -> None:
    records = run(FakeShop(shared=False))
    pages = [r for r in records if r.kind == PAGE]
    lost = sum(r.lost_session for r in pages) / len(pages)
    assert 0.4 < lost < 0.9  # about two thirds land on a replica that never saw the login
    assert {r.replica for r in records} == {"web-1", "web-2", "web-3"}


def test_shared_sessions_are_never_lost() -> None:
    records = run(FakeShop(shared=True))
    assert records and not any(r.lost_session for r in records)
    assert sum(r.kind == LOGIN for r in records) == 6  # each user logged in once and stayed logged in


def test_failures_are_recorded_not_raised() -> None:
    def refuse(method: str, path: str, cookie: str | None, timeout: float) -> tuple[int, dict[str, str]]:
        raise ConnectionRefusedError("nobody home")

    records = run(refuse)
    assert records and all(r.failed and r.status == 0 and r.error == "ConnectionRefusedError" for r in records)


def test_requests_are_bounded_by_rate_and_duration() -> None:
    plan = TrafficPlan("127.0.0.1", 9, users=4, rate=100, duration=0.5)
    traffic = TrafficRun(plan, send=FakeShop(shared=True))
    traffic.start()
    records = traffic.join()
    assert len(records) <= plan.budget == 54
    assert max(r.at for r in records) < plan.duration


def test_traffic_goes_only_to_loopback() -> None:
    with pytest.raises(ValueError, match="loopback"):
        TrafficPlan("10.0.0.5", 8080)
