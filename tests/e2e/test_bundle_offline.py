"""An offline machine's set-up on the real engine: a bundle exported, some of its images removed, the
bundle imported, and a lesson proven with nothing built; a truncated bundle refused with the images as
they were."""

from __future__ import annotations

import json
from pathlib import Path

import docker
import pytest

from tests.helpers import envlab

pytestmark = pytest.mark.engine

LESSON = "os-skew"


def images() -> dict[str, dict[str, object]]:
    listed = envlab("images", "list", "--lesson", LESSON, "--json")
    return {str(i["tag"]): i for i in json.loads(listed.stdout)["images"]}


def test_export_remove_import_then_prove_with_nothing_built(docker_client: docker.DockerClient,
                                                           tmp_path: Path) -> None:
    before = images()
    assert all(i["state"] == "present" for i in before.values()), "run `envlab images prepare` first"
    path = tmp_path / "course.bundle"
    exported = envlab("images", "export", str(path), "--lesson", LESSON)
    assert exported.returncode == 0, exported.stderr
    listed = envlab("images", "list", "--lesson", LESSON, "--bundle", str(path), "--json")
    assert all(i["in_bundle"] and i["matches_bundle"] for i in json.loads(listed.stdout)["images"])

    # A host image and the fix image go, as on a machine that never had them.
    gone = [t for t, i in before.items() if i["kind"] in ("host", "fix")][-2:]
    for tag in gone:
        docker_client.images.remove(tag)
    assert {t for t, i in images().items() if i["state"] == "missing"} == set(gone)

    truncated = tmp_path / "truncated.bundle"
    truncated.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    refused = envlab("images", "import", str(truncated))
    assert refused.returncode == 5 and "truncated" in refused.stderr and "Traceback" not in refused.stderr
    assert {t for t, i in images().items() if i["state"] == "missing"} == set(gone)  # unchanged

    imported = envlab("images", "import", str(path))
    assert imported.returncode == 0, imported.stderr
    assert f"{len(gone)} loaded" in imported.stdout and f"{len(before) - len(gone)} present" in imported.stdout
    assert {t: i["id"] for t, i in images().items()} == {t: i["id"] for t, i in before.items()}
    ready = envlab("doctor", "--kiosk", "--bundle", str(path), "--lesson", LESSON)
    assert f"✓ images: {len(before)} of {len(before)} present" in ready.stdout
    assert "✓ images match course.bundle" in ready.stdout and "✓ no network needed" in ready.stdout
    # Run without a terminal, the report says so and fails: a kiosk must be checked where it runs.
    assert "✗ terminal: not a terminal here" in ready.stdout and ready.returncode == 1

    # The lesson runs from what the bundle brought: the fix image is reused, nothing is built.
    ran = envlab("run", LESSON, "--json")
    assert ran.returncode == 0, ran.stderr
    lines = [json.loads(line) for line in ran.stdout.splitlines() if line.startswith("{")]
    output = [e.get("text", "") for e in lines if e.get("event") == "OutputLine"]
    assert any("is up to date with the lesson's files" in text and "not rebuilt" in text for text in output)
    assert not any(text.startswith("Step ") for text in output), "the engine built something"
    proven = envlab("test", LESSON)
    assert proven.returncode == 0, proven.stdout + proven.stderr
