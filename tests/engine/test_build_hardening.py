"""Builds on the real engine are hardened like containers: no network for a lesson's own RUN, memory and
CPU limits, no implicit pull of a missing FROM, and no build that waits forever."""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
import uuid
from collections.abc import Iterator

import pytest

from envlab.engine.images import fix_need
from envlab.errors import ImageMissing
from envlab.lessons.catalog import load_checked
from envlab.runtime.contract import wait_for
from envlab.runtime.docker import BuildFailed, DockerRuntime
from envlab.runtime.docker import builds as docker_builds
from tests.helpers import FIXTURES

pytestmark = pytest.mark.engine
BASE = "debian:bookworm-slim"
TAG = "envlab-test-hardening:latest"


@pytest.fixture
def tag(runtime: DockerRuntime) -> Iterator[str]:
    """The tag the test builds; removed afterwards."""
    yield TAG
    if runtime.image_present(TAG):
        runtime.client.images.remove(TAG, force=True)


@pytest.fixture
def listener() -> Iterator[tuple[int, threading.Event]]:
    """A TCP port on this machine, and an event set when anything connects to it."""
    server = socket.socket()
    server.bind(("0.0.0.0", 0))
    server.listen(4)
    server.settimeout(0.2)
    reached, stop = threading.Event(), threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except OSError:
                continue
            reached.set()
            connection.close()

    worker = threading.Thread(target=accept, daemon=True)
    worker.start()
    yield server.getsockname()[1], reached
    stop.set()
    worker.join(timeout=5)
    server.close()


def gateway(runtime: DockerRuntime) -> str:
    """This machine as the default bridge network's containers reach it."""
    config = runtime.api.inspect_network("bridge")["IPAM"]["Config"][0]
    return str(config.get("Gateway") or next(ipaddress.ip_network(config["Subnet"]).hosts()))


def test_a_lesson_build_has_no_network_and_envlabs_package_step_has(
        runtime: DockerRuntime, tag: str, listener: tuple[int, threading.Event]) -> None:
    port, reached = listener

    nonce = uuid.uuid4().hex  # no step of an earlier run comes from the cache (a cached step prints nothing)

    def dockerfile(run: str) -> str:
        return (f"FROM {BASE}\nRUN echo {run} interfaces: $(ls /sys/class/net) # {nonce}\n"
                f"RUN bash -c 'echo > /dev/tcp/{gateway(runtime)}/{port}' && echo {run} reached-the-host\n")

    lines: list[str] = []
    with pytest.raises(BuildFailed):
        runtime.build_image(context=[], dockerfile=dockerfile("lesson"), tag=tag, labels={}, on_line=lines.append)
    assert "lesson interfaces: lo" in lines and "lesson reached-the-host" not in lines
    assert not reached.is_set()
    # The same build as envlab's own package step: the network is there, so the test above can fail.
    lines.clear()
    runtime.build_image(context=[], dockerfile=dockerfile("package-step"), tag=tag, labels={}, on_line=lines.append,
                        network=True)
    assert "package-step reached-the-host" in lines and reached.is_set()
    assert any(line.startswith("package-step interfaces: ") and "eth0" in line for line in lines)


def test_a_build_has_memory_and_cpu_limits(runtime: DockerRuntime, tag: str) -> None:
    cgroup = "/sys/fs/cgroup"
    dockerfile = (f"FROM {BASE}\nRUN echo memory=$(cat {cgroup}/memory/memory.limit_in_bytes)"
                  f" shares=$(cat {cgroup}/cpu/cpu.shares) cpus=$(cat {cgroup}/cpuset/cpuset.cpus)"
                  f" # {uuid.uuid4().hex}\n")
    lines: list[str] = []
    runtime.build_image(context=[], dockerfile=dockerfile, tag=tag, labels={}, on_line=lines.append)
    cpus = docker_builds.build_limits(int(runtime.api.info()["NCPU"]))["cpusetcpus"]
    assert f"memory={docker_builds.BUILD_MEMORY} shares={docker_builds.BUILD_CPU_SHARES} cpus={cpus}" in lines


def test_a_build_is_sent_the_files_the_walker_read(runtime: DockerRuntime, tag: str) -> None:
    context = [("app/run.sh", b"#!/bin/sh\necho from-the-context\n", 0o755), ("data/n.txt", b"42\n", 0o600)]
    dockerfile = (f"FROM {BASE}\nCOPY app/ /opt/app/\nCOPY data/ /opt/data/\n"
                  f"RUN /opt/app/run.sh && stat -c %a /opt/data/n.txt # {uuid.uuid4().hex}\n")
    lines: list[str] = []
    runtime.build_image(context=context, dockerfile=dockerfile, tag=tag, labels={}, on_line=lines.append)
    assert "from-the-context" in lines and "600" in lines


def test_a_missing_from_fails_before_the_build_and_is_never_pulled(runtime: DockerRuntime, tag: str) -> None:
    loaded = load_checked(FIXTURES / "hostile" / "missing-from" / "absent.yaml")
    need = fix_need(loaded)
    assert need.source is not None
    inputs = need.source.read()
    derived = next(line.split()[1] for line in inputs.dockerfile.splitlines() if line.startswith("FROM "))
    cases = ((inputs.dockerfile, derived), ("FROM debian:hamm-slim\nRUN true\n", "debian:hamm-slim"))
    for dockerfile, missing in cases:
        assert not runtime.image_present(missing)
        lines: list[str] = []
        started = time.monotonic()
        with pytest.raises(ImageMissing) as caught:
            runtime.build_image(context=inputs.context, dockerfile=dockerfile, tag=tag, labels={},
                                on_line=lines.append)
        assert missing in caught.value.message and "envlab images prepare" in caught.value.hint
        assert lines == [] and time.monotonic() - started < 5, "nothing was sent to the engine"
        assert not runtime.image_present(missing)


def test_a_silent_build_is_stopped_and_its_step_removed(runtime: DockerRuntime, tag: str,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(docker_builds, "BUILD_IDLE_TIMEOUT", 3)
    started = time.monotonic()
    with pytest.raises(BuildFailed, match="printed nothing for 3s"):
        runtime.build_image(context=[], dockerfile=f"FROM {BASE}\nRUN sleep 300\n", tag=tag, labels={},
                            on_line=lambda _: None)
    assert time.monotonic() - started < 60

    def step_gone() -> bool:
        running = runtime.api.containers(all=True, filters={"ancestor": BASE})
        return not any("sleep 300" in str(c.get("Command")) for c in running)

    assert wait_for(step_gone, timeout=60, every=0.5), "the engine still runs the abandoned step"
