"""Typed checks, run from outside a container through the runtime so a learner cannot fake them."""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import socket
import threading
import time
from dataclasses import dataclass

from envlab.errors import ContainerStopped, EnvlabError
from envlab.lessons.limits import CHECK_COMMAND_TIMEOUT, MAX_HTTP_BODY_BYTES
from envlab.lessons.model import Check, CommandCheck, EnvCheck, FileCheck, HttpCheck
from envlab.lessons.patterns import search
from envlab.lessons.text import visible
from envlab.runtime.bounds import FileTooLarge
from envlab.runtime.contract import Runtime


@dataclass(frozen=True)
class CheckResult:
    """Whether a check passed, and the evidence either way."""

    passed: bool
    detail: str
    #: The target had stopped (its main process ended), so the check could not run in it.
    stopped: bool = False


def run_check(check: Check, runtime: Runtime, container: str) -> CheckResult:
    """Run one check against the container ``container`` of its target."""
    try:
        if isinstance(check, CommandCheck):
            return _command(check, runtime, container)
        if isinstance(check, FileCheck):
            return _file(check, runtime, container)
        if isinstance(check, EnvCheck):
            return _env(check, runtime, container)
        return _http(check, runtime, container)
    except ContainerStopped:
        return CheckResult(False, f"{check.target} has stopped (its main process ended), so nothing can run in it "
                                  "until the lesson starts again", stopped=True)
    except EnvlabError as exc:
        return CheckResult(False, f"could not run the check: {exc.message}")


def _command(check: CommandCheck, runtime: Runtime, container: str) -> CheckResult:
    result = runtime.exec(container, check.run, on_line=lambda _line: None, timeout=CHECK_COMMAND_TIMEOUT)
    last = result.output.strip().splitlines()[-1:] or ["(no output)"]
    if result.exit_code != check.exit_code:
        return CheckResult(False, f"`{check.run}` exited {result.exit_code}, wanted {check.exit_code}: {last[0]}")
    if check.output and not search(check.output, result.output):
        return CheckResult(False, f"`{check.run}` output does not match /{check.output}/: {last[0]}")
    return CheckResult(True, f"`{check.run}` exited {result.exit_code}: {last[0]}")


def _file(check: FileCheck, runtime: Runtime, container: str) -> CheckResult:
    try:
        data = runtime.read_file(container, check.path)
    except FileTooLarge as big:
        if not check.contains:  # it is there: whether it exists is answered without reading it
            return CheckResult(check.exists, f"{check.path} exists" + ("" if check.exists else " but should not"))
        return CheckResult(False, f"{check.path} is {_size(big.size)}, more than the {_size(big.limit)} envlab "
                                  "reads of a file, so its content was not checked")
    if data is None:
        return CheckResult(not check.exists, f"{check.path} does not exist")
    if not check.exists:
        return CheckResult(False, f"{check.path} exists but should not")
    if check.contains:
        text = data.decode("utf-8", errors="replace")
        if not search(check.contains, text):
            return CheckResult(False, f"{check.path} does not contain /{check.contains}/")
        return CheckResult(True, f"{check.path} contains /{check.contains}/")
    return CheckResult(True, f"{check.path} exists")


def parse_env_file(text: str) -> dict[str, str]:
    """Read ``KEY=VALUE`` lines (``export`` and quotes allowed, comments ignored)."""
    values: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip().removeprefix("export ").strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def _env(check: EnvCheck, runtime: Runtime, container: str) -> CheckResult:
    if check.file:
        try:
            data = runtime.read_file(container, check.file)
        except FileTooLarge as big:
            return CheckResult(False, f"{check.file} is {_size(big.size)}, too large to be a settings file")
        if data is None:
            return CheckResult(False, f"{check.file} does not exist, so {check.var} is not set")
        values = parse_env_file(data.decode("utf-8", errors="replace"))
        where = check.file
    else:
        values, where = runtime.container_env(container), "the container's environment"
    if check.var not in values:
        return CheckResult(False, f"{check.var} is not set in {where}")
    value = values[check.var]
    if check.equals is not None and value != check.equals:
        return CheckResult(False, f"{check.var}={value!r} in {where}, wanted {check.equals!r}")
    if check.matches is not None and not search(check.matches, value, multiline=False):
        return CheckResult(False, f"{check.var}={value!r} in {where} does not match /{check.matches}/")
    return CheckResult(True, f"{check.var}={value!r} in {where}")


def _http(check: HttpCheck, runtime: Runtime, container: str) -> CheckResult:
    host, port = runtime.published_port(container, check.port)
    if not _loopback(host):
        return CheckResult(False, f"port {check.port} is published on {host}, not on this machine's loopback; "
                                  "envlab only asks 127.0.0.1")
    deadline = time.monotonic() + check.timeout
    while True:
        # A service that was just started may not listen yet: retry refused connections until the
        # check's timeout, as a learner refreshing the page would.
        try:
            status, location, body = _get(host, port, check.path, timeout=max(0.1, deadline - time.monotonic()))
            break
        except (OSError, http.client.HTTPException) as exc:
            if time.monotonic() >= deadline:
                return CheckResult(False, f"GET {check.path} on port {check.port} failed: {exc}")
            time.sleep(0.2)
    redirect = f" (a redirect to {visible(location[:200])}, not followed)" if location and 300 <= status < 400 else ""
    if status != check.status:
        return CheckResult(False, f"GET {check.path} answered {status}{redirect}, wanted {check.status}")
    if check.body and not search(check.body, body, multiline=False):
        return CheckResult(False, f"GET {check.path} answered {status} but the body does not match /{check.body}/")
    return CheckResult(True, f"GET {check.path} answered {status}{redirect}")


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _get(host: str, port: int, path: str, *, timeout: float) -> tuple[int, str | None, str]:
    """One GET of ``path`` on ``host:port``: the status, any Location header, and the start of the body.

    http.client speaks to exactly the host and port it is given and never follows a redirect, so a
    lesson's service cannot send the check to another port, the LAN or a metadata address: a 3xx is
    the answer, reported as such.
    """
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    connection.connect()
    # The socket timeout bounds each read, but a service may answer a byte at a time: the timer ends
    # the whole exchange at the check's timeout.
    timer = threading.Timer(timeout, _shut, args=(connection.sock,))
    timer.daemon = True
    timer.start()
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read(MAX_HTTP_BODY_BYTES).decode("utf-8", errors="replace")
        return response.status, response.getheader("Location"), body
    finally:
        timer.cancel()
        connection.close()


def _shut(sock: socket.socket | None) -> None:
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)  # wakes a blocked read, which close() alone does not


def _size(count: int) -> str:
    """Bytes as people read them: 8.0 MiB, 100.0 GiB."""
    value = float(count)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TiB"
