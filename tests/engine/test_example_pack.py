"""The example pack (examples/pack-example) is proven on the real engine as committed: its own drift lesson and
its scenario lesson that builds from the built-in shop by reference, twice each, by `envlab test` itself, with
nothing left behind. Only the images the pack alone needs are prepared first, and removed again."""

from __future__ import annotations

import contextlib
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import docker
import docker.errors
import pytest

from tests.engine.test_engine_curriculum import leftovers
from tests.helpers import REPO, envlab

PACK = REPO / "examples" / "pack-example"
LESSONS = ["example-cksum-skew", "example-shop-replicas"]


@pytest.mark.engine
@pytest.mark.slow
def test_the_example_pack_is_proven_with_the_builtin_shop_by_reference(tmp_path: Path,
                                                                        docker_client: docker.DockerClient) -> None:
    only = [arg for lesson in LESSONS for arg in ("--lesson", lesson)]
    listed = envlab("images", "list", "--json", "--lessons", str(PACK), *only)
    needs = {i["tag"]: i for i in json.loads(listed.stdout)["images"]}
    shop = {tag for tag in needs if tag.startswith("envlab-svc/")}
    assert len(shop) == 3  # web, sessions, balancer
    builtin = {i["tag"] for i in json.loads(envlab("images", "list", "--json").stdout)["images"]}
    assert shop <= builtin  # the shop by reference builds exactly the built-in course's shop images
    ours = {tag for tag, need in needs.items() if need["state"] == "missing"} - builtin
    try:
        prepared = envlab("images", "prepare", "--lessons", str(PACK), *only)
        assert prepared.returncode == 0, prepared.stdout + prepared.stderr
        junit = tmp_path / "proofs.xml"
        proven = envlab("test", *LESSONS, "--lessons", str(PACK), "--junit", str(junit))
        assert proven.returncode == 0, proven.stdout + proven.stderr
        suite = ET.parse(junit).getroot().find("testsuite")
        assert suite is not None and suite.get("failures") == "0"
        assert sorted({c.get("classname") for c in suite.findall("testcase")}) == LESSONS
        assert len(suite.findall("testcase")) == 2 * len(LESSONS)
        for lesson in LESSONS:
            assert f"{lesson}: 2/2 rounds proven" in proven.stdout
            assert leftovers(docker_client, lesson) == []
    finally:  # the engine as it was found: the images only this pack needed go again
        for tag in ours:
            with contextlib.suppress(docker.errors.ImageNotFound):
                docker_client.images.remove(tag, force=True)
