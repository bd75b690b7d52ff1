"""Find and remove what envlab left on the engine: everything (`envlab clean`) or dead sessions."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from envlab.errors import EnvlabError
from envlab.runtime.labels import Session, session_is_dead
from envlab.runtime.protocol import Resource, Runtime

_ORDER = {"container": 0, "network": 1, "volume": 2}  # containers first: they hold the others


@dataclass
class Removal:
    """What a clean-up removed, and what it could not."""

    removed: list[Resource] = field(default_factory=list)
    failed: list[tuple[Resource, str]] = field(default_factory=list)


def remove_all(runtime: Runtime, resources: list[Resource]) -> Removal:
    """Remove ``resources``: containers first (in parallel: each stop takes a while), then the
    networks and volumes they held. Keeps going past failures."""
    removal = Removal()

    def remove(resource: Resource) -> None:
        try:
            runtime.remove(resource)
            removal.removed.append(resource)
        except EnvlabError as exc:
            removal.failed.append((resource, exc.message))

    containers = [r for r in resources if r.kind == "container"]
    if containers:
        with ThreadPoolExecutor(max_workers=min(8, len(containers))) as pool:
            list(pool.map(remove, containers))
    for resource in sorted((r for r in resources if r.kind != "container"), key=lambda r: _ORDER.get(r.kind, 9)):
        remove(resource)
    return removal


def sweep_dead_sessions(runtime: Runtime, me: Session) -> Removal:
    """Remove resources of envlab processes on this machine that are gone (crashed or killed runs)."""
    dead = [r for r in runtime.list_resources() if session_is_dead(r.labels, me=me)]
    return remove_all(runtime, dead)


def clean_everything(runtime: Runtime) -> Removal:
    """Remove every envlab-labelled container, network and volume, whoever made it."""
    return remove_all(runtime, runtime.list_resources())
