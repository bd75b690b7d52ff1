"""The real engine for the tests that prove claims about Docker."""

from tests.real_engine import docker_client, load, runtime, session

__all__ = ["docker_client", "load", "runtime", "session"]
