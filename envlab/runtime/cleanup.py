"""Find and remove what envlab left on the engine: what dead sessions left, or a chosen session's."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from envlab.errors import EnvlabError
from envlab.runtime.contract import Resource, Runtime
from envlab.runtime.labels import HOSTNAME, KIND, LEASE, LESSON, PID, SESSION, STARTED, Session

# Services first (they would restart their containers), then containers: they hold the rest.
_ORDER = {"service": 0, "container": 1, "network": 2, "volume": 3}


@dataclass
class Removal:
    """What a clean-up removed, and what it could not."""

    removed: list[Resource] = field(default_factory=list)
    failed: list[tuple[Resource, str]] = field(default_factory=list)


def remove_all(runtime: Runtime, resources: list[Resource]) -> Removal:
    """Remove ``resources``: Swarm services first, then containers (in parallel: each stop takes a
    while), then the networks and volumes they held. Keeps going past failures."""
    removal = Removal()

    def remove(resource: Resource) -> None:
        try:
            runtime.remove(resource)
            removal.removed.append(resource)
        except EnvlabError as exc:
            removal.failed.append((resource, exc.message))

    for service in (r for r in resources if r.kind == "service"):
        remove(service)
    containers = [r for r in resources if r.kind == "container"]
    if containers:
        with ThreadPoolExecutor(max_workers=min(8, len(containers))) as pool:
            list(pool.map(remove, containers))
    rest = (r for r in resources if r.kind not in ("service", "container"))
    for resource in sorted(rest, key=lambda r: _ORDER.get(r.kind, 9)):
        remove(resource)
    return removal


def sweep_dead_sessions(runtime: Runtime, me: Session) -> Removal:
    """Remove what sessions without a lease left (crashed, killed or powered-off runs), wherever
    they ran; a live session's resources are never touched."""
    # What exists first, then who is alive: a session takes its lease before it creates anything, so
    # whatever was listed belongs to a session that the later look at the leases sees alive, unless it
    # has truly ended. (The other order would take a run that started in between for a dead one.)
    found = runtime.list_resources()
    live = runtime.live_sessions() | {me.id}
    return remove_all(runtime, [r for r in found if r.labels.get(SESSION) not in live])


@dataclass
class SessionResources:
    """Everything one session has on the engine, and who it is."""

    session: str
    live: bool
    resources: list[Resource] = field(default_factory=list)

    @property
    def owner(self) -> str:
        """Whose it is, as its labels say: host, pid and when it started."""
        labels = self.resources[0].labels if self.resources else {}
        started = labels.get(STARTED, "")
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(int(started))) if started.isdigit() else "?"
        return f"{labels.get(HOSTNAME, '?')}, pid {labels.get(PID, '?')}, since {when}"

    @property
    def lessons(self) -> list[str]:
        return sorted({r.labels[LESSON] for r in self.resources if r.labels.get(LESSON)})

    @property
    def removable(self) -> list[Resource]:
        """What a clean removes: all of it but the lease of a live session (which ends with it)."""
        return [r for r in self.resources if not (self.live and r.labels.get(KIND) == LEASE)]


def by_session(runtime: Runtime) -> list[SessionResources]:
    """Every session with resources on the engine, live ones first, each with what it has."""
    resources = runtime.list_resources()
    live = runtime.live_sessions()  # after the listing, as in :func:`sweep_dead_sessions`
    found: dict[str, SessionResources] = {}
    for resource in resources:
        session = resource.labels.get(SESSION, "")
        found.setdefault(session, SessionResources(session, session in live)).resources.append(resource)
    return sorted(found.values(), key=lambda s: (not s.live, s.session))
