"""Real loopback HTTP for the fake runtime: the lesson's load balancer in front of the shop, in memory.

The fake runtime decides which replica answers (it knows their states; see
:mod:`envlab.runtime.fake.containers`); this module speaks HTTP and plays the shop's part of an answer,
following ``assets/shop/web/shop.py``: ``POST /login`` makes a session, ``GET /cart`` needs one, ``GET /``
and ``GET /healthz`` always answer, and every answer says which replica gave it (``X-Replica``) and which
version it runs (``X-Version``).
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


@dataclass(frozen=True)
class Answer:
    """One HTTP answer: status, plain-text body and extra headers."""

    status: int
    body: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Request:
    """What a route needs of one HTTP request."""

    method: str
    path: str
    sid: str | None  # the ``sid`` cookie, if any
    form: dict[str, str]  # the urlencoded body, first value of each field


#: Answers a request, or ``None`` to drop the connection unanswered (the container is not running).
Route = Callable[[Request], "Answer | None"]

NO_SERVER = Answer(503, "No server is available to handle this request.")  # HAProxy's own words
TIMED_OUT = Answer(504, "The server didn't respond in time.")


@dataclass(frozen=True)
class ShopReplica:
    """One shop replica as the answer needs it.

    Attributes:
        label: Its readable name (``web-2``), sent as ``X-Replica``.
        version: ``APP_VERSION`` (``v1`` when unset), sent as ``X-Version``.
        store: Where its sessions live (its own memory or the shared store's), ``None`` when the
            shared store cannot be reached.
    """

    label: str
    version: str
    store: dict[str, str] | None


def shop_answer(replica: ShopReplica, request: Request) -> Answer:
    """What the shop replica answers to ``request``; the caller holds the lock that guards ``store``."""
    headers = {"X-Replica": replica.label, "X-Version": replica.version}
    path = request.path.split("?", 1)[0]
    if request.method == "POST":
        if path != "/login":
            return Answer(404, "not found", headers)
        if replica.store is None:
            return Answer(503, "session store unavailable: ConnectionError", headers)
        user = request.form.get("user", "guest")
        sid = secrets.token_hex(12)
        replica.store[sid] = user
        return Answer(200, f"welcome {user}", {**headers, "Set-Cookie": f"sid={sid}; Path=/; HttpOnly"})
    if path == "/healthz":
        return Answer(200, "ok", headers)
    if path == "/cart":
        if replica.store is None:
            return Answer(503, "session store unavailable: ConnectionError", headers)
        known = replica.store.get(request.sid) if request.sid else None
        if known is None:
            return Answer(401, "please log in", headers)  # this replica does not know the user
        return Answer(200, f"cart of {known}: 3 items", headers)
    return Answer(200, f"shop {replica.version} on {replica.label}", headers)


class LoopbackServer:
    """A threaded HTTP server on an ephemeral 127.0.0.1 port that answers through ``route``.

    Args:
        route: Decides every answer; called on the server's request threads.
    """

    def __init__(self, route: Route) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(route))
        self._server.daemon_threads = True
        self.address: tuple[str, int] = ("127.0.0.1", int(self._server.server_address[1]))
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True,
                         name=f"fake-port-{self.address[1]}").start()

    def close(self) -> None:
        """Stop serving and free the port, without making the caller (who may hold a lock) wait."""
        def close() -> None:
            self._server.shutdown()
            self._server.server_close()

        threading.Thread(target=close, daemon=True).start()


def _handler(route: Route) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as the traffic generator and HAProxy use it

        def log_message(self, format: str, *args: object) -> None:
            pass  # thousands of requests in a test: stderr is for failures

        def do_GET(self) -> None:
            self._answer("GET", b"")

        def do_POST(self) -> None:
            self._answer("POST", self.rfile.read(int(self.headers.get("Content-Length", "0") or 0)))

        def _answer(self, method: str, body: bytes) -> None:
            form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
            answer = route(Request(method, self.path, _sid(self.headers.get("Cookie", "")), form))
            if answer is None:
                self.close_connection = True  # a stopped container answers nothing at all
                return
            data = (answer.body + "\n").encode()
            self.send_response(answer.status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

    return Handler


def _sid(header: str) -> str | None:
    try:
        cookie: SimpleCookie = SimpleCookie(header)
    except CookieError:
        return None
    return cookie["sid"].value if "sid" in cookie else None
