"""Shared fixtures: an isolated home for every test, and the real Docker engine for engine tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from envlab.errors import EnvlabError
from envlab.runtime.labels import MANAGED, Session

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the developer's own progress, settings and lesson folders out of every test."""
    data = tmp_path_factory.mktemp("envlab-data")
    monkeypatch.setenv("ENVLAB_DATA_DIR", str(data))
    monkeypatch.setenv("ENVLAB_CACHE_DIR", str(data / "cache"))
    monkeypatch.delenv("ENVLAB_LESSONS", raising=False)
    monkeypatch.setenv("ENVLAB_LANG", "en")


def _connect_or_fail() -> object:
    from envlab.runtime.client import connect

    try:
        return connect()
    except EnvlabError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI needs a Docker engine and none answered: {exc}")
        pytest.skip(f"no Docker engine: {exc.message}")


@pytest.fixture(scope="session")
def docker_client() -> object:
    """A connected Docker client. Under CI=true a missing engine fails the test; it never skips."""
    return _connect_or_fail()


@pytest.fixture
def runtime(docker_client: object) -> Iterator[object]:
    """A real runtime and a session whose leftovers are removed after the test, whatever happens."""
    from envlab.runtime.docker_runtime import DockerRuntime
    from envlab.runtime.labels import SESSION

    real = DockerRuntime(docker_client)  # type: ignore[arg-type]
    session = Session()
    real.test_session = session  # type: ignore[attr-defined]
    yield real
    for resource in sorted(real.list_resources({SESSION: session.id}), key=lambda r: r.kind != "container"):
        real.remove(resource)


@pytest.fixture(scope="session", autouse=True)
def _nothing_left_behind(request: pytest.FixtureRequest) -> Iterator[None]:
    """After the whole suite, no envlab container, network or volume may remain on the engine."""
    yield
    try:
        import docker

        client = docker.from_env()
        client.ping()
    except Exception:
        return  # no engine: the engine tests already failed (CI) or were skipped
    label = {"label": f"{MANAGED}=true"}
    left = [c["Names"][0] for c in client.api.containers(all=True, filters=label)]
    left += [n.name for n in client.networks.list(filters=label)]
    left += [v.name for v in client.volumes.list(filters=label)]
    if left:
        pytest.fail(f"envlab resources left on the engine after the suite: {left}")
