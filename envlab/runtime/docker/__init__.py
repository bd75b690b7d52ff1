"""The Docker implementation of :mod:`envlab.runtime.contract`: one class, one constructor.

Only the composition root (``envlab.cli.root``) and the real-engine tests import this package; the
engine and the faces speak the contract (import-linter keeps it so).
"""

from __future__ import annotations

from envlab.runtime.docker.client import Endpoint, connect, endpoint
from envlab.runtime.docker.containers import BuildFailed, ContainerOps
from envlab.runtime.docker.services import ServiceOps
from envlab.runtime.labels import Session

__all__ = ["BuildFailed", "DockerRuntime", "Endpoint", "endpoint", "open_runtime"]


class DockerRuntime(ContainerOps, ServiceOps):
    """:class:`~envlab.runtime.contract.Runtime` on a real engine through the Docker SDK.

    Args:
        client: A connected client (see :func:`envlab.runtime.docker.client.connect`).
    """


def open_runtime(session: Session | None = None, *, sweep: bool = True) -> DockerRuntime:
    """Connect to Docker (``DOCKER_HOST``, else the current context) and, unless ``sweep`` is false,
    remove what crashed envlab sessions on this machine left behind."""
    from envlab.runtime.cleanup import sweep_dead_sessions

    runtime = DockerRuntime(connect())
    if sweep:
        sweep_dead_sessions(runtime, session or Session())
    return runtime
