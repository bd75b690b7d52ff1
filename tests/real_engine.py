"""Fixtures for the tests that need the real Docker engine (imported by tests/engine and tests/e2e).

Under CI=true a missing engine fails these tests; it never skips them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from envlab.errors import EnvlabError
from envlab.runtime.docker import DockerRuntime, connect
from envlab.runtime.labels import SESSION, Session


def _connect_or_fail() -> object:
    try:
        return connect()
    except EnvlabError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI needs a Docker engine and none answered: {exc}")
        pytest.skip(f"no Docker engine: {exc.message}")


@pytest.fixture(scope="session")
def docker_client() -> object:
    """A connected Docker client."""
    return _connect_or_fail()


@pytest.fixture
def load(request: pytest.FixtureRequest) -> Iterator[str]:
    """``idle``, or ``every-core-busy``: one busy loop per core for the test's length (a loaded kiosk).

    The loops are this test's own processes, bounded by the test and killed after it.
    """
    kind = str(getattr(request, "param", "idle"))
    hogs: list[subprocess.Popen[bytes]] = []
    if kind == "every-core-busy":
        hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(os.cpu_count() or 2)]
    try:
        yield kind
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait(timeout=30)


@pytest.fixture
def runtime(docker_client: object) -> Iterator[DockerRuntime]:
    """A real runtime; whatever its test session (:func:`session`) leaves is removed afterwards."""
    yield DockerRuntime(docker_client)  # type: ignore[arg-type]


@pytest.fixture
def session(runtime: DockerRuntime) -> Iterator[Session]:
    """A session for one test; its leftovers are removed after the test, whatever happens."""
    mine = Session()
    yield mine
    for resource in sorted(runtime.list_resources({SESSION: mine.id}), key=lambda r: r.kind != "container"):
        runtime.remove(resource)
