"""What the engine needs from a container runtime; the real one is Docker, tests may use a fake."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

#: Receives one line of output (without its newline) as it happens.
LineSink = Callable[[str], None]


@dataclass(frozen=True)
class ContainerSpec:
    """A hardened container to start for one setup of a lesson."""

    name: str
    image: str
    labels: dict[str, str]
    hostname: str
    command: list[str] | None = None  # None: the image's own command
    env: dict[str, str] = field(default_factory=dict)
    ports: list[int] = field(default_factory=list)
    network: str | None = None  # None: network_mode "none"
    cap_add: list[str] = field(default_factory=list)
    memory: str = "512m"
    cpus: float = 1.0
    pids: int = 256


@dataclass(frozen=True)
class ExecResult:
    """How a command run inside a container ended."""

    exit_code: int
    output: str
    timed_out: bool = False


@dataclass(frozen=True)
class Resource:
    """A container, network or volume carrying envlab's labels."""

    kind: str  # "service" | "container" | "network" | "volume"
    id: str
    name: str
    labels: dict[str, str]


class Runtime(Protocol):
    """The container operations a lesson needs. Every method may raise :class:`EnvlabError`."""

    def image_present(self, ref: str) -> bool:
        """Whether ``ref`` is on the engine (never pulls)."""

    def build_image(
        self, *, context: Path | None, dockerfile: str | None, inline: str | None, tag: str,
        labels: dict[str, str], on_line: LineSink,
    ) -> str:
        """Build an image, streaming its output; return the image id."""

    def create_network(self, name: str, labels: dict[str, str]) -> str:
        """Create a bridge network; return its id."""

    def start(self, spec: ContainerSpec) -> str:
        """Create and start a container (cleaning up if the start fails); return its id."""

    def put_files(self, container: str, files: list[tuple[str, bytes, int]]) -> None:
        """Write ``(path, data, mode)`` files into a container at once, making parent folders."""

    def exec(self, container: str, command: str, *, on_line: LineSink, timeout: float) -> ExecResult:
        """Run ``/bin/sh -c command`` in a container, streaming output; return its real exit code."""

    def read_file(self, container: str, path: str) -> bytes | None:
        """Read a file out of a container without running anything in it; ``None`` if absent."""

    def container_env(self, container: str) -> dict[str, str]:
        """The environment a container was started with."""

    def published_port(self, container: str, port: int) -> tuple[str, int]:
        """The loopback address and port a container port is published on."""

    def list_resources(self, labels: dict[str, str] | None = None) -> list[Resource]:
        """Every envlab-labelled resource, optionally filtered by more labels."""

    def remove(self, resource: Resource) -> None:
        """Remove one resource, forcefully; a resource already gone is not an error."""
