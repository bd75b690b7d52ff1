"""`envlab dev` in a real terminal on the real engine: a save shows on the screen, and Ctrl+C mid-run ends
author mode and removes every container, as quitting a run does."""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

import docker
import pytest

from tests.e2e.test_tui_tmux import PATIENCE, Terminal, _running, ours, require_tmux
from tests.helpers import FIXTURES

pytestmark = pytest.mark.engine


def until_running(term: Terminal) -> bool:
    """Press r until the run is under way (the engine may still be connecting: r then says so)."""
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline:
        term.keys("r")
        waited = time.monotonic() + 3
        while time.monotonic() < waited:
            if "$ sleep 60" in term.screen():
                return True
            time.sleep(0.2)
    return False


def test_a_save_shows_and_ctrl_c_mid_run_removes_the_containers(tmp_path: Path,
                                                                docker_client: docker.DockerClient) -> None:
    require_tmux()
    lesson = tmp_path / "pack" / "holds-both.yaml"
    lesson.parent.mkdir()
    shutil.copy(FIXTURES / "holds" / "holds-both.yaml", lesson)
    text = lesson.read_text(encoding="utf-8")
    slow = "    runbook:\n      - {say: wait for the operator, run: sleep 60, timeout: 90}\n    probe:\n"
    lesson.write_text(text.replace("    probe:\n", slow, 1), encoding="utf-8")
    term = Terminal(tmp_path / "data", shell=f"exec {sys.executable} -m envlab dev {lesson}")
    try:
        term.wait_for("The legacy setting stays off")
        lesson.write_text(lesson.read_text(encoding="utf-8").replace("and only that.", "and only that. EDITED-1"),
                          encoding="utf-8")
        term.wait_for("EDITED-1")
        started = until_running(term)  # the runbook step is under way
        assert started, term.shown()
        assert ours(docker_client, term.pid)
        term.keys("C-c")
        deadline = time.monotonic() + PATIENCE
        while _running(term.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _running(term.pid), "envlab dev did not end on Ctrl+C"
        assert ours(docker_client, term.pid) == []
    finally:
        term.close()
