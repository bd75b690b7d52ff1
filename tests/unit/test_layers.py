"""The layers hold: the core never imports Textual (a script can run a lesson headless), and only the
composition root brings the Docker SDK."""

from __future__ import annotations

import subprocess
import sys

from tests.helpers import REPO

CORE = [
    "envlab.lessons.catalog", "envlab.lessons.loader", "envlab.lessons.validate", "envlab.lessons.schema",
    "envlab.engine.run", "envlab.engine.drift.run", "envlab.engine.scenario.run", "envlab.engine.prove",
    "envlab.engine.prepare", "envlab.engine.checks", "envlab.engine.outcome", "envlab.engine.describe",
    "envlab.runtime.docker", "envlab.runtime.cleanup", "envlab.runtime.fake", "envlab.kiosk.config",
]
#: What the engine and both faces load: none of it may bring the Docker SDK (only the composition root does).
WITHOUT_DOCKER = [
    "envlab.engine.run", "envlab.engine.drift.run", "envlab.engine.scenario.run", "envlab.engine.prove",
    "envlab.runtime.fake", "envlab.headless", "envlab.ui.app", "envlab.ui.screens.lesson_screen",
    "envlab.ui.kiosk.app", "envlab.ui.kiosk.start_screen",
]


def loaded_after_importing(modules: list[str], *, top: str, prefixes: tuple[str, ...]) -> list[str]:
    """The modules named ``top`` or starting with ``prefixes`` that a fresh interpreter holds once it
    has imported ``modules``."""
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        f"bad = sorted(m for m in sys.modules if m == {top!r} or m.startswith({prefixes!r}))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    return [name for name in result.stdout.strip().split(",") if name]


def test_core_modules_import_without_textual() -> None:
    assert loaded_after_importing(CORE, top="textual", prefixes=("textual.", "envlab.ui")) == []


def test_import_linter_contracts_hold() -> None:
    result = subprocess.run(["lint-imports"], capture_output=True, text=True, cwd=REPO, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_engine_and_the_faces_load_without_the_docker_sdk() -> None:
    assert loaded_after_importing(WITHOUT_DOCKER, top="docker", prefixes=("docker.", "envlab.runtime.docker")) == []
