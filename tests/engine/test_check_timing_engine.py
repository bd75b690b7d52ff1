"""A check that holds both before and after the fix, proven by `envlab test` on the real engine, and a solution
that breaks it refused with the reason; nothing left behind either way."""

from __future__ import annotations

from pathlib import Path

import docker
import pytest

from tests.engine.test_engine_curriculum import leftovers
from tests.helpers import FIXTURES, envlab

FOLDER = FIXTURES / "holds"
LESSON = "holds-both"


@pytest.mark.engine
def test_a_check_that_holds_both_is_proven_before_and_after_the_solution(docker_client: docker.DockerClient) -> None:
    proven = envlab("test", LESSON, "--lessons", str(FOLDER))
    assert proven.returncode == 0, proven.stdout + proven.stderr
    assert f"{LESSON}: 2/2 rounds proven" in proven.stdout
    assert leftovers(docker_client, LESSON) == []


@pytest.mark.engine
def test_a_solution_that_breaks_a_check_that_holds_both_is_not_proven(
        tmp_path: Path, docker_client: docker.DockerClient) -> None:
    text = (FOLDER / f"{LESSON}.yaml").read_text(encoding="utf-8")
    broken = '"echo on > /etc/app/feature && echo LEGACY=1 > /etc/app/legacy.conf"'
    (tmp_path / f"{LESSON}.yaml").write_text(text.replace('"echo on > /etc/app/feature"', broken), encoding="utf-8")
    proven = envlab("test", LESSON, "--lessons", str(tmp_path), "--rounds", "1")
    assert proven.returncode == 1, proven.stdout + proven.stderr
    output = " ".join(proven.stdout.split())  # the table wraps long reasons
    assert "check legacy-off should pass after the fix: LEGACY='1' in /etc/app/legacy.conf, wanted '0'" in output
    assert leftovers(docker_client, LESSON) == []
