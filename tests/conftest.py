"""Shared by every level: an isolated home, so no test touches the developer's own progress or lessons."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from envlab.runtime.labels import MANAGED


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the developer's own progress, settings and lesson folders out of every test."""
    data = tmp_path_factory.mktemp("envlab-data")
    monkeypatch.setenv("ENVLAB_DATA_DIR", str(data))
    monkeypatch.setenv("ENVLAB_CACHE_DIR", str(data / "cache"))
    monkeypatch.delenv("ENVLAB_LESSONS", raising=False)
    monkeypatch.setenv("ENVLAB_LANG", "en")


@pytest.fixture(scope="session", autouse=True)
def _nothing_left_behind() -> Iterator[None]:
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
