"""The real engine and a real terminal (tmux) for end-to-end tests of the TUI."""

from tests.real_engine import docker_client, load, runtime, session

__all__ = ["docker_client", "load", "runtime", "session"]
