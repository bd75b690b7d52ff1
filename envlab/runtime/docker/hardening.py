"""The hardening every envlab container gets, written once: setups, plain replicas and balancers alike."""

from __future__ import annotations

from typing import Any

import docker

from envlab.runtime.contract import NS, ContainerSpec


def container_kwargs(spec: ContainerSpec, api: docker.APIClient) -> dict[str, Any]:
    """``containers.create`` arguments for ``spec``: every capability dropped but the ones it gives back,
    no new privileges, memory (without swap), CPU and process limits, an init process, and either no
    network or one network with ports published on 127.0.0.1 only."""
    kwargs: dict[str, Any] = {
        "name": spec.name,
        "hostname": spec.hostname,
        "labels": spec.labels,
        "environment": spec.env,
        "cap_drop": ["ALL"],
        "cap_add": spec.cap_add or None,
        "security_opt": ["no-new-privileges:true"],
        "privileged": False,
        "pids_limit": spec.pids,
        "mem_limit": spec.memory,
        "memswap_limit": spec.memory,
        "nano_cpus": int(spec.cpus * NS),
        "init": True,
        "detach": True,
        "stop_signal": "SIGTERM",
    }
    if spec.command is not None:
        kwargs["command"] = spec.command
    if spec.network:
        kwargs["network"] = spec.network
        kwargs["ports"] = {f"{p}/tcp": ("127.0.0.1", None) for p in spec.ports}
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
