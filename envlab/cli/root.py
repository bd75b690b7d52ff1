"""The composition root: the one place that knows which runtime envlab runs on.

The commands and the TUI are handed a :class:`~envlab.runtime.contract.Runtime` built here; nothing
else imports the Docker implementation (import-linter keeps it so).
"""

from __future__ import annotations

from envlab.runtime.contract import Runtime
from envlab.runtime.labels import Session


def open_runtime(session: Session | None = None, *, sweep: bool = True) -> Runtime:
    """Connect to the Docker engine (``DOCKER_HOST``, else the current context); unless ``sweep`` is
    false, first remove what crashed envlab sessions on this machine left behind."""
    from envlab.runtime.docker import open_runtime as open_docker  # the SDK loads only when needed

    return open_docker(session, sweep=sweep)


def engine_endpoint() -> tuple[str, str]:
    """Where envlab talks to Docker (a URL) and why there (``DOCKER_HOST``, a context, the default)."""
    from envlab.runtime.docker import endpoint

    where = endpoint()
    return where.url, where.source
