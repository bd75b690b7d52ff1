"""Claims on the engine's room, kept on the engine itself as empty, labelled volumes.

A volume costs the engine a folder and no process, carries labels, and its name is the engine's to
keep unique; every envlab process sharing the engine (other terminals, other PID namespaces, kiosks in
containers) lists the same claims, and a dead session's are swept with the rest of what it left.
"""

from __future__ import annotations

import os
import time

import docker

from envlab.runtime.contract import Reservation
from envlab.runtime.docker.errors import translating
from envlab.runtime.labels import KIND, LESSON, MANAGED, ROOM, ROOM_MEMORY, ROOM_ORDER, SESSION, Session


class RoomOps:
    """The :class:`~envlab.runtime.contract.Rooms` part of :class:`~envlab.runtime.docker.DockerRuntime`."""

    api: docker.APIClient

    def reserve_room(self, session: Session, lesson: str, memory: int) -> Reservation:
        name = f"envlab-{session.id}-{lesson}-room-{os.urandom(3).hex()}"
        # The engine dates a volume to the second only; within one second, the claimant's own clock in
        # nanoseconds orders claims (the same clock on one host, where a room's kiosks usually are).
        labels = {**session.labels(lesson=lesson), KIND: ROOM, ROOM_MEMORY: str(memory),
                  ROOM_ORDER: f"{time.time_ns():020d}"}
        with translating("claiming room on the engine for this run"):
            created = self.api.create_volume(name=name, driver="local", labels=labels)
        return _reservation(created) or Reservation(name, session.id, lesson, memory, ("", name))

    def reservations(self) -> list[Reservation]:
        with translating("asking the engine which runs claim its room"):
            found = self.api.volumes(filters={"label": [f"{MANAGED}=true", f"{KIND}={ROOM}"]}).get("Volumes") or []
        claims = [claim for volume in found if (claim := _reservation(volume)) is not None]
        return sorted(claims, key=lambda claim: claim.order)


def _reservation(volume: dict[str, object]) -> Reservation | None:
    """The claim a volume records, or ``None`` when its labels are not a claim's."""
    labels = volume.get("Labels") or {}
    assert isinstance(labels, dict)
    memory = str(labels.get(ROOM_MEMORY, ""))
    if not memory.isdigit():
        return None
    name = str(volume.get("Name", ""))
    # The engine writes CreatedAt as RFC 3339 in its own clock and zone: the same text for every reader.
    return Reservation(name, str(labels.get(SESSION, "")), str(labels.get(LESSON, "")), int(memory),
                       (str(volume.get("CreatedAt", "")), f"{labels.get(ROOM_ORDER, '')}:{name}"))
