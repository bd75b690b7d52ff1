"""End to end in a real terminal: the language a learner switches to is the one envlab opens in next time."""

from __future__ import annotations

import time
from pathlib import Path

import docker
import pytest

from tests.e2e.test_tui_tmux import PATIENCE, Terminal, require_tmux

pytestmark = pytest.mark.engine

#: No ``--lang`` and no ``ENVLAB_LANG`` (empty is unset), an English locale: only the profile says Japanese.
UNASKED = {"ENVLAB_LANG": "", "LC_ALL": "", "LANG": "C.UTF-8"}


def ended(term: Terminal) -> None:
    deadline = time.monotonic() + PATIENCE
    while term.alive():
        assert time.monotonic() < deadline, f"envlab did not quit; the screen shows:\n{term.screen()}"
        time.sleep(0.2)


def test_a_restart_opens_in_the_language_last_chosen(tmp_path: Path, docker_client: docker.DockerClient) -> None:
    require_tmux()
    data = tmp_path / "data"
    first = Terminal(data, env=UNASKED)
    try:
        first.wait_for("Docker is ready.", "Chapter 1: Release hell before Docker")
        first.keys("l")
        first.wait_for("第1章 Docker 以前のリリース地獄")
        first.keys("q")
        ended(first)
    finally:
        first.close()
    again = Terminal(data, env=UNASKED)
    try:
        again.wait_for("第1章 Docker 以前のリリース地獄", "Docker の準備ができました。")
    finally:
        again.close()
    told = Terminal(data, env={**UNASKED, "ENVLAB_LANG": "en"})  # ENVLAB_LANG still decides
    try:
        told.wait_for("Chapter 1: Release hell before Docker", "Docker is ready.")
    finally:
        told.close()
