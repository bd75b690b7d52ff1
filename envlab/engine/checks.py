"""Typed checks, run from outside a container through the runtime so a learner cannot fake them."""

from __future__ import annotations

import re
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from envlab.errors import EnvlabError
from envlab.lessons.model import Check, CommandCheck, EnvCheck, FileCheck, HttpCheck
from envlab.runtime.contract import Runtime


@dataclass(frozen=True)
class CheckResult:
    """Whether a check passed, and the evidence either way."""

    passed: bool
    detail: str


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
    except EnvlabError as exc:
        return CheckResult(False, f"could not run the check: {exc.message}")


def _command(check: CommandCheck, runtime: Runtime, container: str) -> CheckResult:
    result = runtime.exec(container, check.run, on_line=lambda _line: None, timeout=60)
    last = result.output.strip().splitlines()[-1:] or ["(no output)"]
    if result.exit_code != check.exit_code:
        return CheckResult(False, f"`{check.run}` exited {result.exit_code}, wanted {check.exit_code}: {last[0]}")
    if check.output and not re.search(check.output, result.output, re.MULTILINE):
        return CheckResult(False, f"`{check.run}` output does not match /{check.output}/: {last[0]}")
    return CheckResult(True, f"`{check.run}` exited {result.exit_code}: {last[0]}")


def _file(check: FileCheck, runtime: Runtime, container: str) -> CheckResult:
    data = runtime.read_file(container, check.path)
    if data is None:
        return CheckResult(not check.exists, f"{check.path} does not exist")
    if not check.exists:
        return CheckResult(False, f"{check.path} exists but should not")
    if check.contains:
        text = data.decode("utf-8", errors="replace")
        if not re.search(check.contains, text, re.MULTILINE):
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
        data = runtime.read_file(container, check.file)
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
    if check.matches is not None and not re.search(check.matches, value):
        return CheckResult(False, f"{check.var}={value!r} in {where} does not match /{check.matches}/")
    return CheckResult(True, f"{check.var}={value!r} in {where}")


def _http(check: HttpCheck, runtime: Runtime, container: str) -> CheckResult:
    host, port = runtime.published_port(container, check.port)
    url = f"http://{host}:{port}{check.path}"
    deadline = time.monotonic() + check.timeout
    while True:
        # A service that was just started may not listen yet: retry refused connections until the
        # check's timeout, as a learner refreshing the page would.
        try:
            with urllib.request.urlopen(url, timeout=check.timeout) as response:  # only loopback ports
                status, body = response.status, response.read(65536).decode("utf-8", errors="replace")
            break
        except urllib.error.HTTPError as exc:
            status, body = exc.code, exc.read(65536).decode("utf-8", errors="replace")
            break
        except (urllib.error.URLError, OSError) as exc:
            if time.monotonic() >= deadline:
                return CheckResult(False, f"GET {check.path} on port {check.port} failed: {exc}")
            time.sleep(0.2)
    if status != check.status:
        return CheckResult(False, f"GET {check.path} answered {status}, wanted {check.status}")
    if check.body and not re.search(check.body, body):
        return CheckResult(False, f"GET {check.path} answered {status} but the body does not match /{check.body}/")
    return CheckResult(True, f"GET {check.path} answered {status}")
