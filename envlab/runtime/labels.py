"""Labels that mark what envlab owns, and the identity of one envlab process (a session)."""

from __future__ import annotations

import os
import socket
import time
from dataclasses import dataclass, field

MANAGED = "io.envlab.managed"
SESSION = "io.envlab.session"
LESSON = "io.envlab.lesson"
SETUP = "io.envlab.setup"
PID = "io.envlab.pid"
HOSTNAME = "io.envlab.hostname"
STARTED = "io.envlab.started"
KIND = "io.envlab.kind"  # on images: "base", "host" or "fix"
SERVICE = "io.envlab.service"  # on replicas: the service they belong to
REPLICA = "io.envlab.replica"  # on plain replicas: the replica's host name (web-2)
#: On the swarm's spec: envlab initialized this swarm, so it may leave it again.
SWARM_CREATED = "io.envlab.swarm-created"
GWBRIDGE_CREATED = "io.envlab.gwbridge-created"


@dataclass(frozen=True)
class Session:
    """One envlab process; everything it creates carries its labels so it can be swept later."""

    id: str = field(default_factory=lambda: os.urandom(6).hex())  # 48 random bits, as 12 hex digits
    pid: int = field(default_factory=os.getpid)
    hostname: str = field(default_factory=socket.gethostname)
    started: int = field(default_factory=lambda: int(time.time()))

    def labels(self, *, lesson: str = "", setup: str = "") -> dict[str, str]:
        """Labels for a container, network or volume this session creates."""
        labels = {
            MANAGED: "true",
            SESSION: self.id,
            PID: str(self.pid),
            HOSTNAME: self.hostname,
            STARTED: str(self.started),
        }
        if lesson:
            labels[LESSON] = lesson
        if setup:
            labels[SETUP] = setup
        return labels


def process_alive(pid: int) -> bool:
    """Whether a process with ``pid`` exists on this machine."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, it is just not ours
    return True


def session_is_dead(labels: dict[str, str], *, me: Session) -> bool:
    """A resource belongs to a dead session when its process on this machine is gone.

    Resources made on another machine sharing the engine are left alone: we cannot see its processes.
    """
    if labels.get(SESSION) == me.id or labels.get(HOSTNAME) != me.hostname:
        return False
    try:
        pid = int(labels.get(PID, ""))
    except ValueError:
        return True
    if not process_alive(pid):
        return True
    # The pid may have been reused since: a process started after the resource cannot own it.
    proc_start = process_start_time(pid)
    try:
        started = int(labels.get(STARTED, "0"))
    except ValueError:
        return False
    return proc_start is not None and proc_start > started + 5


def process_start_time(pid: int) -> float | None:
    """When ``pid`` started, in seconds since the epoch (Linux ``/proc``), or ``None`` if unknown."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            # The command name (field 2) may hold spaces; fields after its closing paren are fixed.
            fields = stat.read().rsplit(")", 1)[1].split()
        with open("/proc/stat", encoding="ascii") as system:
            boot = next(float(line.split()[1]) for line in system if line.startswith("btime"))
        return boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return None
