"""What `envlab new` writes is proven on the real engine as generated: both kinds, twice each, by `envlab test`
itself, with nothing left behind. Only the images these lessons need are prepared first."""

from __future__ import annotations

from pathlib import Path

import docker
import pytest

from tests.engine.pack_proof import prove_pack
from tests.helpers import envlab

PACK = "scaffold-proof"
LESSONS = [f"{PACK}-drift", f"{PACK}-scenario"]


@pytest.mark.engine
@pytest.mark.slow
def test_a_new_pack_is_proven_unchanged(tmp_path: Path, docker_client: docker.DockerClient) -> None:
    folder = tmp_path / "pack"
    made = envlab("new", "pack", str(folder), "--id", PACK)
    assert made.returncode == 0, made.stdout + made.stderr
    prove_pack(folder, LESSONS, tmp_path / "proofs.xml", docker_client)
