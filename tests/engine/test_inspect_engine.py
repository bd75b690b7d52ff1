"""The drift inspector on a real engine: what it says about Debian 11 and 12 is true of them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from envlab.engine.drift.run import KEEP_ALIVE, DriftRun
from envlab.engine.events import Event, InspectionFinished
from envlab.engine.inspect import DriftReport, InspectSpec, collect, diff
from envlab.lessons.catalog import load_catalog
from envlab.runtime.contract import ContainerSpec
from envlab.runtime.docker import DockerRuntime
from envlab.runtime.labels import SESSION, Session

pytestmark = pytest.mark.engine

IMAGES = {"bullseye": "debian:bullseye-slim", "bookworm": "debian:bookworm-slim"}
SPEC = InspectSpec(packages=("libc6", "python3"), env=("PATH", "APP_MODE"),
                   files=("/etc/debian_version", "/etc/inventory.toml"), focus=("os",))


def _teardown(runtime: DockerRuntime, session: Session) -> None:
    resources = runtime.list_resources({SESSION: session.id})
    for resource in sorted(resources, key=lambda r: r.kind != "container"):
        runtime.remove(resource)


@pytest.fixture
def debian_report(runtime: DockerRuntime) -> Iterator[DriftReport]:
    """Fingerprints of a running Debian 11 and Debian 12 container, compared; both removed after."""
    session = Session()
    try:
        containers = {}
        for name, image in IMAGES.items():
            if not runtime.image_present(image):
                pytest.fail(f"{image} is not on the engine: run `envlab images prepare`")
            containers[name] = runtime.start(ContainerSpec(
                name=f"envlab-{session.id}-inspect-{name}", image=image, hostname=name,
                labels=session.labels(lesson="inspect-test", setup=name), command=KEEP_ALIVE,
                env={"APP_MODE": "production"} if name == "bookworm" else {},
            ))
        yield diff({name: collect(runtime, cid, spec=SPEC) for name, cid in containers.items()},
                   focus=SPEC.focus)
    finally:
        _teardown(runtime, session)
    assert runtime.list_resources({SESSION: session.id}) == []


def _values(report: DriftReport, key: str) -> dict[str, str]:
    row = report.row(key)
    assert row is not None, f"no {key} row"
    return row.values


def test_os_release_11_vs_12_is_the_marked_difference(debian_report: DriftReport) -> None:
    os_row = debian_report.row("os")
    assert os_row is not None and os_row.status == "differs" and os_row.cause
    assert os_row.values == {"bullseye": "Debian GNU/Linux 11 (bullseye)",
                             "bookworm": "Debian GNU/Linux 12 (bookworm)"}
    version = _values(debian_report, "file:/etc/debian_version")
    assert version["bullseye"].startswith("sha256:") and version["bullseye"] != version["bookworm"]


def test_libc_2_31_vs_2_36(debian_report: DriftReport) -> None:
    assert _values(debian_report, "libc") == {"bullseye": "glibc 2.31", "bookworm": "glibc 2.36"}
    libc6 = _values(debian_report, "package:libc6")
    assert libc6["bullseye"].startswith("2.31-") and libc6["bookworm"].startswith("2.36-")


def test_the_kernel_is_shared(debian_report: DriftReport) -> None:
    kernel = debian_report.row("kernel")
    assert kernel is not None and kernel.status == "same" and kernel.shared_kernel
    assert kernel.values["bullseye"] == kernel.values["bookworm"] != "unknown"


def test_what_is_absent_or_equal_is_not_drift(debian_report: DriftReport) -> None:
    status = {row.key: row.status for row in debian_report.rows}
    python = _values(debian_report, "python")
    assert python == {"bullseye": "not installed", "bookworm": "not installed"}
    assert status["python"] == status["package:python3"] == "same"
    assert status["timezone"] == status["locale"] == status["env:PATH"] == "same"
    assert _values(debian_report, "file:/etc/inventory.toml")["bookworm"] == "absent"
    env = debian_report.row("env:APP_MODE")
    assert env is not None and env.status == "missing" and env.missing_in == ["bullseye"]
    assert [r.key for r in debian_report.drifted] == [
        "os", "libc", "package:libc6", "env:APP_MODE", "file:/etc/debian_version"]


@pytest.mark.parametrize("load", ["idle", "every-core-busy"], indirect=True)
def test_os_skew_run_is_inspected_before_teardown(load: str, runtime: DockerRuntime) -> None:
    """The lesson's own setups: Python and the OS release differ and are the cause; one kernel."""
    loaded = load_catalog().get("os-skew")
    session = Session()
    run = DriftRun(loaded, runtime, session=session)
    seen: list[Event] = []
    try:
        for event in run.events(keep=True):
            seen.append(event)
        report = run.inspect(seen.append)
    finally:
        run.teardown()
    assert runtime.list_resources({SESSION: session.id}) == []
    assert any(isinstance(e, InspectionFinished) for e in seen)
    python = report.row("python")
    assert python is not None and python.cause and python.status == "differs"
    assert python.values["prod-server"].startswith("Python 3.9")
    assert python.values["dev-laptop"].startswith("Python 3.11")
    assert python.values["container"].startswith("Python 3.11")
    assert [r.key for r in report.causes] == ["os", "python"]
    kernel = report.row("kernel")
    assert kernel is not None and kernel.shared_kernel
    settings = report.row("file:/etc/inventory.toml")
    assert settings is not None and settings.status == "same"  # same settings; different Python
