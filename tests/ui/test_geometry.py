"""Every screen of every built-in lesson fits at 80×24 and 120×36, in English and Japanese: no text is cut
without a sign (tests/ui/geometry.py says what a cut is). In Japanese, no screen shows an English word the
lesson or the containers did not give it (tests/ui/english.py says which words are fine).

Drift lessons run on the fake runtime; a scenario lesson's phases take real seconds of traffic, so its
phases are shown from the lesson's own words through the events a run posts (a service per topology
entry, then each phase), which is what the panes and the live panel draw.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.screen import Screen

from envlab.engine.scenario.events import PhaseStarted, ServerFaulted, ServersSeen, ServiceStarted, TrafficSample
from envlab.engine.scenario.kubernetes import kubernetes_manifests
from envlab.lessons.catalog import Catalog, load_catalog
from envlab.lessons.model import ScenarioLesson
from envlab.lessons.text import pick
from envlab.ui.screens.drift_modal import DriftModal
from envlab.ui.screens.kubernetes_modal import KubernetesModal
from envlab.ui.screens.lesson_screen import LessonScreen
from envlab.ui.screens.quiz_modal import QuizModal
from envlab.ui.widgets.setup_panes import SetupPanes
from tests.helpers import os_skew_runtime
from tests.ui.english import allowed_words, untranslated
from tests.ui.geometry import Cut, cuts
from tests.ui.support import async_test, build, fake_with_images, settle, wait_until

SIZES = [(80, 24), (120, 36)]
LANGS = ["en", "ja"]
LESSONS = [loaded.lesson.id for loaded in load_catalog().lessons]


Measure = Callable[[Screen[object]], list[str]]


async def _look(pilot: Pilot[int], screen: Screen[object], where: str, found: list[str]) -> None:
    """Note what the walk's measure finds on ``screen`` once what was posted is handled and the screen laid
    out again (a toast that just arrived is mounted, then the layout gives it its rows)."""
    await pilot.pause()
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()
    measure: Measure = getattr(pilot.app, "measure", lambda seen: [str(cut) for cut in cuts(seen)])
    found += [f"{where}: {finding}" for finding in measure(screen)]


async def _scenario_phases(pilot: Pilot[int], screen: LessonScreen, lesson: ScenarioLesson, lang: str,
                           where: str, found: list[str]) -> None:
    for service in lesson.topology.services:
        screen.inbox.put(ServiceStarted(service.name, "docker", service.replicas, f"envlab-{service.name}"))
    servers = [server.name for server in lesson.topology.servers]
    for index, phase in enumerate(lesson.phases):
        screen.inbox.put(PhaseStarted(phase.name, index, pick(phase.say, lang)))
        screen.inbox.put(TrafficSample(phase.name, 1, 40, 0, 0, running=1))
        for fault in phase.faults:
            if fault.server is not None:  # the first server down, every replica on the last
                screen.inbox.put(ServerFaulted(phase.name, fault.server, fault.action, ("web-1", "web-2"), fault.at))
        if servers:
            replicas = tuple(f"{s.name}-{n}" for s in lesson.topology.services for n in range(1, s.replicas + 1))
            screen.inbox.put(ServersSeen(((servers[0], "down", ()), *((name, "ready", ()) for name in servers[1:-1]),
                                          (servers[-1], "ready", replicas))))
        await wait_until(pilot, screen.inbox.empty)
        await pilot.pause()
        await _look(pilot, screen, f"{where} phase {phase.name}", found)


async def _walk(pilot: Pilot[int], lesson_id: str, lang: str, found: list[str]) -> None:
    """Home, the lesson after a run, its checks, the inspector (a scenario's Kubernetes equivalent) and the
    quiz; each looked at as drawn."""
    app = pilot.app
    await settle(pilot)
    await _look(pilot, app.screen, "home", found)
    app.call_later(app.open_lesson, lesson_id)  # type: ignore[attr-defined]
    await wait_until(pilot, lambda: isinstance(app.screen, LessonScreen))
    screen = app.screen
    assert isinstance(screen, LessonScreen)
    await pilot.pause()
    await _look(pilot, screen, "lesson", found)
    if isinstance(screen.lesson, ScenarioLesson):
        await _scenario_phases(pilot, screen, screen.lesson, lang, "scenario", found)
        if screen.lesson.kubernetes is not None:
            await pilot.press("k")
            await wait_until(pilot, lambda: isinstance(app.screen, KubernetesModal))
            await _look(pilot, app.screen, "kubernetes", found)
            await pilot.press("escape")
            await wait_until(pilot, lambda: app.screen is screen)
    else:
        await pilot.press("r")
        await settle(pilot)
        screen.query_one(SetupPanes).drain()
        await pilot.pause()
        await _look(pilot, screen, "after the run", found)
        await pilot.press("i")
        await settle(pilot)
        await wait_until(pilot, lambda: isinstance(app.screen, DriftModal))
        await pilot.pause()
        await _look(pilot, app.screen, "inspector", found)
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is screen)
    if screen.lesson.quiz:
        await pilot.press("t")
        await wait_until(pilot, lambda: isinstance(app.screen, QuizModal))
        await pilot.press("enter")
        await pilot.pause()
        await _look(pilot, app.screen, "quiz", found)


def _catalog() -> Catalog:
    return load_catalog()


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("lesson_id", LESSONS)
@async_test
async def test_every_screen_fits_without_an_unmarked_cut(tmp_path: Path, lesson_id: str, size: tuple[int, int],
                                                         lang: str) -> None:
    catalog = _catalog()
    fake = os_skew_runtime() if lesson_id == "os-skew" else fake_with_images(
        Catalog(lessons=[catalog.get(lesson_id)]))
    h = build(tmp_path, fake=fake, lang=lang, catalog=catalog)
    found: list[str] = []
    async with h.app.run_test(size=size, notifications=True) as pilot:  # toasts on: they must not cover text
        await _walk(pilot, lesson_id, lang, found)
    assert not found, "\n".join(found)


@pytest.mark.parametrize("lesson_id", LESSONS)
@async_test
async def test_every_screen_in_japanese_says_nothing_in_english(tmp_path: Path, lesson_id: str) -> None:
    catalog = _catalog()
    fake = os_skew_runtime() if lesson_id == "os-skew" else fake_with_images(
        Catalog(lessons=[catalog.get(lesson_id)]))
    output = [line for _code, lines in fake.script.values() for line in lines]  # what the containers print
    manifests = kubernetes_manifests(catalog.get(lesson_id))
    allowed = allowed_words(catalog, "ja", output=output, shown=[manifests] if manifests else [])

    def english(screen: Screen[object]) -> list[str]:
        words = untranslated(screen, allowed)
        return [f"English words: {' '.join(words)}"] if words else []

    h = build(tmp_path, fake=fake, lang="ja", catalog=catalog)
    h.app.measure = english  # type: ignore[attr-defined]
    found: list[str] = []
    async with h.app.run_test(size=(120, 36), notifications=True) as pilot:
        await _walk(pilot, lesson_id, "ja", found)
    assert not found, "\n".join(found)


def test_a_cut_reads_as_the_widget_and_what_it_lost() -> None:
    assert str(Cut("Log in #pane-prod-server", "lines 60 columns wide in 44")) == (
        "Log in #pane-prod-server: lines 60 columns wide in 44")
