"""The Docker boundary on the real engine: hardening, streaming exec, files, errors, clean-up."""

from __future__ import annotations

import time
import urllib.request

import docker
import docker.errors
import pytest
from docker.models.containers import Container

from envlab.errors import ContainerStopped, EnvlabError, ImageMissing
from envlab.runtime.contract import ContainerSpec, wait_for
from envlab.runtime.docker import DockerRuntime
from envlab.runtime.labels import SESSION, Session

pytestmark = pytest.mark.engine
BASE = "debian:bookworm-slim"
# A one-line HTTP server from perl-base, which even a minimal Debian has.
TINY_SERVER = (
    "$s = IO::Socket::INET->new(LocalPort => 8000, Listen => 5, ReuseAddr => 1) or die;"
    ' while ($c = $s->accept) { <$c>; print $c "HTTP/1.0 200 OK\r\n\r\nhello\n"; close $c }'
)


def spec(runtime: DockerRuntime, session: Session, name: str, **overrides: object) -> ContainerSpec:
    values: dict[str, object] = {
        "name": f"envlab-{session.id}-test-{name}", "image": BASE, "hostname": name,
        "labels": session.labels(lesson="engine-test", setup=name), "command": ["sleep", "infinity"],
    }
    values.update(overrides)
    return ContainerSpec(**values)  # type: ignore[arg-type]


def test_containers_are_hardened_and_labelled(runtime: DockerRuntime, session: Session) -> None:
    container = runtime.start(spec(runtime, session, "hardened"))
    attrs = runtime.api.inspect_container(container)
    host = attrs["HostConfig"]
    assert host["CapDrop"] == ["ALL"]
    assert host["CapAdd"] in (None, [])
    assert "no-new-privileges:true" in host["SecurityOpt"]
    assert host["Privileged"] is False
    assert host["PidsLimit"] == 256
    assert host["Memory"] == 512 * 1024 * 1024
    assert host["NanoCpus"] == 1_000_000_000
    assert host["NetworkMode"] == "none"
    labels = attrs["Config"]["Labels"]
    assert labels["io.envlab.managed"] == "true"
    assert labels["io.envlab.session"] == session.id
    assert labels["io.envlab.lesson"] == "engine-test"
    # Dropped capabilities are really gone inside: even root cannot change a file's owner.
    result = runtime.exec(container, "touch /tmp/f && chown 1000 /tmp/f", on_line=lambda _: None, timeout=30)
    assert result.exit_code != 0 and "Operation not permitted" in result.output


def test_declared_capabilities_and_limits_are_applied(runtime: DockerRuntime, session: Session) -> None:
    container = runtime.start(spec(runtime, session, "caps", cap_add=["CHOWN"], memory="128m", cpus=0.5, pids=64))
    host = runtime.api.inspect_container(container)["HostConfig"]
    assert host["CapAdd"] == ["CHOWN"] and host["Memory"] == 128 * 1024 * 1024
    assert host["NanoCpus"] == 500_000_000 and host["PidsLimit"] == 64


def test_exec_streams_lines_as_they_happen_and_reads_the_real_exit_code(runtime: DockerRuntime,
                                                                         session: Session) -> None:
    container = runtime.start(spec(runtime, session, "exec"))
    seen: list[tuple[float, str]] = []
    result = runtime.exec(container, "echo one; sleep 1; echo two >&2; exit 3",
                          on_line=lambda line: seen.append((time.monotonic(), line)), timeout=30)
    assert result.exit_code == 3 and [line for _, line in seen] == ["one", "two"]
    assert seen[1][0] - seen[0][0] > 0.5, "the first line must arrive before the command ends"


def test_exec_stops_a_command_that_runs_too_long(runtime: DockerRuntime, session: Session) -> None:
    container = runtime.start(spec(runtime, session, "timeout"))
    started = time.monotonic()
    result = runtime.exec(container, "echo started; sleep 30", on_line=lambda _: None, timeout=1)
    assert result.timed_out and result.exit_code == 124
    assert time.monotonic() - started < 10


def test_a_command_in_a_stopped_container_says_it_stopped(runtime: DockerRuntime, session: Session,
                                                          docker_client: docker.DockerClient) -> None:
    """A learner who kills PID 1 stops the container: a command then meets the engine's conflict, which
    envlab says in words, without the container's id."""
    container = runtime.start(spec(runtime, session, "stopped"))
    docker_client.api.kill(container)
    assert wait_for(lambda: docker_client.api.inspect_container(container)["State"]["Running"] is False,
                    timeout=30, every=0.1)
    with pytest.raises(ContainerStopped) as raised:
        runtime.exec(container, "true", on_line=lambda _: None, timeout=30)
    assert "has stopped" in raised.value.message and container not in raised.value.message


def test_files_go_in_and_come_out_through_the_archive_api(runtime: DockerRuntime, session: Session) -> None:
    container = runtime.start(spec(runtime, session, "files"))
    runtime.put_files(container, [("/opt/app/deep/config.toml", b"name = 'x'\n", 0o600),
                                  ("/tmp/release/run.sh", b"#!/bin/sh\n", 0o755)])
    assert runtime.read_file(container, "/opt/app/deep/config.toml") == b"name = 'x'\n"
    assert runtime.read_file(container, "/nope") is None
    modes = runtime.exec(container, "stat -c '%a %n' /opt/app/deep/config.toml /tmp/release/run.sh /tmp",
                         on_line=lambda _: None, timeout=30)
    # Placing files never changes an existing folder: /tmp keeps its sticky, world-writable mode.
    assert modes.output.split("\n") == ["600 /opt/app/deep/config.toml", "755 /tmp/release/run.sh", "1777 /tmp"]


def test_a_missing_image_is_never_pulled(runtime: DockerRuntime, session: Session) -> None:
    with pytest.raises(ImageMissing) as caught:
        runtime.start(spec(runtime, session, "missing", image="debian:envlab-never-heard-of-it"))
    assert "envlab images prepare" in caught.value.hint
    assert not runtime.image_present("debian:envlab-never-heard-of-it")


def test_a_refused_create_is_an_envlab_error(runtime: DockerRuntime, session: Session) -> None:
    first = runtime.start(spec(runtime, session, "twin"))
    with pytest.raises(EnvlabError) as caught:  # the engine refuses a second container of the same name
        runtime.start(spec(runtime, session, "twin"))
    assert "Docker refused" in caught.value.message and "Conflict" in caught.value.message
    assert [r.id for r in runtime.list_resources({SESSION: session.id})] == [first]


def test_a_capability_past_the_policy_never_reaches_the_engine(runtime: DockerRuntime, session: Session) -> None:
    with pytest.raises(EnvlabError) as caught:
        runtime.start(spec(runtime, session, "badcap", cap_add=["SYS_ADMIN"]))
    assert "'SYS_ADMIN' is not a capability a lesson may add" in caught.value.message
    assert runtime.list_resources({SESSION: session.id}) == []


def test_a_failed_start_removes_the_created_container(runtime: DockerRuntime, session: Session,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    created: list[str] = []

    def refuse(self: Container) -> None:
        created.append(self.id)  # the container really exists on the engine at this point
        raise docker.errors.APIError("simulated: cannot start container")

    monkeypatch.setattr(Container, "start", refuse)
    with pytest.raises(EnvlabError):
        runtime.start(spec(runtime, session, "badstart"))
    assert created, "the create went through"
    assert runtime.list_resources({SESSION: session.id}) == []


def test_published_ports_answer_http_on_loopback_only(runtime: DockerRuntime, session: Session) -> None:
    network = runtime.create_network(f"envlab-{session.id}-http", session.labels(lesson="engine-test"))
    image = "envlab-test-http:latest"
    runtime.build_image(context=[], tag=image, labels={}, on_line=lambda _: None,
                        dockerfile=f"FROM {BASE}\nRUN mkdir -p /srv && echo hello > /srv/index.html\n")
    try:
        container = runtime.start(spec(runtime, session, "http", image=image, network=network, ports=[8000],
                                       command=["/usr/bin/perl", "-MIO::Socket::INET", "-e", TINY_SERVER]))
        host, port = runtime.published_port(container, 8000)
        assert host == "127.0.0.1"
        body = b""
        for _ in range(50):
            try:
                body = urllib.request.urlopen(f"http://{host}:{port}/", timeout=5).read()
                break
            except OSError:
                time.sleep(0.1)
        assert body == b"hello\n"
    finally:
        runtime.client.images.remove(image, force=True)


def test_a_build_streams_its_output_and_a_broken_one_says_why(runtime: DockerRuntime) -> None:
    from envlab.runtime.docker import BuildFailed

    lines: list[str] = []
    image = "envlab-test-build:latest"
    try:
        runtime.build_image(context=[], tag=image, labels={}, on_line=lines.append,
                            dockerfile=f"FROM {BASE}\nRUN echo building-now\n")
        assert any("building-now" in line for line in lines)
        with pytest.raises(BuildFailed) as caught:
            runtime.build_image(context=[], tag=image, labels={}, on_line=lambda _: None,
                                dockerfile=f"FROM {BASE}\nRUN exit 7\n")
        assert "exit" in caught.value.message.lower() and "7" in caught.value.message
    finally:
        runtime.client.images.remove(image, force=True)
