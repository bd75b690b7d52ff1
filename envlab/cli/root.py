"""The composition root: the one place that knows which runtime envlab runs on.

The commands and the TUI are handed a :class:`~envlab.runtime.contract.Runtime` built here; nothing
else imports the Docker implementation (import-linter keeps it so).
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from envlab.errors import EnvlabError
from envlab.runtime.labels import Session

if TYPE_CHECKING:  # the TUI imports this module before its first frame: the contract's values load later
    from envlab.runtime.contract import Runtime

#: Runtimes opened for a session, whose leases end with the process (see :func:`release_leases`).
_OPENED: list[tuple[Runtime, Session]] = []


def open_runtime(session: Session | None = None, *, sweep: bool = True) -> Runtime:
    """Connect to the Docker engine (``DOCKER_HOST``, else the current context). With a ``session``,
    take its lease; unless ``sweep`` is false, remove what sessions without a lease left behind."""
    from envlab.runtime.docker import open_runtime as open_docker  # the SDK loads only when needed

    runtime = open_docker(session, sweep=sweep)
    if session is not None:
        _OPENED.append((runtime, session))
    return runtime


def release_leases() -> None:
    """End the leases this process holds (its runs are torn down by now). A process that dies without
    calling this loses them anyway: the engine notices its connection close."""
    while _OPENED:
        runtime, session = _OPENED.pop()
        with contextlib.suppress(EnvlabError):
            runtime.release_lease(session)


def engine_endpoint() -> tuple[str, str]:
    """Where envlab talks to Docker (a URL) and why there (``DOCKER_HOST``, a context, the default)."""
    from envlab.runtime.docker import endpoint

    where = endpoint()
    return where.url, where.source
