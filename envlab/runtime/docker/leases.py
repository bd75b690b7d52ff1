"""Session leases on a real engine: a session is alive exactly while its lease container runs.

The lease container is tethered to this process (:mod:`envlab.runtime.docker.tether`): the engine closes
its input when the attaching connection goes, so it exits and is removed the moment the envlab process
ends — however it ends (Ctrl+C, SIGKILL, a power cut of a kiosk's container), in whatever PID namespace
or machine it ran, and whatever the clocks say. The orphan sweep then judges
liveness by asking the engine, not by pids, host names or wall clocks.
"""

from __future__ import annotations

import contextlib
import threading
from datetime import UTC, datetime
from typing import Any

import docker
import docker.errors

from envlab.errors import EnvlabError
from envlab.runtime.docker.errors import translating
from envlab.runtime.docker.tether import TETHERED_COMMAND, start_tethered
from envlab.runtime.labels import KIND, LEASE, MANAGED, SESSION, Session

#: Seconds a lease may stay created but not started (its process attaching and starting it) and count.
START_GRACE = 60

#: The lease needs only /bin/sh and cat; the first of these that is present runs it (every one is a
#: base of the built-in course, so one is there once the course is prepared).
LEASE_IMAGES = ("debian:bookworm-slim", "debian:bullseye-slim", "debian:trixie-slim")


class LeaseOps:
    """The :class:`~envlab.runtime.contract.Leases` part of :class:`~envlab.runtime.docker.DockerRuntime`."""

    client: docker.DockerClient
    api: docker.APIClient

    def _held(self) -> dict[str, tuple[str, Any, int]]:
        """Session id → (lease container, the attached socket, how many holds)."""
        held: dict[str, tuple[str, Any, int]] = self.__dict__.setdefault("_leases", {})
        return held

    def _lease_lock(self) -> threading.Lock:
        lock: threading.Lock = self.__dict__.setdefault("_lease_guard", threading.Lock())
        return lock

    def hold_lease(self, session: Session) -> bool:
        """Take one hold on ``session``'s lease, starting it with the first; return whether it has one."""
        with self._lease_lock():
            held = self._held().get(session.id)
            if held is not None:
                self._held()[session.id] = (held[0], held[1], held[2] + 1)
                return True
            image = self._lease_image()
            if image is None:
                return False
            labels = {**session.labels(), KIND: LEASE}
            with translating("starting this session's lease"):
                created = self.api.create_container(
                    image, command=TETHERED_COMMAND, name=f"envlab-{session.id}-lease",
                    labels=labels, stdin_open=True, network_disabled=True,  # not detached: StdinOnce
                    host_config=self.api.create_host_config(
                        network_mode="none", cap_drop=["ALL"], security_opt=["no-new-privileges:true"],
                        mem_limit="16m", memswap_limit="16m", pids_limit=8, init=True, auto_remove=True),
                )
                cid = str(created["Id"])
                sock = start_tethered(self.api, cid)
            self._held()[session.id] = (cid, sock, 1)
            return True

    def release_lease(self, session: Session) -> None:
        """Give one hold back; with the last, closing the connection ends the lease container."""
        with self._lease_lock():
            held = self._held().get(session.id)
            if held is None:
                return
            cid, sock, holds = held
            if holds > 1:
                self._held()[session.id] = (cid, sock, holds - 1)
                return
            del self._held()[session.id]
        with contextlib.suppress(OSError):
            sock.close()
        with contextlib.suppress(docker.errors.DockerException, EnvlabError):
            self.api.remove_container(cid, force=True)

    def live_sessions(self) -> set[str]:
        """The sessions whose lease runs, or is being started: between its creation and its start a lease
        is already listed with the session's resources, and a sweep must not take it for a dead one's. A
        lease still not started :data:`START_GRACE` seconds after its creation (by the engine's clock) was
        left by a process that died in between: that session is not alive."""
        with translating("asking which envlab sessions are alive"):
            found = self.api.containers(all=True, filters={"label": [f"{MANAGED}=true", f"{KIND}={LEASE}"],
                                                           "status": ["created", "running"]})
            if any(c.get("State") == "created" for c in found):
                now = _engine_seconds(str(self.api.info().get("SystemTime", "")))
                found = [c for c in found if c.get("State") != "created" or now is None
                         or now - int(c.get("Created") or 0) < START_GRACE]
        return {str((c.get("Labels") or {}).get(SESSION, "")) for c in found} - {""}

    def _lease_image(self) -> str | None:
        """A present image with /bin/sh and cat: a Debian base, else any image envlab built on one."""
        with translating("looking for an image to run this session's lease"):
            for image in LEASE_IMAGES:
                with contextlib.suppress(docker.errors.ImageNotFound):
                    self.api.inspect_image(image)
                    return image
            built = self.api.images(filters={"label": KIND})
        return str(built[0]["Id"]) if built else None


def _engine_seconds(stamp: str) -> int | None:
    """The engine's clock as it gives it (RFC 3339, nanoseconds), in seconds; ``None`` if it cannot be read."""
    try:
        return int(datetime.fromisoformat(stamp[:19]).replace(tzinfo=UTC).timestamp()
                   - _offset(stamp[19:]))
    except ValueError:
        return None


def _offset(rest: str) -> int:
    """Seconds east of UTC in the tail of an RFC 3339 stamp (``.123Z``, ``+09:00``)."""
    zone = rest.lstrip(".0123456789")
    if zone in ("", "Z"):
        return 0
    sign = 1 if zone[0] == "+" else -1
    hours, _, minutes = zone[1:].partition(":")
    return sign * (int(hours) * 3600 + int(minutes or 0) * 60)
