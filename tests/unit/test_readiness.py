"""Before the first run: what is missing, about how big and how long preparing it is, and who answers."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from envlab.engine import readiness
from envlab.engine.images import image_needs
from envlab.engine.readiness import KIND_COST, MB, debian_archive, estimate, missing_needs, probe_network
from envlab.lessons.catalog import find_lesson
from envlab.runtime.fake import FakeRuntime

NEEDS = image_needs([find_lesson("os-skew")])  # two bases, a host on each, a fix on bookworm's host


def test_missing_images_are_those_the_engine_lacks() -> None:
    fake = FakeRuntime(images={NEEDS[0].tag})
    assert missing_needs(fake, NEEDS) == NEEDS[1:]


def test_the_estimate_follows_the_schedule_prepare_keeps() -> None:
    assert [need.kind for need in NEEDS] == ["base", "base", "host", "host", "fix"]
    assert estimate(NEEDS).bytes == (2 * 110 + 2 * 125 + 30) * MB
    # Both bases at once, then both hosts, then the fix on one of them: 60 + 20 + 5.
    assert estimate(NEEDS).seconds == KIND_COST["base"].seconds + KIND_COST["host"].seconds + 5
    assert estimate(NEEDS, workers=1).seconds == sum(KIND_COST[need.kind].seconds for need in NEEDS)
    assert estimate([]).seconds == 0


def test_time_spent_on_images_under_way_comes_off_the_estimate() -> None:
    spent = {need.tag: 45.0 for need in NEEDS if need.kind == "base"}
    assert estimate(NEEDS, spent=spent).seconds == 15 + 20 + 5
    # bookworm overdue counts as done now (never less than nothing): bullseye and its host are what is left.
    assert estimate(NEEDS, spent={NEEDS[0].tag: 1000.0}).seconds == 60 + 20


def test_the_debian_archive_is_the_mirror_when_one_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ENVLAB_DEBIAN_MIRROR", raising=False)
    assert debian_archive() == ("mirror.example", 80)
    monkeypatch.setenv("ENVLAB_DEBIAN_MIRROR", "https://mirror.example.org/debian")
    assert debian_archive() == ("mirror.example.org", 443)
    monkeypatch.setenv("ENVLAB_DEBIAN_MIRROR", "http://10.0.0.5:3142/debian")
    assert debian_archive() == ("10.0.0.5", 3142)


@pytest.fixture
def listening() -> Iterator[tuple[str, int]]:
    with socket.create_server(("127.0.0.1", 0)) as server:
        yield server.getsockname()[:2]


def closed_port() -> tuple[str, int]:
    with socket.create_server(("127.0.0.1", 0)) as server:
        return server.getsockname()[:2]


def test_the_probe_says_what_answers(monkeypatch: pytest.MonkeyPatch, listening: tuple[str, int]) -> None:
    monkeypatch.delenv("ENVLAB_OFFLINE", raising=False)
    monkeypatch.setattr(readiness, "REGISTRY", closed_port())
    monkeypatch.setattr(readiness, "debian_archive", lambda: listening)
    assert probe_network(timeout=2.0) == readiness.Reach(registry=False, debian=True)
    monkeypatch.setattr(readiness, "REGISTRY", listening)
    assert probe_network(timeout=2.0) == readiness.Reach(registry=True, debian=True)


def test_offline_never_counts_a_registry(monkeypatch: pytest.MonkeyPatch, listening: tuple[str, int]) -> None:
    monkeypatch.setenv("ENVLAB_OFFLINE", "1")
    monkeypatch.setattr(readiness, "REGISTRY", listening)
    monkeypatch.setattr(readiness, "debian_archive", closed_port)
    assert probe_network(timeout=2.0) == readiness.Reach(registry=False, debian=False)
