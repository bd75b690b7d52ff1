"""`envlab images prepare`: make every image present, cheaply when it already is."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Set
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass

from envlab.engine.builds import CONTEXT_LABEL, EDITOR_PACKAGES
from envlab.engine.images import ImageKind, ImageNeed
from envlab.errors import EnvlabError
from envlab.runtime.contract import Runtime
from envlab.runtime.labels import KIND

#: Receives (the image, a progress note, fraction done or None).
PrepareProgress = Callable[[ImageNeed, str, float | None], None]

MB = 1_000_000
WORKERS = 4  # debootstraps and package steps wait on downloads half the time: more than the cores overlap well


@dataclass(frozen=True)
class Cost:
    """What preparing one image of a kind takes: bytes it adds to the engine, seconds of work."""

    bytes: int
    seconds: float


#: Measured with `envlab images prepare` on a 2-core machine with a broadband link to Debian's archive:
#: a base bootstrapped with debootstrap is about 110 MB and 60 s; a host image adds 100-150 MB of Debian
#: packages in about 20 s; a lesson's fix or service build adds 0-60 MB in about 5 s. Midpoints below.
#: A pulled base is usually faster; a slow mirror, much slower. `images prepare` orders its work by them too.
KIND_COST: Mapping[ImageKind, Cost] = {
    "base": Cost(110 * MB, 60.0),
    "host": Cost(125 * MB, 20.0),
    "fix": Cost(30 * MB, 5.0),
    "service": Cost(30 * MB, 5.0),
}
#: The editor alone on a base (the layer every other package image of that base is built on): about 3.5 MB
#: in about 10 s, most of it `apt-get update`.
EDITOR_COST = Cost(4 * MB, 10.0)


def cost(need: ImageNeed) -> Cost:
    """What preparing ``need`` takes, by its kind (the editor's own small layer apart)."""
    if need.kind == "host" and set(need.packages) <= set(EDITOR_PACKAGES):
        return EDITOR_COST
    return KIND_COST[need.kind]


class Cancelled(EnvlabError):
    """Preparation was cancelled; what is done stays done, and the next prepare goes on from there."""


@dataclass(frozen=True)
class Prepared:
    """What happened to one image."""

    need: ImageNeed
    action: str  # present, pulled, bootstrapped, built, failed, cancelled
    message: str = ""
    hint: str = ""


def prepare_one(runtime: Runtime, need: ImageNeed, progress: PrepareProgress) -> Prepared:
    """Make one image present; failures become a :class:`Prepared` with ``action="failed"``."""

    def note(text: str, fraction: float | None) -> None:
        progress(need, text, fraction)

    try:
        if need.kind == "base":
            return Prepared(need, runtime.provide_base(need.tag, note))
        if need.kind == "host":
            if runtime.image_present(need.tag):
                return Prepared(need, "present")
            # envlab's own package step, a Dockerfile it wrote: the one build with a network.
            runtime.build_image(context=[], dockerfile=need.dockerfile or "", tag=need.tag, labels={KIND: "host"},
                                on_line=lambda line: note(line, None), network=True)
            return Prepared(need, "built")
        assert need.source is not None
        inputs = need.source.read()
        labels = inputs.labels(need.kind)
        present = runtime.image_labels(need.tag)
        if present is not None and present.get(CONTEXT_LABEL) == labels[CONTEXT_LABEL]:
            return Prepared(need, "present")
        runtime.build_image(context=inputs.context, dockerfile=inputs.dockerfile, tag=need.tag, labels=labels,
                            on_line=lambda line: note(line, None))
        return Prepared(need, "built")
    except EnvlabError as exc:
        return Prepared(need, "failed", exc.message, exc.hint)


def needed_first(need: ImageNeed, tags: set[str]) -> set[str]:
    """The images among ``tags`` that ``need`` is built from (its base, or its build's bases and hosts)."""
    if need.kind == "host":
        return {need.base} & tags
    if need.source is None:
        return set()
    try:
        bases = need.source.bases()
    except EnvlabError:
        return set()  # its build fails on its own, with the real message
    return ({*bases, *need.source.derived(bases).values()}) & tags


def built_from(needs: Iterable[ImageNeed]) -> dict[str, frozenset[str]]:
    """For each image, the images among ``needs`` it is built from (reads the lessons' Dockerfiles)."""
    needs = list(needs)
    tags = {need.tag for need in needs}
    return {need.tag: frozenset(needed_first(need, tags)) for need in needs}



#: What one RUN step of a lesson's build adds to its kind's seconds when the work is ordered.
RUN_STEP_SECONDS = 5.0


def _weight(need: ImageNeed) -> float:
    """The kind's seconds; a lesson build's grow with its RUN steps (a venv and a pip install take long)."""
    if need.source is None:
        return cost(need).seconds
    try:
        steps = sum(line.lstrip().upper().startswith("RUN ") for line in need.source.dockerfile_text().splitlines())
    except EnvlabError:
        steps = 0  # its build fails on its own, with the real message
    return cost(need).seconds + RUN_STEP_SECONDS * steps


def _heights(after: Mapping[str, Set[str]], weights: dict[str, float]) -> dict[str, float]:
    """For each image, the longest chain of images built one on another from it (itself included), each
    counted by its kind's weight: the critical path that starts there."""
    below: dict[str, set[str]] = {tag: set() for tag in after}
    for tag, parents in after.items():
        for parent in parents:
            below[parent].add(tag)
    heights: dict[str, float] = {}

    def height(tag: str, seen: frozenset[str]) -> float:
        if tag not in heights:
            heights[tag] = weights[tag] + max((height(t, seen | {tag}) for t in below[tag] if t not in seen),
                                                     default=0)
        return heights[tag]

    for tag in after:
        height(tag, frozenset())
    return heights


def prepare_all(runtime: Runtime, needs: list[ImageNeed], progress: PrepareProgress, *,
                cancel: threading.Event | None = None, workers: int = WORKERS) -> Iterator[Prepared]:
    """Prepare every image, each as soon as the images it is built from are ready; yield results as they end.

    Nothing waits for a whole phase: a host image builds the moment its base is there, while other bases are
    still bootstrapping. An image whose base failed fails at once, naming it. When ``cancel`` is set, nothing
    new starts (what runs finishes), and the images not begun come back as ``cancelled``.
    """
    stop = cancel or threading.Event()
    built_on = built_from(needs)
    # Ready images start in this order: the longest chain of images still to build on them first (the
    # critical path), then what others are built from, then the longest builds.
    height = _heights(built_on, {n.tag: _weight(n) for n in needs})
    rank = {"base": 0, "host": 1, "service": 2, "fix": 3}
    ordered = sorted(needs, key=lambda n: (-height[n.tag], rank[n.kind]))
    waiting = {n.tag: (n, built_on[n.tag]) for n in ordered}
    done: dict[str, Prepared] = {}
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="envlab-prepare")
    running: dict[Future[Prepared], str] = {}
    try:
        while waiting or running:
            for tag, (need, after) in list(waiting.items()):
                failed = [t for t in after if t in done and done[t].action in ("failed", "cancelled")]
                if stop.is_set():
                    result = Prepared(need, "cancelled", "preparation was cancelled before it began")
                elif failed:
                    result = Prepared(need, "failed", f"it is built from {failed[0]}, which could not be made",
                                      done[failed[0]].hint)
                elif all(t in done for t in after):
                    if len(running) >= workers:
                        continue  # ready, and first in line when a worker is free: nothing queues unseen
                    running[pool.submit(prepare_one, runtime, need, progress)] = tag
                    del waiting[tag]
                    continue
                else:
                    continue
                del waiting[tag]
                done[tag] = result
                yield result
            if not running:
                for tag, (need, _after) in waiting.items():  # only a cycle gets here: say so, never spin
                    done[tag] = Prepared(need, "failed", "it is built from itself (a cycle of FROM images)")
                    yield done[tag]
                waiting.clear()
                continue
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                tag = running.pop(future)
                done[tag] = future.result()
                yield done[tag]
    finally:  # also when stopped early (Ctrl+C, the caller gave up): what runs finishes, nothing new starts
        pool.shutdown(wait=True, cancel_futures=True)
