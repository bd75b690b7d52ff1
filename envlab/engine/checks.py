"""Typed checks, run from outside a container through the runtime so a learner cannot fake them."""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import socket
import threading
import time
from dataclasses import dataclass

from envlab.engine.wording import Words
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
    #: The evidence, in English; a :class:`~envlab.engine.wording.Words` a face can say in another language.
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
        return CheckResult(False, Words("check.stopped", target=check.target), stopped=True)
    except EnvlabError as exc:
        return CheckResult(False, Words("check.could_not_run", message=exc.message))


def _command(check: CommandCheck, runtime: Runtime, container: str) -> CheckResult:
    result = runtime.exec(container, check.run, on_line=lambda _line: None, timeout=CHECK_COMMAND_TIMEOUT)
    last = (result.output.strip().splitlines()[-1:] or [Words("check.no_output")])[0]
    if result.exit_code != check.exit_code:
        return CheckResult(False, Words("check.exited_wanted", run=check.run, code=result.exit_code,
                                        wanted=check.exit_code, last=last))
    if check.output and not search(check.output, result.output):
        return CheckResult(False, Words("check.output_differs", run=check.run, pattern=check.output, last=last))
    return CheckResult(True, Words("check.exited", run=check.run, code=result.exit_code, last=last))


def _file(check: FileCheck, runtime: Runtime, container: str) -> CheckResult:
    try:
        data = runtime.read_file(container, check.path)
    except FileTooLarge as big:
        if not check.contains:  # it is there: whether it exists is answered without reading it
            return CheckResult(check.exists, Words("check.file_exists" if check.exists
                                                   else "check.file_exists_not_wanted", path=check.path))
        return CheckResult(False, Words("check.file_too_large", path=check.path, size=_size(big.size),
                                        limit=_size(big.limit)))
    if data is None:
        return CheckResult(not check.exists, Words("check.file_missing", path=check.path))
    if not check.exists:
        return CheckResult(False, Words("check.file_exists_not_wanted", path=check.path))
    if check.contains:
        text = data.decode("utf-8", errors="replace")
        if not search(check.contains, text):
            return CheckResult(False, Words("check.file_lacks", path=check.path, pattern=check.contains))
        return CheckResult(True, Words("check.file_contains", path=check.path, pattern=check.contains))
    return CheckResult(True, Words("check.file_exists", path=check.path))


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
            return CheckResult(False, Words("check.settings_too_large", path=check.file, size=_size(big.size)))
        if data is None:
            return CheckResult(False, Words("check.settings_missing", path=check.file, var=check.var))
        values = parse_env_file(data.decode("utf-8", errors="replace"))
        where: str = check.file
    else:
        values, where = runtime.container_env(container), Words("check.environment")
    if check.var not in values:
        return CheckResult(False, Words("check.var_unset", var=check.var, where=where))
    value = repr(values[check.var])
    if check.equals is not None and values[check.var] != check.equals:
        return CheckResult(False, Words("check.var_wanted", var=check.var, value=value, where=where,
                                        wanted=repr(check.equals)))
    if check.matches is not None and not search(check.matches, values[check.var], multiline=False):
        return CheckResult(False, Words("check.var_differs", var=check.var, value=value, where=where,
                                        pattern=check.matches))
    return CheckResult(True, Words("check.var_set", var=check.var, value=value, where=where))


def _http(check: HttpCheck, runtime: Runtime, container: str) -> CheckResult:
    host, port = runtime.published_port(container, check.port)
    if not _loopback(host):
        return CheckResult(False, Words("check.not_loopback", port=check.port, host=host))
    deadline = time.monotonic() + check.timeout
    while True:
        # A service that was just started may not listen yet: retry refused connections until the
        # check's timeout, as a learner refreshing the page would.
        try:
            status, location, body = _get(host, port, check.path, timeout=max(0.1, deadline - time.monotonic()))
            break
        except (OSError, http.client.HTTPException) as exc:
            if time.monotonic() >= deadline:
                return CheckResult(False, Words("check.http_failed", path=check.path, port=check.port, error=str(exc)))
            time.sleep(0.2)
    redirect = (Words("check.http_redirect", location=visible(location[:200]))
                if location and 300 <= status < 400 else "")
    if status != check.status:
        return CheckResult(False, Words("check.http_wanted", path=check.path, status=status, redirect=redirect,
                                        wanted=check.status))
    if check.body and not search(check.body, body, multiline=False):
        return CheckResult(False, Words("check.http_body_differs", path=check.path, status=status,
                                        pattern=check.body))
    return CheckResult(True, Words("check.http_answered", path=check.path, status=status, redirect=redirect))


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
