"""What the UI tests share: an app on the fake runtime, and a way to let its workers finish."""

from __future__ import annotations

import asyncio
import functools
import threading
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from textual.message import Message
from textual.notifications import Notify
from textual.pilot import Pilot

from envlab.engine.progress import ProgressStore
from envlab.engine.readiness import Reach
from envlab.errors import EnvlabError
from envlab.kiosk.config import KioskConfig
from envlab.lessons.catalog import Catalog, load_catalog
from envlab.runtime.contract import Progress
from envlab.runtime.fake import FakeRuntime
from envlab.ui.app import EnvlabApp, make_app
from tests.helpers import CURRICULUM, os_skew_runtime

P = ParamSpec("P")
M = TypeVar("M", bound=Message)
FIXED_REPORT = (0, ["Inventory report for Osaka warehouse", "  bolts     120"])
OFFLINE = Reach(registry=False, debian=False)


def one_lesson(lesson_id: str = "os-skew") -> Catalog:
    """Only one lesson, so new lessons in the curriculum do not change what the tests see."""
    return Catalog(lessons=[load_catalog().get(lesson_id)])


@dataclass
class Harness:
    """An app built by the real factory on a fake runtime, and what it did."""

    app: EnvlabApp
    fake: FakeRuntime
    store: ProgressStore
    seen: list[Message] = field(default_factory=list)
    shells: list[tuple[str, str]] = field(default_factory=list)

    def posted(self, kind: type[M]) -> list[M]:
        """The messages of one type the app handled, in order."""
        return [m for m in self.seen if isinstance(m, kind)]

    def notices(self) -> list[str]:
        """Every notification the app showed, title and text, in order."""
        return [f"{n.notification.title}: {n.notification.message}" for n in self.posted(Notify)]


def fixture_curriculum(folder: Path = CURRICULUM) -> Catalog:
    """The lessons under ``folder`` (and only them): by default the tiny curriculum of both kinds under
    tests/fixtures/curriculum."""
    found = load_catalog([folder])
    return Catalog(lessons=[loaded for loaded in found.lessons if loaded.path.is_relative_to(folder)])


def fake_with_images(catalog: Catalog) -> FakeRuntime:
    """A fake engine on which every image ``catalog`` needs is present (as after `images prepare`)."""
    from envlab.engine.images import image_needs
    from envlab.engine.prepare import prepare_all

    fake = FakeRuntime()
    results = list(prepare_all(fake, image_needs(catalog.lessons), lambda *_: None))
    assert all(r.action != "failed" for r in results), [r.message for r in results if r.action == "failed"]
    return fake


@dataclass
class PreparingFake(FakeRuntime):
    """A fake engine on which preparing a base can be refused or held back, to watch failures and cancels.

    Attributes:
        refuse: Base tags that cannot be made, as on a machine with no registry and no debootstrap.
        hold: When not ``None``, making a base waits until it is set (the base is then under way).
        begun: Every base whose making began, in order.
    """

    refuse: set[str] = field(default_factory=set)
    hold: threading.Event | None = None
    begun: list[str] = field(default_factory=list)

    def provide_base(self, tag: str, progress: Progress) -> str:
        self.begun.append(tag)
        progress(f"I: Retrieving InRelease for {tag}", None)
        if tag in self.refuse:
            raise EnvlabError(f"{tag} is not on this engine and no registry answered",
                              hint="building it offline needs Linux, root and debootstrap")
        if self.hold is not None:
            assert self.hold.wait(30), "the test never let the base through"
        return super().provide_base(tag, progress)


def build(tmp_path: Path, *, fake: FakeRuntime | None = None, fix_in_shell: bool = True,
          lesson: str = "os-skew", lang: str | None = "en", catalog: Catalog | None = None,
          reach: Reach = OFFLINE, kiosk: KioskConfig | None = None) -> Harness:
    """The app as the CLI builds it, with a fake runtime and a shell that (optionally) fixes the host.

    The fake shell does what a learner would type: afterwards the report runs on prod-server. ``reach``
    is what the network probe says (no test reaches the network); ``kiosk`` builds it in kiosk mode.
    """
    fake = fake if fake is not None else os_skew_runtime()
    store = ProgressStore(tmp_path / "progress.sqlite3")
    shells: list[tuple[str, str]] = []

    def shell(container: str, setup: str) -> int:
        shells.append((container, setup))
        if fix_in_shell:
            fake.script = {("prod-server", r"inventory\.py"): FIXED_REPORT, **fake.script}
        return 0

    app = make_app(catalog=catalog or one_lesson(lesson), lang=lang, runtime=fake,
                   store=store, shell=shell, network=lambda: reach, kiosk=kiosk)
    return Harness(app, fake, store, shells=shells)


def guide_of(screen: object) -> str:
    """The Markdown the lesson screen's guide shows now."""
    from textual.widgets import Markdown

    from envlab.ui.screens.lesson_screen import LessonScreen

    assert isinstance(screen, LessonScreen)
    return screen.query_one("#narrative", Markdown).source


async def settle(pilot: Pilot[int]) -> None:
    """Wait for every worker, then for the messages they posted to be handled."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def wait_until(pilot: Pilot[int], condition: Callable[[], bool], *, timeout: float = 10.0) -> None:
    """Let the app run until ``condition()`` holds: for work in other threads, which no worker awaits."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        await pilot.pause(0.01)


def async_test(test: Callable[P, Coroutine[Any, Any, None]]) -> Callable[P, None]:
    """Run an async test on its own event loop (the suite has no asyncio plugin; Pilot needs a loop)."""

    @functools.wraps(test)
    def run(*args: P.args, **kwargs: P.kwargs) -> None:
        asyncio.run(test(*args, **kwargs))

    return run
