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
KIND = "io.envlab.kind"  # on images: "base", "host" or "fix"; on a lease container "lease"; on a claim "room";
#                           on a cluster's nodes "node", on its registry "registry"
LEASE = "lease"
ROOM = "room"  # the kind of a run's claim on the engine's room (an empty volume)
ROOM_MEMORY = "io.envlab.room-memory"  # on a claim: the bytes it claims
ROOM_ORDER = "io.envlab.room-order"  # on a claim: when its claimant made it, in nanoseconds (ties within a second)
SERVICE = "io.envlab.service"  # on replicas: the service they belong to
REPLICA = "io.envlab.replica"  # on plain replicas: the replica's host name (web-2)
#: On the swarm's spec: envlab initialized this swarm, so it may leave it again.
SWARM_CREATED = "io.envlab.swarm-created"
CLUSTER = "io.envlab.cluster"  # on a cluster's nodes, registry, network and volumes: the cluster's name
NODE = "io.envlab.node"  # on a node's container and volume: the node's name in its cluster
ROLE = "io.envlab.role"  # on a node's container: manager or worker
NODE_KIND = "node"  # the kind of a cluster node's container and of its volume
REGISTRY_KIND = "registry"  # the kind of the registry beside a cluster
GWBRIDGE_CREATED = "io.envlab.gwbridge-created"


@dataclass(frozen=True)
class Session:
    """One envlab process; everything it creates carries its labels so it can be swept later.

    Whether a session is alive is its lease's business (:class:`envlab.runtime.contract.Leases`); the
    pid, host name and start time on its labels only tell people whose resources they are.
    """

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
