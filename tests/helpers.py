"""What tests at every level share: where the repository is, the `envlab` command, recorded runs,
and a fake runtime that answers like the real engine does for the os-skew lesson."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from envlab.engine.events import Event, event_from_dict
from envlab.runtime.fake import FakeRuntime

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"
#: A tiny curriculum of both kinds, for tests that must not change when the built-in one does.
CURRICULUM = FIXTURES / "curriculum"


def envlab(*args: str, env: dict[str, str] | None = None, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    """Run the `envlab` command as a user would, in a fresh process."""
    full_env = {**os.environ, "COLUMNS": "200", **(env or {})}
    return subprocess.run([sys.executable, "-m", "envlab", *args], capture_output=True, text=True,
                          env=full_env, cwd=cwd, timeout=600, check=False)


def recorded(name: str) -> list[Event]:
    """The events of ``fixtures/NAME.events.jsonl`` (recorded with `envlab run LESSON --json`)."""
    lines = (FIXTURES / f"{name}.events.jsonl").read_text(encoding="utf-8").splitlines()
    return [event_from_dict(json.loads(line)) for line in lines]


def placeholders(text: str) -> set[str]:
    """The ``{names}`` a text of a string table is filled with."""
    import string

    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


def untranslated(table: dict[str, dict[str, str]]) -> list[str]:
    """The keys of a string table that lack a language lessons are written in, or whose Japanese is filled
    with other values than their English."""
    from envlab.lessons.text import SUPPORTED_LANGUAGES

    return [key for key, texts in table.items()
            if set(texts) != set(SUPPORTED_LANGUAGES) or placeholders(texts["ja"]) != placeholders(texts["en"])]


def os_skew_runtime() -> FakeRuntime:
    """A fake that behaves like the real engine does for lessons/01-os-skew.yaml."""
    from envlab.engine.images import image_needs
    from envlab.lessons.catalog import find_lesson

    fake = FakeRuntime(images={need.tag for need in image_needs([find_lesson("os-skew")])})
    report = ["Inventory report for Osaka warehouse", "  bolts     120"]
    fake.script = {
        ("prod-server", r"python3 --version"): (0, ["Python 3.9.2"]),
        ("dev-laptop", r"python3 --version"): (0, ["Python 3.11.2"]),
        ("prod-server", r"inventory\.py --config"): (1, ["Traceback (most recent call last):",
                                                         "ModuleNotFoundError: No module named 'tomllib'"]),
        ("*", r"inventory\.py --config"): (0, report),
    }
    return fake
