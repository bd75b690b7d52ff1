"""A small shop front: log in, then look at your cart. One process is one replica.

Sessions live in this process's memory (SESSION_STORE=memory) or in Redis (SESSION_STORE=redis), so
the same image shows why state belongs outside the container. Every answer says which replica gave it
(X-Replica) and which version it runs (X-Version).
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import sys
import threading
import time
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

REPLICA = socket.gethostname()
VERSION = os.environ.get("APP_VERSION", "v1")
STORE = os.environ.get("SESSION_STORE", "memory")
PORT = int(os.environ.get("PORT", "8000"))
WARMUP = float(os.environ.get("WARMUP_SECONDS", "0"))
DRAIN = float(os.environ.get("DRAIN_SECONDS", "0"))
REQUIRED = os.environ.get("REQUIRED_SETTING", "")


class MemorySessions:
    """Sessions in this replica's memory: gone for every other replica, and when this one dies."""

    def __init__(self) -> None:
        self._users: dict[str, str] = {}
        self._lock = threading.Lock()

    def save(self, sid: str, user: str) -> None:
        with self._lock:
            self._users[sid] = user

    def load(self, sid: str) -> str | None:
        with self._lock:
            return self._users.get(sid)


class RedisSessions:
    """Sessions in Redis: every replica sees the same ones; a replica can die without losing any."""

    def __init__(self, host: str) -> None:
        import redis  # vendored wheel, installed in the image

        self._redis = redis.Redis(host=host, port=6379, socket_timeout=2, socket_connect_timeout=2)

    def save(self, sid: str, user: str) -> None:
        self._redis.setex(f"session:{sid}", 1800, user)

    def load(self, sid: str) -> str | None:
        value = self._redis.get(f"session:{sid}")
        return value.decode() if value is not None else None


SESSIONS = RedisSessions(os.environ.get("REDIS_HOST", "sessions")) if STORE == "redis" else MemorySessions()
DRAINING = threading.Event()


class Handler(BaseHTTPRequestHandler):
    server_version = "shop"
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass  # thousands of requests a minute: keep the container log for what matters

    def _send(self, status: int, body: str, cookie: str | None = None) -> None:
        data = (body + "\n").encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Replica", REPLICA)
        self.send_header("X-Version", VERSION)
        if cookie:
            self.send_header("Set-Cookie", f"sid={cookie}; Path=/; HttpOnly")
        self.end_headers()
        self.wfile.write(data)

    def _sid(self) -> str | None:
        cookie = SimpleCookie(self.headers.get("Cookie", ""))
        return cookie["sid"].value if "sid" in cookie else None

    def do_GET(self) -> None:
        if self.path == "/healthz":
            self._send(503 if DRAINING.is_set() else 200, "draining" if DRAINING.is_set() else "ok")
        elif self.path == "/cart":
            self._cart()
        else:
            self._send(200, f"shop {VERSION} on {REPLICA}")

    def do_POST(self) -> None:
        if self.path != "/login":
            self._send(404, "not found")
            return
        length = int(self.headers.get("Content-Length", "0"))
        user = parse_qs(self.rfile.read(length).decode()).get("user", ["guest"])[0]
        sid = secrets.token_hex(12)
        try:
            SESSIONS.save(sid, user)
        except Exception as exc:  # the session store is down: say so, do not pretend
            self._send(503, f"session store unavailable: {type(exc).__name__}")
            return
        self._send(200, f"welcome {user}", cookie=sid)

    def _cart(self) -> None:
        sid = self._sid()
        try:
            user = SESSIONS.load(sid) if sid else None
        except Exception as exc:
            self._send(503, f"session store unavailable: {type(exc).__name__}")
            return
        if user is None:
            self._send(401, "please log in")  # the replica does not know this user
        else:
            self._send(200, f"cart of {user}: 3 items")


def main() -> int:
    if os.environ.get("REQUIRE_SETTING") and not REQUIRED:
        print(f"shop {VERSION}: REQUIRED_SETTING is not set; refusing to start", file=sys.stderr, flush=True)
        return 1
    if WARMUP:
        print(f"shop {VERSION}: warming up for {WARMUP:g}s", flush=True)
        time.sleep(WARMUP)  # a real app loads caches and templates before it can serve
    server = ThreadingHTTPServer(("0.0.0.0", PORT), Handler)
    server.daemon_threads = True

    def stop(_signum: int, _frame: object) -> None:
        # Graceful stop: fail the health check first, keep serving while the balancer notices, then exit.
        DRAINING.set()
        threading.Timer(DRAIN, server.shutdown).start()

    signal.signal(signal.SIGTERM, stop)
    print(f"shop {VERSION} on {REPLICA}: serving on :{PORT}, sessions in {STORE}", flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
