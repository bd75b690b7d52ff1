"""Proving a pack's lessons as its own CI would: prepare only what they need, `envlab test --junit`, then leave
the engine as it was found."""

from __future__ import annotations

import contextlib
import json
import xml.etree.ElementTree as ET
from collections.abc import Collection
from pathlib import Path

import docker
import docker.errors

from tests.engine.test_engine_curriculum import leftovers
from tests.helpers import envlab


def image_states(*args: str) -> dict[str, dict[str, object]]:
    """`envlab images list --json` as tag → its row."""
    listed = envlab("images", "list", "--json", *args)
    return {row["tag"]: row for row in json.loads(listed.stdout)["images"]}


def prove_pack(folder: Path, lessons: list[str], junit: Path, client: docker.DockerClient, *,
               keep: Collection[str] = ()) -> str:
    """Prepare the images ``lessons`` of ``folder`` need, prove each twice with `envlab test --junit`, and check
    the report and that nothing is left; then remove the images that were missing before, but those in ``keep``.

    Returns:
        What `envlab test` printed.
    """
    only = [arg for lesson in lessons for arg in ("--lesson", lesson)]
    absent = [tag for tag, row in image_states("--lessons", str(folder), *only).items()
              if row["state"] == "missing" and tag not in keep]
    try:
        prepared = envlab("images", "prepare", "--lessons", str(folder), *only)
        assert prepared.returncode == 0, prepared.stdout + prepared.stderr
        proven = envlab("test", *lessons, "--lessons", str(folder), "--junit", str(junit))
        assert proven.returncode == 0, proven.stdout + proven.stderr
        suite = ET.parse(junit).getroot().find("testsuite")  # what a pack's own CI reads
        assert suite is not None and suite.get("failures") == "0"
        assert sorted({str(c.get("classname")) for c in suite.findall("testcase")}) == sorted(lessons)
        assert len(suite.findall("testcase")) == 2 * len(lessons)
        for lesson in lessons:
            assert f"{lesson}: 2/2 rounds proven" in proven.stdout
            assert leftovers(client, lesson) == []
        return proven.stdout
    finally:  # the engine as it was found: the images only these lessons needed go again
        for tag in absent:
            with contextlib.suppress(docker.errors.ImageNotFound):
                client.images.remove(tag, force=True)
