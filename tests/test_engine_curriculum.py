"""Every built-in drift lesson is proven on the real engine: `envlab test ID` (two rounds, nothing left).

Scenario lessons (a topology with phases) are proven in test_engine_scenarios.py, which also checks
their services and overlay networks are gone.
"""

from __future__ import annotations

import pytest

from envlab.lessons.catalog import load_catalog

from .test_cli import envlab

LESSONS = [loaded.lesson.id for loaded in load_catalog().lessons if loaded.lesson.topology is None]


@pytest.mark.engine
@pytest.mark.slow
@pytest.mark.parametrize("lesson", LESSONS)
def test_lesson_is_proven(lesson: str, docker_client: object) -> None:
    result = envlab("test", lesson)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{lesson}: 2/2 rounds proven" in result.stdout
