"""The core (lessons, engine, runtime) never imports Textual, so a script can run a lesson headless."""

from __future__ import annotations

import subprocess
import sys

from tests.helpers import REPO

CORE = [
    "envlab.lessons.catalog", "envlab.lessons.loader", "envlab.lessons.validate", "envlab.lessons.schema",
    "envlab.engine.drift.run", "envlab.engine.prove", "envlab.engine.prepare", "envlab.engine.checks",
    "envlab.runtime.docker", "envlab.runtime.cleanup", "envlab.runtime.docker.client",
]


def test_core_modules_import_without_textual() -> None:
    code = (
        "import importlib, sys\n"
        f"for name in {CORE!r}: importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith(('textual.', 'envlab.ui')))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    assert result.stdout.strip() == ""


def test_import_linter_contracts_hold() -> None:
    result = subprocess.run(["lint-imports"], capture_output=True, text=True, cwd=REPO, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
