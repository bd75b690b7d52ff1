"""The Docker implementation of :mod:`envlab.runtime.contract`: one class, one constructor.

Only the composition root (``envlab.cli.root``) and the real-engine tests import this package; the
engine and the faces speak the contract (import-linter keeps it so).
"""

from __future__ import annotations

from envlab.runtime.docker.client import Endpoint, connect, endpoint
from envlab.runtime.docker.clusters import ClusterOps
from envlab.runtime.docker.containers import BuildFailed, ContainerOps
from envlab.runtime.docker.leases import LeaseOps
from envlab.runtime.docker.rooms import RoomOps
from envlab.runtime.docker.services import ServiceOps
from envlab.runtime.docker.transfer import TransferOps
from envlab.runtime.labels import Session

__all__ = ["BuildFailed", "DockerRuntime", "Endpoint", "endpoint", "open_runtime"]


class DockerRuntime(ContainerOps, TransferOps, ServiceOps, LeaseOps, RoomOps, ClusterOps):
    """:class:`~envlab.runtime.contract.Runtime` on a real engine through the Docker SDK.

    Args:
        client: A connected client (see :func:`envlab.runtime.docker.client.connect`).
    """


def open_runtime(session: Session | None = None, *, sweep: bool = True) -> DockerRuntime:
    """Connect to Docker (``DOCKER_HOST``, else the current context). With a ``session``, take its
    lease first; unless ``sweep`` is false, then remove what sessions without a lease left behind."""
    from envlab.runtime.cleanup import sweep_dead_sessions

    runtime = DockerRuntime(connect())
    if session is not None:
        runtime.hold_lease(session)
    if sweep:
        sweep_dead_sessions(runtime, session or Session())
    return runtime
