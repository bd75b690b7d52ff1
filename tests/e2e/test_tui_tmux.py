"""End to end in a real terminal: `envlab` inside tmux on the real engine, driven by send-keys."""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import docker
import docker.errors
import pytest

pytestmark = pytest.mark.engine

WIDTH, HEIGHT = 160, 48  # wide enough that the panes show whole error lines
PATIENCE = 90.0  # seconds a step may take on a cold engine


class Terminal:
    """One tmux server of our own (its own socket), holding one window that runs `envlab`."""

    def __init__(self, data_dir: Path, *, shell: str | None = None, env: dict[str, str] | None = None,
                 width: int = WIDTH, height: int = HEIGHT) -> None:
        """Start `envlab` itself (its pid is the pane's), or ``shell``, a command line for /bin/bash, in a
        window of ``width`` columns and ``height`` rows; ``env`` comes after ``ENVLAB_LANG=en``, so it wins."""
        self.socket = f"envlab-test-{uuid.uuid4().hex[:8]}"
        program = ("/bin/bash", "-c", shell) if shell else (sys.executable, "-m", "envlab")
        settings = [f"{k}={v}" for k, v in (env or {}).items()]
        command = " ".join(shlex.quote(part) for part in (
            # pytest may export COLUMNS/LINES, which Textual would prefer to the real window size.
            "exec", "env", "-u", "COLUMNS", "-u", "LINES", f"ENVLAB_DATA_DIR={data_dir}", "ENVLAB_LANG=en",
            *settings, *program))
        self.tmux("new-session", "-d", "-s", "envlab", "-x", str(width), "-y", str(height), command)
        # `exec` all the way down: the pane's process is envlab itself, and its pid labels its containers.
        self.pid = int(self.tmux("list-panes", "-t", "envlab", "-F", "#{pane_pid}").strip())

    def tmux(self, *args: str) -> str:
        done = subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True,
                              check=False)
        return done.stdout

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "envlab")

    def shown(self) -> str:
        """The screen without its blank rows (empty pane rows are only borders): what a failure should print."""
        return "\n".join(line for line in self.screen().splitlines() if line.strip(" │║┃▌▐"))

    def keys(self, *keys: str) -> None:
        for key in keys:
            self.tmux("send-keys", "-t", "envlab", key)

    def wait_for(self, *texts: str, timeout: float = PATIENCE) -> str:
        """Poll the screen until every text is on it; fail with the screen if that never happens."""
        return self.wait_until(lambda screen: all(t in screen for t in texts), f"{texts}", timeout)

    def wait_until(self, ready: Callable[[str], bool], what: str, timeout: float = PATIENCE) -> str:
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if ready(screen):
                return screen
            if time.monotonic() > deadline:
                pytest.fail(f"{what} never appeared; the screen shows:\n{self.shown()}")
            time.sleep(0.2)

    def alive(self) -> bool:
        return subprocess.run(["tmux", "-L", self.socket, "has-session", "-t", "envlab"],
                              capture_output=True, check=False).returncode == 0

    def close(self) -> None:
        """Hang up on envlab (as closing a terminal does) and give it time to clean up."""
        self.tmux("kill-server")
        deadline = time.monotonic() + PATIENCE
        while _running(self.pid) and time.monotonic() < deadline:
            time.sleep(0.2)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def require_tmux() -> None:
    """Skip without tmux, except under CI, which must have it."""
    if shutil.which("tmux") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI needs tmux for the end-to-end test (install it in .ci/run)")
        pytest.skip("tmux is not installed")


def typed(terminal: Terminal, text: str) -> None:
    """Type ``text`` into the terminal as it is (no key names) and press Enter."""
    terminal.tmux("send-keys", "-t", "envlab", "-l", text)
    terminal.keys("Enter")


def fix_os_skew_in_the_shell(terminal: Terminal) -> None:
    """In the fix-it shell of os-skew's production server: install tomli from the wheel the lesson ships, make
    the import use it in the host's own editor as the banner offers (nano: replace, save, leave), and exit."""
    typed(terminal, "python3 -m pip install --no-index --find-links /tmp/release/wheels tomli")
    terminal.wait_for("Successfully installed tomli")
    typed(terminal, "nano /opt/inventory/inventory.py")  # nano's prompts are its own English, at any size
    terminal.wait_for("GNU nano", "import tomllib")
    terminal.keys("C-\\")
    terminal.wait_for("Search (to replace)")
    typed(terminal, "import tomllib")
    terminal.wait_for("Replace with")
    typed(terminal, "import tomli as tomllib")
    terminal.wait_for("Replace this instance?")
    terminal.keys("y")
    terminal.wait_for("Replaced 1 occurrence")
    terminal.keys("C-o")
    terminal.wait_for("File Name to Write")
    terminal.keys("Enter")
    terminal.wait_for("Wrote")
    terminal.keys("C-x")
    terminal.wait_until(lambda screen: "GNU nano" not in screen, "the shell again, nano closed")
    typed(terminal, "exit")


@pytest.fixture
def terminal(tmp_path: Path, docker_client: docker.DockerClient) -> Iterator[Terminal]:
    require_tmux()
    term = Terminal(tmp_path / "data")
    try:
        yield term
    finally:
        term.close()


def ours(client: docker.DockerClient, pid: int) -> list[str]:
    """Containers envlab made for lessons from the process we started (others may share the engine).

    One listing call, never a list-then-inspect: a container removed in between (a teardown under way) is
    simply not in the answer."""
    labels = ["io.envlab.managed=true", f"io.envlab.pid={pid}", "io.envlab.lesson"]
    return [c["Names"][0].lstrip("/") for c in client.api.containers(all=True, filters={"label": labels})]


@pytest.mark.parametrize("load", ["idle", "every-core-busy"], indirect=True)
def test_home_lesson_run_inspect_quit_on_the_real_engine(load: str, terminal: Terminal,
                                                         docker_client: docker.DockerClient) -> None:
    terminal.wait_for("Docker is ready.", "OS version skew")
    terminal.keys("Enter")  # the first lesson is under the cursor on a fresh start
    terminal.wait_for("Press r to run this setup.", "It works on my machine")

    terminal.keys("r")
    screen = terminal.wait_for("prod-server host · ✓ failed as expected", "dev-laptop host · ✓ passed",
                               "container fix · ✓ passed", "Checks before your fix")  # the run has ended
    assert "ModuleNotFoundError: No module named 'tomllib'" in screen  # the real failure
    assert "Inventory report for Osaka warehouse" in screen  # the real success
    assert len(ours(docker_client, terminal.pid)) == 3, "the setups stay up for the learner"

    terminal.keys("i")
    # The heading comes first, the drift once every setup has been read (a while, when every core is busy).
    terminal.wait_for("Drift between the setups", "shared kernel", "Python 3.9.", "Python 3.11.",
                      "Debian GNU/Linux 11", "Debian GNU/Linux 12")  # the drift, read from the hosts
    terminal.keys("Escape")
    terminal.wait_until(lambda s: "Drift between the setups" not in s, "the lesson again")

    terminal.keys("C-q")
    deadline = time.monotonic() + PATIENCE
    while terminal.alive() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not terminal.alive(), f"envlab did not quit:\n{terminal.screen()}"
    assert ours(docker_client, terminal.pid) == []
    lease = ["io.envlab.managed=true", f"io.envlab.pid={terminal.pid}", "io.envlab.kind=lease"]
    assert docker_client.containers.list(all=True, filters={"label": lease}) == [], "its lease ended with it"


def start_a_run(terminal: Terminal, client: docker.DockerClient) -> None:
    terminal.wait_for("Docker is ready.", "OS version skew")  # the lessons load after the first paint
    terminal.keys("Enter")
    terminal.wait_for("Press r to run this setup.")
    terminal.keys("r")
    terminal.wait_for("prod-server host · ✓ failed as expected")
    assert ours(client, terminal.pid)


def test_closing_the_terminal_mid_lesson_removes_the_containers(terminal: Terminal,
                                                                docker_client: docker.DockerClient) -> None:
    start_a_run(terminal, docker_client)
    terminal.close()  # SIGHUP, as when a kiosk's terminal goes away
    assert not _running(terminal.pid), "envlab did not exit on SIGHUP"
    assert ours(docker_client, terminal.pid) == []


def test_sigterm_mid_lesson_exits_and_removes_the_containers(terminal: Terminal,
                                                             docker_client: docker.DockerClient) -> None:
    start_a_run(terminal, docker_client)
    os.kill(terminal.pid, signal.SIGTERM)  # a kiosk shutting down
    deadline = time.monotonic() + PATIENCE
    while _running(terminal.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _running(terminal.pid), "envlab did not exit on SIGTERM"
    assert ours(docker_client, terminal.pid) == []


def test_fix_it_yourself_in_a_real_shell_then_verify(terminal: Terminal, docker_client: docker.DockerClient) -> None:
    terminal.wait_for("Docker is ready.", "OS version skew")  # the lessons load after the first paint
    terminal.keys("Enter")
    terminal.wait_for("Press r to run this setup.")
    terminal.keys("r")
    terminal.wait_for("Checks before your fix")
    terminal.keys("f")  # envlab steps aside; the terminal is a shell inside the production server
    terminal.wait_for("You are inside prod-server", "Edit a file with `nano FILE`", "root@prod-server:/#")

    fix_os_skew_in_the_shell(terminal)
    # ...and the guide moves on to the quiz.
    terminal.wait_for("Your fix works", "✓ The report runs on the production server", "Step 4 of 4")
    # The fixed server's pane runs its probe again: the report instead of the traceback.
    terminal.wait_until(lambda screen: "After your fix, prod-server" in screen
                        and "prod-server host · ✓ passed" in screen and "ModuleNotFoundError" not in screen,
                        "the fixed server's probe, passing")
    terminal.keys("C-q")
    deadline = time.monotonic() + PATIENCE
    while terminal.alive() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert ours(docker_client, terminal.pid) == []


def ours_anything(client: docker.DockerClient, pid: int) -> list[str]:
    """Containers and Swarm services envlab made from the process we started."""
    labels = ["io.envlab.managed=true", f"io.envlab.pid={pid}"]
    services: list[str] = []
    if _swarm(client):
        try:
            services = [s.name for s in client.services.list(filters={"label": labels})]
        except docker.errors.APIError:
            if _swarm(client):  # envlab may leave the swarm it made between the two calls
                raise
    return ours(client, pid) + services


def _swarm(client: docker.DockerClient) -> bool:
    return client.info().get("Swarm", {}).get("LocalNodeState") == "active"


def test_the_live_panel_follows_self_healing_on_a_real_swarm(terminal: Terminal,
                                                             docker_client: docker.DockerClient) -> None:
    terminal.wait_for("Docker is ready.", "Self-healing")
    terminal.keys("C-p")  # the command palette opens any lesson by name
    terminal.tmux("send-keys", "-t", "envlab", "-l", "Open lesson: Self-healing")
    terminal.wait_for("Open lesson: Self-healing: the orchestrator keeps the desired state")
    terminal.keys("Enter")
    terminal.wait_for("press r to start the services")
    terminal.keys("r")
    terminal.wait_for("web 3/3 up", "sessions 1/1 up", "balancer 1/1 up", "phase 1")  # the real replicas
    # They run on the lesson's server: a node container of this session on the host's engine.
    assert any(name.endswith("self-healing-cluster-node-1") for name in ours_anything(docker_client, terminal.pid))
    # Swarm replaced two crashed replicas and, in the third phase, a hung one: each slot shows a new
    # container (↻1), and the event log the hung replica failing its health check.
    screen = terminal.wait_for("phase 3: one-hangs", "● web-1 healthy ↻1", "● web-2 healthy ↻1",
                               "● web-3 healthy ↻1", "unhealthy", timeout=3 * PATIENCE)
    assert "req/s" in screen and "replicas" in screen and "of 3" in screen
    terminal.wait_for("topology · ✓ passed", "press f to change the running system yourself", timeout=3 * PATIENCE)
    terminal.keys("Escape")  # back home: the lesson's services and containers go
    terminal.wait_for("Chapter 5")
    deadline = time.monotonic() + PATIENCE
    while ours_anything(docker_client, terminal.pid) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert ours_anything(docker_client, terminal.pid) == []


def test_your_turn_in_the_console_of_a_lesson_s_own_server_is_measured_when_you_leave(
        terminal: Terminal, docker_client: docker.DockerClient) -> None:
    """Load balancing on a server of its own: once its phases have run, f opens the console (the docker CLI
    on that server's swarm, never a shell in the server); scaling web there and leaving the console makes
    envlab measure the sale's traffic over the four replicas, and the guide moves on to the quiz."""
    terminal.wait_for("Docker is ready.", "Load balancing")
    terminal.keys("C-p")
    terminal.tmux("send-keys", "-t", "envlab", "-l", "Open lesson: Load balancing")
    terminal.wait_for("Open lesson: Load balancing: spreading requests over replicas")
    terminal.keys("Enter")
    terminal.wait_for("press r to start the services")
    terminal.keys("r")
    terminal.wait_for("topology · ✓ passed", "press f to change the running system yourself", timeout=4 * PATIENCE)
    terminal.keys("f")
    terminal.wait_for("When you leave, envlab measures what you changed.", "docker service scale web=N", "root@console")
    typed(terminal, "docker service ls")
    terminal.wait_for("web", "2/2")  # the lesson's own names, the replicas the last phase left
    typed(terminal, "docker ps")  # the console reaches the swarm's services only, never a node's containers
    terminal.wait_for("the console may only")
    typed(terminal, "docker service scale web=4")
    terminal.wait_for("verify: Service converged", timeout=2 * PATIENCE)
    typed(terminal, "exit")
    terminal.wait_for("★ sale: your change works", "Step 4 of 4", timeout=2 * PATIENCE)
    terminal.keys("Escape")  # back home: the server, the console and everything on them go
    terminal.wait_for("Chapter 5")
    deadline = time.monotonic() + 2 * PATIENCE
    while ours(docker_client, terminal.pid) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert ours(docker_client, terminal.pid) == []
