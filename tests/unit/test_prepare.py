"""`images prepare`'s scheduler on the fake runtime: each image starts as soon as what it is built from is
ready, a failure fails only what depends on it, and a cancel starts nothing new."""

from __future__ import annotations

import threading

import pytest

from envlab.engine.images import ImageNeed, image_needs
from envlab.engine.prepare import prepare_all
from envlab.errors import EnvlabError
from envlab.lessons.catalog import load_catalog
from envlab.runtime.contract import Progress, wait_for
from envlab.runtime.fake import FakeRuntime


class Gated(FakeRuntime):
    """A fake whose bases wait for a gate each, or fail; it records what started and how many ran at once."""

    def __init__(self, gates: dict[str, threading.Event], refuse: frozenset[str] = frozenset()) -> None:
        super().__init__()
        self.gates, self.refuse = gates, refuse
        self.started: list[str] = []
        self.at_once = self.peak = 0
        self.count_lock = threading.Lock()

    def _enter(self, tag: str) -> None:
        with self.count_lock:
            self.started.append(tag)
            self.at_once += 1
            self.peak = max(self.peak, self.at_once)

    def _leave(self) -> None:
        with self.count_lock:
            self.at_once -= 1

    def provide_base(self, tag: str, progress: Progress) -> str:
        self._enter(tag)
        try:
            gate = self.gates.get(tag)
            if gate is not None:
                assert gate.wait(30), f"the test never opened {tag}'s gate"
            if tag in self.refuse:
                raise EnvlabError(f"debootstrap of {tag} failed", hint="check the mirror")
            return super().provide_base(tag, progress)
        finally:
            self._leave()

    def build_image(self, **kwargs: object) -> str:  # type: ignore[override]
        self._enter(str(kwargs["tag"]))
        try:
            return super().build_image(**kwargs)  # type: ignore[arg-type]
        finally:
            self._leave()


@pytest.fixture(scope="module")
def needs() -> list[ImageNeed]:
    return image_needs(load_catalog().lessons)


def bases(needs: list[ImageNeed]) -> list[str]:
    return [n.tag for n in needs if n.kind == "base"]


def built_on(needs: list[ImageNeed], base: str) -> list[str]:
    return [n.tag for n in needs if n.kind == "host" and n.base == base]


def test_a_host_builds_while_another_base_is_still_bootstrapping(needs: list[ImageNeed]) -> None:
    slow = next(b for b in bases(needs) if built_on(needs, b))
    fast = next(b for b in bases(needs) if b != slow and built_on(needs, b))
    gate = threading.Event()
    fake = Gated({slow: gate})
    results = prepare_all(fake, needs, lambda *_: None)
    seen = []
    for result in results:
        seen.append(result.need.tag)
        if set(built_on(needs, fast)) <= set(seen):
            break  # every host of the fast base is done, and the slow base is still held
    assert slow not in seen and not gate.is_set()
    gate.set()
    rest = [r.need.tag for r in results]
    assert slow in rest and all(r in fake.images for r in [*seen, *rest])


def test_a_failed_base_fails_what_is_built_from_it_and_nothing_else(needs: list[ImageNeed]) -> None:
    broken = next(b for b in bases(needs) if built_on(needs, b))
    fake = Gated({}, refuse=frozenset({broken}))
    results = {r.need.tag: r for r in prepare_all(fake, needs, lambda *_: None)}
    assert set(results) == {n.tag for n in needs}
    assert results[broken].action == "failed" and results[broken].hint == "check the mirror"
    for host in built_on(needs, broken):
        assert results[host].action == "failed" and broken in results[host].message
        assert host not in fake.started  # never tried
    others = [t for t, r in results.items() if r.action != "failed"]
    assert others and all(results[t].action in ("bootstrapped", "built") for t in others)


def test_no_more_run_at_once_than_the_workers(needs: list[ImageNeed]) -> None:
    fake = Gated({})
    assert all(r.action != "failed" for r in prepare_all(fake, needs, lambda *_: None, workers=2))
    assert fake.peak <= 2 and len(fake.started) == len(needs)


def test_a_cancel_starts_nothing_new_and_says_what_was_not_begun(needs: list[ImageNeed]) -> None:
    gates = {tag: threading.Event() for tag in bases(needs)}
    fake = Gated(gates)
    cancel = threading.Event()
    outcome: dict[str, str] = {}

    def drive() -> None:
        outcome.update((r.need.tag, r.action) for r in prepare_all(fake, needs, lambda *_: None, cancel=cancel))

    driver = threading.Thread(target=drive)
    driver.start()
    assert wait_for(lambda: len(fake.started) == len(gates), timeout=10), fake.started
    cancel.set()  # while the bases bootstrap: they finish, nothing else starts
    for gate in gates.values():
        gate.set()
    driver.join(timeout=30)
    assert not driver.is_alive()
    begun = set(fake.started)
    assert begun == set(bases(needs))
    assert {outcome[t] for t in begun} == {"bootstrapped"}
    assert {a for t, a in outcome.items() if t not in begun} == {"cancelled"}
    assert set(outcome) == {n.tag for n in needs}


def test_a_host_with_more_packages_is_built_on_the_host_with_fewer(needs: list[ImageNeed]) -> None:
    from envlab.engine.builds import packages_image

    hosts = {n.tag: n for n in needs if n.kind == "host"}
    layered = [n for n in hosts.values() if n.base in hosts]
    assert layered, "the course has hosts whose packages include another host's"
    for need in layered:
        parent = hosts[need.base]
        assert set(parent.packages) < set(need.packages)
        rest = set(need.packages) - set(parent.packages)
        assert need.dockerfile is not None and need.dockerfile.startswith(f"FROM {parent.tag}\n")
        installed = need.dockerfile.split("--no-install-recommends ")[1].split(" \\")[0].split()
        assert set(installed) == rest
        root = parent
        while root.base in hosts:
            root = hosts[root.base]
        assert need.tag == packages_image(root.base, need.packages)  # named by its base and all its packages
    fake = FakeRuntime()
    order = [r.need.tag for r in prepare_all(fake, needs, lambda *_: None) if r.action == "built"]
    assert all(order.index(n.base) < order.index(n.tag) for n in layered)


def test_with_one_worker_the_longest_chain_starts_first(needs: list[ImageNeed]) -> None:
    fake = Gated({})
    assert all(r.action != "failed" for r in prepare_all(fake, needs, lambda *_: None, workers=1))
    hosts = {n.tag: n for n in needs if n.kind == "host"}
    below = {t: [n for n in hosts.values() if n.base == t] for t in hosts}
    # The base most is built on goes first, and a host others are built on goes before its siblings.
    most = max(bases(needs), key=lambda b: len(built_on(needs, b)))
    assert fake.started[0] == most
    parent = next(t for t, kids in below.items() if kids)
    siblings = [t for t in built_on(needs, hosts[parent].base) if t != parent]
    assert all(fake.started.index(parent) < fake.started.index(s) for s in siblings)
