"""What containers send back and write is bounded, on the real engine: output, files read, disk."""

from __future__ import annotations

import subprocess
import sys
import time
import tracemalloc

import pytest

from envlab.runtime.bounds import (
    DISK_BYTES,
    DISK_LABEL,
    FILE_BYTES,
    KEPT_CHARS,
    DiskBoundExceeded,
    FileTooLarge,
    GiB,
    MiB,
    file_size_limit,
)
from envlab.runtime.contract import wait_for
from envlab.runtime.docker import DockerRuntime
from envlab.runtime.labels import SESSION, Session
from tests.engine.test_engine_runtime import BASE, spec
from tests.helpers import REPO

pytestmark = pytest.mark.engine
SIGXFSZ = 25


def layer_size(runtime: DockerRuntime, container: str) -> int:
    """The container's writable layer in bytes, as the engine measures it."""
    return int(runtime.api.containers(all=True, filters={"id": container}, size=True)[0].get("SizeRw") or 0)


# output ------------------------------------------------------------------------------------------
def test_50_mb_without_a_newline_ends_in_bounded_time_and_memory(runtime: DockerRuntime, session: Session) -> None:
    container = runtime.start(spec(runtime, session, "no-newline"))
    seen: list[str] = []
    tracemalloc.start()
    started = time.monotonic()
    result = runtime.exec(container, "head -c 50000000 /dev/zero | tr '\\0' x; echo; echo end",
                          on_line=seen.append, timeout=120)
    elapsed = time.monotonic() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert result.exit_code == 0 and not result.timed_out
    assert seen == ["x" * 4096 + "… [line cut at 4096 characters]", "end"]
    assert result.output == "\n".join(seen)
    assert elapsed < 60, f"took {elapsed:.1f}s"
    assert peak < 16 * MiB, f"held {peak / MiB:.1f} MiB for 50 MB of output"


def test_a_flood_of_lines_streams_up_to_the_budget_and_keeps_head_and_tail(runtime: DockerRuntime,
                                                                           session: Session) -> None:
    container = runtime.start(spec(runtime, session, "flood"))
    seen: list[str] = []
    result = runtime.exec(container, "seq 1 300000", on_line=seen.append, timeout=120)
    assert result.exit_code == 0
    assert len(seen) == 20_001 and seen[19_999] == "20000"
    assert "more than 20,000 lines" in seen[-1] and "not shown" in seen[-1]
    kept = result.output.splitlines()
    assert kept[0] == "1" and kept[-1] == "300000", "the end, where an error would be, is kept"
    assert sum("cut here" in line for line in kept) == 1
    assert len(result.output) <= KEPT_CHARS + 200


# files read by checks --------------------------------------------------------------------------
def test_a_sparse_100_gb_file_is_refused_without_reading_it(runtime: DockerRuntime, session: Session) -> None:
    # Made without envlab's hardening: its file-size limit would not even let the file be created.
    raw = runtime.client.containers.create(BASE, ["sleep", "infinity"], network_mode="none",
                                           name=f"envlab-{session.id}-test-sparse",
                                           labels=session.labels(lesson="engine-test", setup="sparse"))
    raw.start()
    made = runtime.exec(raw.id, f"truncate -s 100G /big && truncate -s {FILE_BYTES} /edge "
                        f"&& truncate -s {FILE_BYTES + 1} /over", on_line=lambda _: None, timeout=30)
    assert made.exit_code == 0, made.output
    tracemalloc.start()
    started = time.monotonic()
    with pytest.raises(FileTooLarge) as refused:
        runtime.read_file(raw.id, "/big")
    elapsed = time.monotonic() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert refused.value.size == 100 * GiB and "/big is 100.0 GiB" in refused.value.message
    assert elapsed < 5 and peak < 4 * MiB
    assert runtime.read_file(raw.id, "/edge") == b"\0" * FILE_BYTES
    with pytest.raises(FileTooLarge):
        runtime.read_file(raw.id, "/over")


def test_symlinks_are_followed_inside_the_container_only(runtime: DockerRuntime, session: Session) -> None:
    container = runtime.start(spec(runtime, session, "links", hostname="links-host"))
    made = runtime.exec(container, "echo inside > /srv/real && ln -s /srv/real /tmp/abs && ln -s ../srv/real /tmp/rel "
                        "&& ln -s ../../../../../../etc/hostname /tmp/climb && ln -s /tmp/abs /tmp/chain "
                        "&& ln -s /nowhere /tmp/dangling && ln -s /srv /tmp/dir && mkfifo /tmp/fifo",
                        on_line=lambda _: None, timeout=30)
    assert made.exit_code == 0, made.output
    for link in ("/tmp/abs", "/tmp/rel", "/tmp/chain", "/tmp/dir/real"):
        assert runtime.read_file(container, link) == b"inside\n", link
    # Climbing past the root ends at the container's root: its own /etc/hostname, not the host's.
    assert runtime.read_file(container, "/tmp/climb") == b"links-host\n"
    for nothing in ("/tmp/dangling", "/tmp/dir", "/srv", "/tmp/fifo"):
        assert runtime.read_file(container, nothing) is None, nothing


# disk ------------------------------------------------------------------------------------------
def test_dd_of_2_gib_is_stopped_by_the_file_size_limit(runtime: DockerRuntime, session: Session) -> None:
    container = runtime.start(spec(runtime, session, "dd"))
    host = runtime.api.inspect_container(container)["HostConfig"]
    limit = file_size_limit(DISK_BYTES)
    assert {"Name": "fsize", "Soft": limit, "Hard": limit} in host["Ulimits"]
    result = runtime.exec(container, "dd if=/dev/zero of=/big bs=1M count=2048; echo dd exited $?",
                          on_line=lambda _: None, timeout=120)
    assert "File size limit exceeded" in result.output and f"dd exited {128 + SIGXFSZ}" in result.output
    assert limit <= layer_size(runtime, container) < limit + MiB < DISK_BYTES
    # The learner's shell (`docker exec -it`) gets the same limit, and root cannot raise it.
    shell = subprocess.run(["docker", "exec", container, "sh", "-c", "ulimit -f unlimited || grep 'file size' "
                            "/proc/self/limits"], capture_output=True, text=True, timeout=60, check=False)
    assert "Operation not permitted" in shell.stderr and str(limit) in shell.stdout
    assert runtime.api.inspect_container(container)["State"]["Running"], "one big file does not stop the host"


def test_the_watchdog_stops_a_container_whose_files_pass_its_bound(runtime: DockerRuntime, session: Session) -> None:
    container = runtime.start(spec(runtime, session, "filler"))
    assert runtime.api.inspect_container(container)["Config"]["Labels"][DISK_LABEL] == str(DISK_BYTES)
    seen: list[str] = []
    started = time.monotonic()
    # About 20 MB a second in 20 MB files, each far below the file-size limit, until it is stopped.
    writer = "i=0; while :; do dd if=/dev/zero of=/fill$i bs=1M count=20 2>/dev/null; i=$((i+1)); sleep 1; done"
    result = runtime.exec(container, writer, on_line=seen.append, timeout=240)
    elapsed = time.monotonic() - started
    assert not result.timed_out, "the watchdog never stopped the writer"
    breach = runtime.disk.breach(container)
    assert breach is not None and breach.bound == DISK_BYTES
    assert DISK_BYTES < breach.used < DISK_BYTES + 64 * MiB, "a steady writer is caught soon after its bound"
    assert seen[-1] == f"[envlab] {breach.describe()}" and "past its disk bound of 512.0 MiB" in seen[-1]
    assert wait_for(lambda: not runtime.api.inspect_container(container)["State"]["Running"], timeout=30)
    assert layer_size(runtime, container) < DISK_BYTES + 96 * MiB
    assert elapsed < 90
    with pytest.raises(DiskBoundExceeded, match="filler was stopped"):
        runtime.exec(container, "true", on_line=lambda _: None, timeout=30)
    assert runtime.disk_breaches() == [breach]


def test_the_meter_sizes_layers_like_the_engine_but_cheaply(runtime: DockerRuntime, session: Session) -> None:
    container = runtime.start(spec(runtime, session, "meter"))
    made = runtime.exec(container, "mkdir /hidden && head -c 30000000 /dev/urandom > /hidden/data && chmod 000 /hidden "
                        "&& for i in $(seq 1 500); do echo $i > /tmp/f$i; done", on_line=lambda _: None, timeout=60)
    assert made.exit_code == 0, made.output
    rows = runtime.api.containers(filters={"id": container})
    runtime.disk.meter.sizes(rows)  # starts the helper
    started = time.monotonic()
    sized = runtime.disk.meter.sizes(rows)
    elapsed = time.monotonic() - started
    assert runtime.disk.meter.helper is not None, "this engine's storage has layer folders the helper can see"
    engine = layer_size(runtime, container)
    # du counts blocks in use, the engine apparent sizes: a few KiB apart for 500 small files.
    assert abs(sized[container] - engine) < 4 * MiB and engine > 30_000_000, (sized, engine)
    assert elapsed < 0.5, f"took {elapsed:.2f}s"


def test_the_meters_helper_ends_with_the_process_that_started_it(runtime: DockerRuntime) -> None:
    child = (
        "import os\n"
        "from envlab.runtime.docker import DockerRuntime, connect\n"
        "from envlab.runtime.labels import Session\n"
        "from tests.engine.test_engine_runtime import spec\n"
        "rt, s = DockerRuntime(connect()), Session()\n"
        "c = rt.start(spec(rt, s, 'short'))\n"
        "rt.disk.meter.sizes(rt.api.containers(filters={'id': c}))\n"
        "print(s.id, c, rt.disk.meter.helper, flush=True)\n"
        "os._exit(0)  # no clean-up at all, as a crash\n"
    )
    ran = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, timeout=120, check=True,
                         cwd=REPO)
    session_id, container, helper = ran.stdout.split()
    try:
        assert wait_for(lambda: not runtime.api.containers(all=True, filters={"id": helper}), timeout=30)
    finally:
        for resource in runtime.list_resources({SESSION: session_id}):
            runtime.remove(resource)
    assert container not in {r.id for r in runtime.list_resources()}
