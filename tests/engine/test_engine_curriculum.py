"""Every lesson of the built-in curriculum is proven on the real engine, whatever its kind:
`envlab test ID` proves it twice, and nothing of it (service, container, network) is left.

The list comes from the catalog, so a new lesson is proven without anyone adding it here.
"""

from __future__ import annotations

import docker
import pytest

from envlab.lessons.catalog import load_catalog
from tests.helpers import envlab

LESSONS = [loaded.lesson.id for loaded in load_catalog().lessons]


def leftovers(client: docker.DockerClient, lesson: str) -> list[str]:
    """Services, containers and networks of ``lesson`` still on the engine."""
    wanted = {"label": ["io.envlab.managed=true", f"io.envlab.lesson={lesson}"]}
    found = [c["Names"][0] for c in client.api.containers(all=True, filters=wanted)]
    found += [n["Name"] for n in client.api.networks(filters=wanted)]
    if client.info()["Swarm"].get("ControlAvailable"):
        found += [s["Spec"]["Name"] for s in client.api.services(filters=wanted)]
    return found


def test_the_curriculum_has_both_kinds() -> None:
    kinds = {loaded.lesson.kind for loaded in load_catalog().lessons}
    assert kinds == {"drift", "scenario"}


@pytest.mark.engine
@pytest.mark.slow
@pytest.mark.parametrize("lesson", LESSONS)
def test_lesson_is_proven_twice(lesson: str, docker_client: docker.DockerClient) -> None:
    result = envlab("test", lesson)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{lesson}: 2/2 rounds proven" in result.stdout
    assert leftovers(docker_client, lesson) == []
