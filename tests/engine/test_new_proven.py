"""What `envlab new` writes is proven on the real engine as generated: both kinds, twice each, by `envlab test`
itself, with nothing left behind. Only the images these lessons need are prepared first."""

from __future__ import annotations

from pathlib import Path

import docker
import pytest

from tests.engine.test_engine_curriculum import leftovers
from tests.helpers import envlab

PACK = "scaffold-proof"
LESSONS = [f"{PACK}-drift", f"{PACK}-scenario"]


@pytest.mark.engine
@pytest.mark.slow
def test_a_new_pack_is_proven_unchanged(tmp_path: Path, docker_client: docker.DockerClient) -> None:
    folder = str(tmp_path / "pack")
    made = envlab("new", "pack", folder, "--id", PACK)
    assert made.returncode == 0, made.stdout + made.stderr
    only = [arg for lesson in LESSONS for arg in ("--lesson", lesson)]
    prepared = envlab("images", "prepare", "--lessons", folder, *only)
    assert prepared.returncode == 0, prepared.stdout + prepared.stderr
    proven = envlab("test", *LESSONS, "--lessons", folder)
    assert proven.returncode == 0, proven.stdout + proven.stderr
    for lesson in LESSONS:
        assert f"{lesson}: 2/2 rounds proven" in proven.stdout
        assert leftovers(docker_client, lesson) == []
