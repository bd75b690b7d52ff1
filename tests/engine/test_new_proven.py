"""What `envlab new` writes is proven on the real engine as generated: both kinds, twice each, by `envlab test`
itself, with nothing left behind. Only the images these lessons need are prepared first."""

from __future__ import annotations

import contextlib
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import docker
import docker.errors
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
    listed = envlab("images", "list", "--json", "--lessons", folder, *only)
    absent = [i["tag"] for i in json.loads(listed.stdout)["images"] if i["state"] == "missing"]
    try:
        prepared = envlab("images", "prepare", "--lessons", folder, *only)
        assert prepared.returncode == 0, prepared.stdout + prepared.stderr
        junit = tmp_path / "proofs.xml"
        proven = envlab("test", *LESSONS, "--lessons", folder, "--junit", str(junit))
        assert proven.returncode == 0, proven.stdout + proven.stderr
        suite = ET.parse(junit).getroot().find("testsuite")  # what a pack's own CI reads
        assert suite is not None and suite.get("failures") == "0"
        assert sorted({c.get("classname") for c in suite.findall("testcase")}) == sorted(LESSONS)
        assert len(suite.findall("testcase")) == 2 * len(LESSONS)
        for lesson in LESSONS:
            assert f"{lesson}: 2/2 rounds proven" in proven.stdout
            assert leftovers(docker_client, lesson) == []
    finally:  # the engine as it was found: the images only these lessons needed go again
        for tag in absent:
            with contextlib.suppress(docker.errors.ImageNotFound):
                docker_client.images.remove(tag, force=True)
