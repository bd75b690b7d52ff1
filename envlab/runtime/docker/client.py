"""Connect to the Docker engine the way the docker CLI would: DOCKER_HOST, else the current context."""

from __future__ import annotations

import os
from dataclasses import dataclass

import docker
from docker.context import ContextAPI

from envlab.runtime.docker.errors import translating


@dataclass(frozen=True)
class Endpoint:
    """Where envlab talks to Docker, and why there."""

    url: str
    source: str  # "DOCKER_HOST", "context <name>" or "default"


def endpoint() -> Endpoint:
    """Resolve the engine address like the docker CLI: ``DOCKER_HOST``, then the current context."""
    if os.environ.get("DOCKER_HOST"):
        return Endpoint(os.environ["DOCKER_HOST"], "DOCKER_HOST")
    try:
        context = ContextAPI.get_current_context()
    except Exception:  # a broken ~/.docker/config.json must not stop envlab; fall back as the CLI does
        context = None
    if context is not None and context.Host:
        name = context.Name or "default"
        url = context.Host.replace("http+unix://", "unix://", 1)  # the SDK's spelling; show the CLI's
        return Endpoint(url, "default" if name == "default" else f"context {name}")
    return Endpoint("unix:///var/run/docker.sock", "default")


def connect(*, timeout: int = 60) -> docker.DockerClient:
    """Create a client for the resolved endpoint and check that the engine answers.

    Raises:
        RuntimeUnavailable: The engine cannot be reached or refuses the socket.
    """
    where = endpoint()
    with translating(f"connecting to Docker at {where.url}"):
        if where.source == "DOCKER_HOST":
            client = docker.from_env(timeout=timeout)
        else:
            client = docker.DockerClient(base_url=where.url, timeout=timeout)
        client.ping()
    return client
