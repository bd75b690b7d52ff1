"""Find and remove what envlab left on the engine: everything (`envlab clean`) or dead sessions."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from envlab.errors import EnvlabError
from envlab.runtime.contract import Resource, Runtime
from envlab.runtime.labels import Session, session_is_dead

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
    """Remove resources of envlab processes on this machine that are gone (crashed or killed runs)."""
    dead = [r for r in runtime.list_resources() if session_is_dead(r.labels, me=me)]
    return remove_all(runtime, dead)


def clean_everything(runtime: Runtime) -> Removal:
    """Remove every envlab-labelled container, network and volume, whoever made it."""
    return remove_all(runtime, runtime.list_resources())
