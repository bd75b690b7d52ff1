"""README's first command, copied as it is, on this machine the way a Debian user meets it: the system's
Python (which refuses `pip install` outside a virtual environment), a fresh home folder, no envlab yet.
It must end in the course's home screen with every image present, and do so again when run twice."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import docker
import pytest

from tests.e2e.test_tui_tmux import Terminal
from tests.helpers import REPO

pytestmark = pytest.mark.engine

#: What a Debian or Ubuntu login shell has on PATH: the system's python3, no pyenv or virtualenv.
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
INSTALL_PATIENCE = 600.0  # a fresh virtual environment downloads every dependency


def readme_first_command() -> str:
    """The first ```bash block of README.md: the command a newcomer copies."""
    blocks = re.findall(r"```bash\n(.*?)```", (REPO / "README.md").read_text(encoding="utf-8"), re.S)
    return str(blocks[0]).strip()


@pytest.mark.skipif(not Path("/usr/bin/python3").exists(), reason="needs the system's Python")
def test_the_readmes_first_command_installs_and_opens_the_course_twice(tmp_path: Path,
                                                                     docker_client: docker.DockerClient) -> None:
    if shutil.which("tmux") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("the end-to-end tests need tmux")
        pytest.skip("no tmux")
    command = readme_first_command()
    assert command.startswith("./scripts/install")
    home = tmp_path / "home"
    home.mkdir()
    env = {"HOME": str(home), "PATH": SYSTEM_PATH}
    for attempt in (1, 2):
        terminal = Terminal(tmp_path / "data", shell=f"cd {REPO} && {command}", env=env)
        try:
            screen = terminal.wait_for("OS version skew", "Docker is ready.", timeout=INSTALL_PATIENCE)
            assert "envlab" in screen
            terminal.keys("C-q")
            gone = terminal
            terminal.wait_until(lambda _screen, t=gone: not t.alive(), f"envlab to quit (run {attempt})")
        finally:
            terminal.close()
        assert (home / ".local" / "bin" / "envlab").is_symlink()
        venv_python = home / ".local" / "share" / "envlab" / "venv" / "bin" / "python"
        assert venv_python.resolve().is_relative_to(Path("/usr")), "the system's Python, in a venv of its own"
