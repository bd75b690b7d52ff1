"""Kiosk mode end to end: `envlab kiosk` in tmux on the real engine, driven by send-keys."""

from __future__ import annotations

import os
import shlex
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from envlab.engine.progress import ProgressStore
from envlab.kiosk.pin import hash_pin
from tests.e2e.test_tui_tmux import PATIENCE, Terminal, _running, ours, require_tmux
from tests.helpers import envlab

pytestmark = pytest.mark.engine

PIN = "2468"
IDLE, COUNTDOWN = 5, 3


def start_kiosk(folder: Path) -> Terminal:
    """`envlab kiosk` with a 5 s idle timeout, offering chapter 1, in a tmux window of its own; its file
    and data folder in ``folder``."""
    require_tmux()
    config = folder / "kiosk.toml"
    config.write_text(f'idle_timeout = {IDLE}\ncountdown = {COUNTDOWN}\nchapters = [1]\n'
                      f'languages = ["en"]\npin_hash = "{hash_pin(PIN)}"\n')
    return Terminal(folder / "data", shell=f"exec {shlex.quote(sys.executable)} -m envlab kiosk "
                                           f"{shlex.quote(str(config))}")


@pytest.fixture
def kiosk(tmp_path: Path, docker_client: docker.DockerClient) -> Iterator[Terminal]:
    term = start_kiosk(tmp_path)
    try:
        yield term
    finally:
        term.close()


def run_first_lesson(kiosk: Terminal, name: str) -> None:
    """Start as ``name``, open the first lesson and run it, as a learner at the kiosk would."""
    kiosk.wait_for("Welcome to envlab", "Ready.")
    type_in(kiosk, name)
    attended(kiosk, "Docker is ready.", "○ OS version skew", f"Hello, {name}")
    kiosk.keys("Enter")
    attended(kiosk, "Press r to run this setup.")
    kiosk.keys("r")
    attended(kiosk, "prod-server host · ✓ failed as expected", "Checks before your fix")


def type_in(terminal: Terminal, text: str) -> None:
    terminal.tmux("send-keys", "-t", "envlab", "-l", text)
    terminal.keys("Enter")


def attended(terminal: Terminal, *texts: str) -> str:
    """Wait for ``texts`` as a learner at the kiosk would, pressing a key that does nothing (F5) now and
    then, so the 5 s idle timeout does not end the session while the engine works."""
    deadline = time.monotonic() + PATIENCE
    while True:
        screen = terminal.screen()
        if all(text in screen for text in texts):
            return screen
        assert time.monotonic() < deadline, f"{texts} never appeared; the screen shows:\n{screen}"
        terminal.keys("F5")
        time.sleep(0.5)


def listed(client: docker.DockerClient, pid: int) -> list[str]:
    """Like ``ours``, in one call that a container removed meanwhile cannot fail (``containers.list``
    inspects each container it found, so a sweep under way makes it fail)."""
    labels = ["io.envlab.managed=true", f"io.envlab.pid={pid}", "io.envlab.lesson"]
    return [c["Names"][0] for c in client.api.containers(all=True, filters={"label": labels})]


def stopped(pid: int) -> bool:
    """Whether the process is stopped (as Ctrl+Z or SIGTSTP would leave it)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] in ("T", "t")


def wait_gone(terminal: Terminal) -> None:
    deadline = time.monotonic() + PATIENCE
    while _running(terminal.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _running(terminal.pid), f"envlab did not quit:\n{terminal.screen()}"


def test_idle_tears_the_learners_lesson_down_and_the_next_learner_starts_afresh(
        kiosk: Terminal, docker_client: docker.DockerClient, tmp_path: Path) -> None:
    run_first_lesson(kiosk, "Ada")
    assert len(ours(docker_client, kiosk.pid)) == 3, "the setups stay up for the learner"

    # Nobody touches the kiosk from here on.
    kiosk.wait_for("Still there?", timeout=IDLE + PATIENCE)
    kiosk.wait_for("Welcome to envlab", "Ready.", timeout=COUNTDOWN + PATIENCE)
    assert ours(docker_client, kiosk.pid) == [], "the learner's containers are gone"
    mine = ["io.envlab.managed=true", f"io.envlab.pid={kiosk.pid}"]
    left = [c["Names"][0] for c in docker_client.api.containers(all=True, filters={"label": mine})
            if (c.get("Labels") or {}).get("io.envlab.kind") != "lease"]
    assert left == [], "nothing of the session's but its lease"
    assert _running(kiosk.pid)

    type_in(kiosk, "Grace")
    attended(kiosk, "Hello, Grace", "○ OS version skew", "0/")
    store = ProgressStore(tmp_path / "data" / "progress.sqlite3", read_only=True)
    assert "run" in store.all("Ada")["os-skew"].steps_done, "Ada's progress is kept"
    assert store.all("Grace") == {}, "Grace starts afresh"


def test_no_key_or_signal_leaves_the_kiosk_and_the_pin_quits_it(kiosk: Terminal,
                                                                docker_client: docker.DockerClient) -> None:
    kiosk.wait_for("Welcome to envlab", "Ready.")
    type_in(kiosk, "Ada")
    attended(kiosk, "Docker is ready.", "Hello, Ada")
    for round_ in range(2):
        kiosk.keys("C-c", "C-z", "C-\\", "C-q", "q", "C-p", "F4", "F10", "F12")
        if round_:  # and the signals those keys would send, should a terminal send them
            for sig in (signal.SIGINT, signal.SIGTSTP, signal.SIGQUIT):
                os.kill(kiosk.pid, sig)
        kiosk.keys("F1")  # keys are read in order: once help is up, every key above was
        attended(kiosk, "Preparing images")  # a heading of the help
        assert _running(kiosk.pid) and not stopped(kiosk.pid)
        kiosk.keys("Escape")
        attended(kiosk, "Chapter 1")
    assert "Search for commands" not in kiosk.screen(), "no command palette"

    kiosk.keys("C-o")
    attended(kiosk, "The operator's PIN:")
    type_in(kiosk, "1111")
    attended(kiosk, "Wrong PIN.")
    assert "1111" not in kiosk.screen(), "the PIN is not shown"
    type_in(kiosk, PIN)
    attended(kiosk, "Quit envlab (q)")
    kiosk.keys("q")
    wait_gone(kiosk)
    lease = ["io.envlab.managed=true", f"io.envlab.pid={kiosk.pid}", "io.envlab.kind=lease"]
    assert docker_client.containers.list(all=True, filters={"label": lease}) == [], "its lease ended with it"


def test_after_a_crash_the_next_start_sweeps_what_was_left_and_shows_the_start_screen(
        tmp_path: Path, docker_client: docker.DockerClient) -> None:
    crashed = start_kiosk(tmp_path)
    try:
        run_first_lesson(crashed, "Ada")
        os.kill(crashed.pid, signal.SIGKILL)  # as a power cut would leave it: no teardown at all
        wait_gone(crashed)
        assert len(ours(docker_client, crashed.pid)) == 3, "nothing removed the learner's containers"
    finally:
        crashed.close()
    again = start_kiosk(tmp_path)
    try:
        again.wait_for("Welcome to envlab", "Ready.")
        deadline = time.monotonic() + PATIENCE
        while listed(docker_client, crashed.pid) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert listed(docker_client, crashed.pid) == [], "the next start swept what the crash left"
        assert _running(again.pid) and "Welcome to envlab" in again.screen()
    finally:
        again.close()


def test_the_days_report_over_two_kiosks_lists_both_learners(tmp_path: Path,
                                                             docker_client: docker.DockerClient) -> None:
    """Two kiosks on one engine, a learner at each; the operator exports every profile of each kiosk
    and one report over both exports has both learners, with the lesson each of them ran."""
    kiosks = []
    try:
        for seat, name in (("kiosk-1", "Ada"), ("kiosk-2", "Grace")):
            (tmp_path / seat).mkdir()
            kiosks.append(start_kiosk(tmp_path / seat))
            run_first_lesson(kiosks[-1], name)
    finally:
        for kiosk in kiosks:
            kiosk.close()
    assert [ours(docker_client, kiosk.pid) for kiosk in kiosks] == [[], []]
    exports = tmp_path / "exports"
    exports.mkdir()
    for seat in ("kiosk-1", "kiosk-2"):
        data = {"ENVLAB_DATA_DIR": str(tmp_path / seat / "data")}
        done = envlab("progress", "export", "--all", str(exports), env=data)
        assert done.returncode == 0, done.stdout + done.stderr
    assert len(list(exports.iterdir())) == 2, "one file per kiosk"
    report = envlab("progress", "report", str(exports), "--csv", str(tmp_path / "day.csv"))
    assert report.returncode == 0, report.stdout + report.stderr
    assert "Ada" in report.stdout and "Grace" in report.stdout, report.stdout
    rows = (tmp_path / "day.csv").read_text(encoding="utf-8").splitlines()
    learners = {row.split(",")[0] for row in rows[1:] if ",os-skew," in row}
    assert {"Ada", "Grace"} <= learners, rows
