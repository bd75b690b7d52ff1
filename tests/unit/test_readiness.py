"""Before the first run: what is missing, about how big and how long preparing it is, and who answers."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from envlab.engine import readiness
from envlab.engine.images import image_needs
from envlab.engine.prepare import EDITOR_COST, cost
from envlab.engine.readiness import (
    KIND_COST,
    MB,
    debian_archive,
    estimate,
    missing_needs,
    probe_network,
    registry_address,
)
from envlab.lessons.catalog import find_lesson
from envlab.runtime.contract import EngineInfo
from envlab.runtime.fake import FakeRuntime

NEEDS = image_needs([find_lesson("os-skew")])  # two bases, the editor on each, a host on that, a fix


def test_missing_images_are_those_the_engine_lacks() -> None:
    fake = FakeRuntime(images={NEEDS[0].tag})
    assert missing_needs(fake, NEEDS) == NEEDS[1:]


def test_the_estimate_follows_the_schedule_prepare_keeps() -> None:
    assert [need.kind for need in NEEDS] == ["base", "base", "host", "host", "host", "host", "fix"]
    assert [cost(need) for need in NEEDS].count(EDITOR_COST) == 2  # the editor alone, once per base
    assert estimate(NEEDS).bytes == (2 * 110 + 2 * 4 + 2 * 125 + 30) * MB
    # Both bases at once, then the editor on each, then both hosts, then the fix on one of them: 60 + 10 + 20 + 5.
    assert estimate(NEEDS).seconds == KIND_COST["base"].seconds + EDITOR_COST.seconds + KIND_COST["host"].seconds + 5
    assert estimate(NEEDS, workers=1).seconds == sum(cost(need).seconds for need in NEEDS)
    assert estimate([]).seconds == 0


def test_time_spent_on_images_under_way_comes_off_the_estimate() -> None:
    spent = {need.tag: 45.0 for need in NEEDS if need.kind == "base"}
    assert estimate(NEEDS, spent=spent).seconds == 15 + 10 + 20 + 5
    # bookworm overdue counts as done now (never less than nothing): bullseye, its editor and its host are left.
    assert estimate(NEEDS, spent={NEEDS[0].tag: 1000.0}).seconds == 60 + 10 + 20


def test_the_debian_archive_is_the_mirror_named_else_debootstraps_own(monkeypatch: pytest.MonkeyPatch,
                                                                     tmp_path: Path) -> None:
    monkeypatch.delenv("ENVLAB_DEBIAN_MIRROR", raising=False)
    script = tmp_path / "debootstrap"
    script.write_text('#!/bin/sh\nVERSION=1\nDEF_MIRROR="http://mirror.example/debian"\n')
    script.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert debian_archive() == ("mirror.example", 80)
    monkeypatch.setenv("ENVLAB_DEBIAN_MIRROR", "https://mirror.example.org/debian")
    assert debian_archive() == ("mirror.example.org", 443)
    monkeypatch.setenv("ENVLAB_DEBIAN_MIRROR", "http://10.0.0.5:3142/debian")
    assert debian_archive() == ("10.0.0.5", 3142)
    monkeypatch.delenv("ENVLAB_DEBIAN_MIRROR")
    monkeypatch.setenv("PATH", str(tmp_path / "none"))
    assert debian_archive() is None  # no debootstrap: nothing to bootstrap with, nothing to ask


def test_the_registry_is_the_one_the_engine_names() -> None:
    info = EngineInfo("20.10", "1.41", "linux", "x86_64", "6.1", registry="https://index.example/v1/")
    assert registry_address(info) == ("index.example", 443)
    assert registry_address(EngineInfo("20.10", "1.41", "linux", "x86_64", "6.1")) is None


@pytest.fixture
def listening() -> Iterator[tuple[str, int]]:
    with socket.create_server(("127.0.0.1", 0)) as server:
        yield server.getsockname()[:2]


def closed_port() -> tuple[str, int]:
    with socket.create_server(("127.0.0.1", 0)) as server:
        return server.getsockname()[:2]


def test_the_probe_says_what_answers(monkeypatch: pytest.MonkeyPatch, listening: tuple[str, int]) -> None:
    monkeypatch.delenv("ENVLAB_OFFLINE", raising=False)
    monkeypatch.setattr(readiness, "debian_archive", lambda: listening)
    assert probe_network(closed_port(), timeout=2.0) == readiness.Reach(registry=False, debian=True)
    assert probe_network(listening, timeout=2.0) == readiness.Reach(registry=True, debian=True)
    monkeypatch.setattr(readiness, "debian_archive", lambda: None)
    assert probe_network(None, timeout=2.0) == readiness.Reach(registry=False, debian=False)


def test_offline_never_counts_a_registry(monkeypatch: pytest.MonkeyPatch, listening: tuple[str, int]) -> None:
    monkeypatch.setenv("ENVLAB_OFFLINE", "1")
    monkeypatch.setattr(readiness, "debian_archive", closed_port)
    assert probe_network(listening, timeout=2.0) == readiness.Reach(registry=False, debian=False)
