"""The hardening every envlab container gets, written once: setups, plain replicas and balancers alike."""

from __future__ import annotations

from typing import Any

import docker

from envlab.errors import EnvlabError
from envlab.policy import CPUS_MAX, CPUS_MIN, MEMORY_MAX, MEMORY_MIN, PIDS_MAX, PIDS_MIN, capability, memory_bytes
from envlab.runtime.bounds import DISK_BYTES, DISK_LABEL, file_size_limit
from envlab.runtime.contract import NS, ContainerSpec


def disk_ulimits(disk: int = DISK_BYTES) -> list[dict[str, Any]]:
    """The engine's ``Ulimits`` for a container bounded at ``disk`` bytes: no file past half of it, and
    no core dumps (a crashing lesson process must not write one into its layer, or hand one to the
    host's core handler). A Swarm task's ``ContainerSpec`` takes the same list (API 1.41)."""
    fsize = file_size_limit(disk)
    return [{"Name": "fsize", "Soft": fsize, "Hard": fsize}, {"Name": "core", "Soft": 0, "Hard": 0}]


def _within_policy(spec: ContainerSpec) -> None:
    """Refuse what no container may have, whatever let it through (validation is the first line; this
    is the last, at the engine's door): a capability past the allowlist, memory outside its bounds
    (``0`` would mean no limit), CPUs or processes past their ceilings."""
    try:
        for name in spec.cap_add:
            capability(name)
        memory = memory_bytes(spec.memory)
    except ValueError as exc:
        raise EnvlabError(f"{spec.name}: {exc}",
                          hint="the lesson asks for more than envlab gives a container") from None
    if not MEMORY_MIN <= memory <= MEMORY_MAX or not CPUS_MIN <= spec.cpus <= CPUS_MAX \
            or not PIDS_MIN <= spec.pids <= PIDS_MAX:
        raise EnvlabError(f"{spec.name}: memory {spec.memory}, {spec.cpus:g} CPUs and {spec.pids} processes are "
                          "outside what envlab gives a container", hint="see docs/authoring.md, What a lesson may do")


def container_kwargs(spec: ContainerSpec, api: docker.APIClient, *, on_node: bool = False) -> dict[str, Any]:
    """``containers.create`` arguments for ``spec``: every capability dropped but the ones it gives back,
    no new privileges, memory (without swap), CPU and process limits, a disk bound, no core dumps, an
    init process, and either no network or one network with ports published on 127.0.0.1 only (``on_node``:
    on the same port of a cluster's node, which the node publishes on the host's loopback in turn).

    The disk bound has two halves: the kernel stops any single file at half of it (``fsize``, which
    every process inherits, ``docker exec`` shells included, and which root cannot raise without
    ``SYS_RESOURCE``), and :class:`~envlab.runtime.docker.watchdog.DiskWatchdog` stops the container
    when its writable layer passes the whole bound, which it reads from the container's label."""
    disk = DISK_BYTES  # ContainerSpec has no disk field yet: every container gets the default bound
    _within_policy(spec)
    kwargs: dict[str, Any] = {
        "name": spec.name,
        "hostname": spec.hostname,
        "labels": {**spec.labels, DISK_LABEL: str(disk)},
        "environment": spec.env,
        "cap_drop": ["ALL"],
        "cap_add": [capability(name) for name in spec.cap_add] or None,
        "security_opt": ["no-new-privileges:true"],
        "privileged": False,
        "pids_limit": spec.pids,
        "mem_limit": spec.memory,
        "memswap_limit": spec.memory,
        "nano_cpus": int(spec.cpus * NS),
        "ulimits": disk_ulimits(disk),
        "init": True,
        "detach": True,
        "stop_signal": "SIGTERM",
    }
    if spec.command is not None:
        kwargs["command"] = spec.command
    if spec.network:
        kwargs["network"] = spec.network
        kwargs["ports"] = {f"{p}/tcp": ("0.0.0.0", p) if on_node else ("127.0.0.1", None) for p in spec.ports}
        if spec.aliases:
            kwargs["networking_config"] = {spec.network: api.create_endpoint_config(aliases=spec.aliases)}
    else:
        kwargs["network_mode"] = "none"
    if spec.restart != "no":
        kwargs["restart_policy"] = {"Name": spec.restart}
    if spec.health is not None:
        health = spec.health.docker()
        kwargs["healthcheck"] = {"test": health["Test"], "interval": health["Interval"],
                                 "timeout": health["Timeout"], "retries": health["Retries"],
                                 "start_period": health["StartPeriod"]}
    return kwargs
