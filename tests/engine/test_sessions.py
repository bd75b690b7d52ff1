"""Sessions that share one engine survive each other: liveness is a lease the engine holds, not a pid.

A session is alive while its process keeps the lease's connection open; a sweep or a clean from any
other session, in any PID namespace, never removes a live session's resources.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys

import docker
import pytest

from envlab.runtime.cleanup import sweep_dead_sessions
from envlab.runtime.contract import ContainerSpec, wait_for
from envlab.runtime.docker import DockerRuntime
from envlab.runtime.labels import KIND, LEASE, SESSION, Session
from tests.helpers import REPO, envlab

pytestmark = pytest.mark.engine


def leases(client: docker.DockerClient, session: str) -> list[str]:
    wanted = [f"{SESSION}={session}", f"{KIND}={LEASE}"]
    return [c["Id"] for c in client.api.containers(filters={"label": wanted})]


def idle(runtime: DockerRuntime, session: Session, name: str) -> str:
    return runtime.start(ContainerSpec(name=f"envlab-{session.id}-{name}", image="debian:bookworm-slim",
                                       labels=session.labels(lesson="sessions-test", setup=name), hostname=name,
                                       command=["sleep", "infinity"]))


def test_a_live_session_is_spared_and_an_ended_one_is_swept(runtime: DockerRuntime,
                                                             docker_client: docker.DockerClient) -> None:
    alive, ended, sweeper = Session(), Session(), Session()
    try:
        assert runtime.hold_lease(alive) and runtime.hold_lease(ended)
        assert {alive.id, ended.id} <= runtime.live_sessions()
        kept, gone = idle(runtime, alive, "kept"), idle(runtime, ended, "gone")
        runtime.release_lease(ended)  # its process ended
        assert wait_for(lambda: not leases(docker_client, ended.id), timeout=20)
        removal = sweep_dead_sessions(runtime, sweeper)
        assert gone in {r.id for r in removal.removed}
        assert kept not in {r.id for r in removal.removed}
        assert docker_client.api.inspect_container(kept)["State"]["Running"]
    finally:
        runtime.release_lease(alive)
        for session in (alive, ended):
            for resource in runtime.list_resources({SESSION: session.id}):
                runtime.remove(resource)


def test_a_lease_being_started_is_not_swept(runtime: DockerRuntime, docker_client: docker.DockerClient) -> None:
    """Between a lease's creation and its start another process's sweep may list it: it must see a
    session being born, not a dead one (else that session's first containers die as it starts them)."""
    starting = Session()
    created = docker_client.api.create_container(
        "debian:bookworm-slim", command=["true"], name=f"envlab-{starting.id}-lease",
        labels={**starting.labels(), KIND: LEASE},
        host_config=docker_client.api.create_host_config(network_mode="none"))
    try:
        assert starting.id in runtime.live_sessions()
        removal = sweep_dead_sessions(runtime, Session())
        assert created["Id"] not in {r.id for r in removal.removed}
        assert docker_client.api.inspect_container(created["Id"])["State"]["Status"] == "created"
    finally:
        docker_client.api.remove_container(created["Id"], force=True)


def test_a_lease_never_started_stops_counting_after_its_grace(runtime: DockerRuntime,
                                                             docker_client: docker.DockerClient,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """A process that died between creating its lease and starting it left a lease that never runs: once
    the grace is over (by the engine's clock), that session is dead and a sweep takes what it left."""
    import envlab.runtime.docker.leases as leases_module

    never = Session()
    created = docker_client.api.create_container(
        "debian:bookworm-slim", command=["true"], name=f"envlab-{never.id}-lease",
        labels={**never.labels(), KIND: LEASE}, host_config=docker_client.api.create_host_config(network_mode="none"))
    try:
        assert never.id in runtime.live_sessions()
        monkeypatch.setattr(leases_module, "START_GRACE", -1)  # as if its grace were long over
        assert never.id not in runtime.live_sessions()
        removal = sweep_dead_sessions(runtime, Session())
        assert created["Id"] in {r.id for r in removal.removed}
    finally:
        with contextlib.suppress(docker.errors.NotFound):
            docker_client.api.remove_container(created["Id"], force=True)


def test_a_killed_process_loses_its_lease_at_once(docker_client: docker.DockerClient) -> None:
    code = ("import sys, time\n"
            "from envlab.runtime.docker import open_runtime\n"
            "from envlab.runtime.labels import Session\n"
            "s = Session(); open_runtime(s, sweep=False); print(s.id, flush=True); time.sleep(600)\n")
    process = subprocess.Popen([sys.executable, "-c", code], cwd=REPO, text=True, stdout=subprocess.PIPE)
    try:
        assert process.stdout is not None
        session = process.stdout.readline().strip()
        assert leases(docker_client, session), "the process holds a lease while it lives"
    finally:
        process.kill()  # SIGKILL: no chance to give the lease back
        process.wait(timeout=30)
    assert wait_for(lambda: not leases(docker_client, session), timeout=20), "the engine saw the connection go"


@pytest.mark.skipif(shutil.which("unshare") is None, reason="needs unshare (util-linux)")
def test_a_run_in_another_pid_namespace_survives_a_sweep_from_here(runtime: DockerRuntime,
                                                                   docker_client: docker.DockerClient) -> None:
    """The namespaced run's pid label means nothing here; its lease says it is alive."""
    command = ["unshare", "--pid", "--fork", "--mount-proc", sys.executable, "-m", "envlab", "run", "os-skew"]
    process = subprocess.Popen(command, cwd=REPO, text=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        def its_containers() -> list[str]:
            wanted = {"label": ["io.envlab.managed=true", "io.envlab.lesson=os-skew", "io.envlab.pid=1"]}
            return [c["Id"] for c in docker_client.api.containers(filters=wanted)]

        assert wait_for(lambda: bool(its_containers()), timeout=60), "the namespaced run started"
        removal = sweep_dead_sessions(runtime, Session())
        assert not set(its_containers()) & {r.id for r in removal.removed}
        _, stderr = process.communicate(timeout=300)
        assert process.returncode == 0, stderr
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)


def test_clean_keeps_a_live_session_unless_told_and_says_whose(runtime: DockerRuntime,
                                                                docker_client: docker.DockerClient) -> None:
    alive = Session()
    try:
        runtime.hold_lease(alive)
        container = idle(runtime, alive, "busy")
        kept = envlab("clean")  # no terminal to ask: a live session is kept
        assert kept.returncode == 0, kept.stderr
        assert f"kept the 1 resource(s) of live session {alive.id}" in kept.stdout
        assert f"{alive.hostname}, pid {alive.pid}" in kept.stdout
        assert docker_client.api.inspect_container(container)["State"]["Running"]
        removed = envlab("clean", "--yes")
        assert removed.returncode == 0, removed.stderr
        assert f"removed container envlab-{alive.id}-busy" in removed.stdout
        assert leases(docker_client, alive.id), "the live session's own lease ends with it, not with a clean"
    finally:
        runtime.release_lease(alive)
        for resource in runtime.list_resources({SESSION: alive.id}):
            runtime.remove(resource)
