"""The traffic generator: virtual users that log in, then keep asking for a page that needs the session.

It records every request (status, latency, which replica answered, whether the session was found) and
only ever talks to loopback, where a lesson's balancer is published. Requests are bounded in number and
time: ``rate * duration`` requests at most, each with its own timeout.
"""

from __future__ import annotations

import http.client
import ipaddress
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

LOGIN, PAGE = "login", "page"


@dataclass(frozen=True)
class Request:
    """One request a virtual user made. ``status`` 0 means no HTTP answer (refused, reset, timed out)."""

    at: float  # seconds since the traffic started
    user: int
    kind: str  # login or page
    status: int
    latency: float
    replica: str = ""
    version: str = ""
    error: str = ""

    @property
    def failed(self) -> bool:
        """No answer, or a server-side error: what a user sees as "the site is broken"."""
        return self.status == 0 or self.status >= 500

    @property
    def lost_session(self) -> bool:
        """The page answered "please log in" to a user who had logged in."""
        return self.kind == PAGE and self.status == 401


@dataclass
class TrafficPlan:
    """What to send: ``users`` users sharing ``rate`` requests per second for ``duration`` seconds."""

    host: str
    port: int
    users: int = 10
    rate: float = 30.0
    duration: float = 8.0
    login: str = "/login"
    page: str = "/cart"
    timeout: float = 3.0

    def __post_init__(self) -> None:
        if not ipaddress.ip_address(self.host).is_loopback:
            raise ValueError(f"traffic only goes to loopback, not {self.host}")

    @property
    def budget(self) -> int:
        """The most requests this plan may make."""
        return int(self.rate * self.duration) + self.users


Send = Callable[[str, str, str | None, float], tuple[int, dict[str, str]]]


def http_send(host: str, port: int) -> Send:
    """A sender over a fresh HTTP connection per request: (method, path, cookie, timeout) -> (status, headers)."""

    def send(method: str, path: str, cookie: str | None, timeout: float) -> tuple[int, dict[str, str]]:
        connection = http.client.HTTPConnection(host, port, timeout=timeout)
        try:
            headers = {"Connection": "close"}
            body = None
            if cookie:
                headers["Cookie"] = cookie
            if method == "POST":
                body = "user=visitor"
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            return response.status, {k.lower(): v for k, v in response.getheaders()}
        finally:
            connection.close()

    return send


@dataclass
class TrafficRun:
    """Run a plan in threads (one per user) and keep every request.

    Args:
        plan: What to send.
        send: How to send one request (the real HTTP sender unless a test injects one).
        clock: A monotonic clock (injectable for tests).
    """

    plan: TrafficPlan
    send: Send | None = None
    clock: Callable[[], float] = time.monotonic
    records: list[Request] = field(default_factory=list)
    started: float = 0.0
    stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _threads: list[threading.Thread] = field(default_factory=list)
    _sent: int = 0

    def start(self) -> None:
        """Start every virtual user; returns at once."""
        self.started = self.clock()
        sender = self.send or http_send(self.plan.host, self.plan.port)
        for user in range(self.plan.users):
            thread = threading.Thread(target=self._user, args=(user, sender), daemon=True,
                                      name=f"envlab-user-{user}")
            thread.start()
            self._threads.append(thread)

    def join(self) -> list[Request]:
        """Wait for every user to finish (bounded by the duration plus one timeout)."""
        deadline = self.started + self.plan.duration + self.plan.timeout + 2
        for thread in self._threads:
            thread.join(timeout=max(0.0, deadline - self.clock()))
        self.stop.set()
        with self._lock:
            return sorted(self.records, key=lambda r: r.at)

    def snapshot(self) -> list[Request]:
        """The requests recorded so far."""
        with self._lock:
            return list(self.records)

    def _take(self) -> bool:
        with self._lock:
            if self._sent >= self.plan.budget:
                return False
            self._sent += 1
            return True

    def _user(self, user: int, send: Send) -> None:
        plan = self.plan
        interval = plan.users / plan.rate
        next_at = self.started + interval * user / plan.users  # spread the users over one interval
        cookie: str | None = None
        end = self.started + plan.duration
        rng = random.Random(user)  # the same run of gaps every time: proofs repeat
        while not self.stop.is_set():
            now = self.clock()
            if next_at >= end:
                return
            if next_at > now:
                time.sleep(next_at - now)
            # Real users do not click in lockstep: each gap is jittered around the mean, so a round-robin
            # balancer cannot line a user up with one replica by accident. A slow answer causes no burst.
            next_at = max(next_at + interval * rng.uniform(0.5, 1.5), self.clock() - interval)
            if not self._take():
                return
            if cookie is None:
                record, cookie = self._one(user, send, LOGIN, None)
            else:
                record, _ = self._one(user, send, PAGE, cookie)
                if record.lost_session:
                    cookie = None  # the user logs in again, as a real one would
            with self._lock:
                self.records.append(record)

    def _one(self, user: int, send: Send, kind: str, cookie: str | None) -> tuple[Request, str | None]:
        plan = self.plan
        began = self.clock()
        method, path = ("POST", plan.login) if kind == LOGIN else ("GET", plan.page)
        try:
            status, headers = send(method, path, cookie, plan.timeout)
        except (OSError, http.client.HTTPException) as exc:
            latency = self.clock() - began
            return Request(began - self.started, user, kind, 0, latency, error=type(exc).__name__), cookie
        latency = self.clock() - began
        new_cookie = cookie
        if kind == LOGIN and status == 200 and "set-cookie" in headers:
            new_cookie = headers["set-cookie"].split(";", 1)[0]
        record = Request(began - self.started, user, kind, status, latency,
                         headers.get("x-replica", ""), headers.get("x-version", ""))
        return record, new_cookie
