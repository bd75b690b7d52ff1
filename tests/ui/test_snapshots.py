"""Snapshots of the TUI on the fake runtime; regenerate with ``pytest --snapshot-update`` and look."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from textual.pilot import Pilot

from envlab.engine import run as run_base
from envlab.engine.drift import run as drift_run
from envlab.ui.screens import prepare_screen
from tests.ui.support import PreparingFake, build, settle, wait_until


@pytest.fixture(autouse=True)
def _still_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every duration reads 0.0s, so a slow machine draws the same screen."""
    for module in (drift_run, run_base):
        monkeypatch.setattr(module, "time", SimpleNamespace(monotonic=lambda: 0.0))


async def _quiet(pilot: Pilot[int]) -> None:
    """Let the workers finish, then clear the toasts and wait until none is drawn on any screen (a modal
    shows the screen under it, whose toasts go when they time out)."""
    from textual.widgets._toast import Toast

    await settle(pilot)
    pilot.app.clear_notifications()
    await pilot.pause()
    await wait_until(pilot, lambda: not any(screen.query(Toast) for screen in pilot.app.screen_stack))


def test_home_at_80x24(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """You should see the curriculum with "○ OS version skew: same runbo…" as a new lesson (its title cut
    with "…" where the tree ends; the detail on the right has it whole), "0/3 steps" beside an empty
    progress bar ending in "0%", the lesson's summary and three goals on the right, "Docker is ready." and
    the footer keys (Continue, Language, Reset progress, Learner, Quit, Help)."""
    assert snap_compare(build(tmp_path).app, terminal_size=(80, 24), run_before=_quiet)


def test_lesson_after_a_run(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """You should see the story on the left with "Checks before your fix" under it (✗ the report
    does not run on the production server, with why); on the right three panes: dev-laptop
    "✓ passed" (success border), prod-server "✓ failed as expected" ending in "No module named
    'tomllib'" (warning border), container "✓ passed"."""

    async def run(pilot: Pilot[int]) -> None:
        await settle(pilot)
        await pilot.press("enter", "r")
        await _quiet(pilot)

    assert snap_compare(build(tmp_path).app, terminal_size=(100, 30), run_before=run)


def test_quiz_after_a_wrong_answer(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """You should see the quiz over the lesson: "Question 1 of 3", the three choices with the first
    highlighted, and below them "✗ Not quite. The answer is: Debian 11 ships Python 3.9, which has
    no tomllib module." followed by the explanation; the footer has the quiz's own keys, "n Next" and
    "esc Close", for the mouse."""

    async def answer_wrong(pilot: Pilot[int]) -> None:
        await settle(pilot)
        await pilot.press("enter", "t", "enter")
        await _quiet(pilot)

    assert snap_compare(build(tmp_path).app, terminal_size=(100, 30), run_before=answer_wrong)


def test_preparing_images_with_one_base_refused(snap_compare, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """You should see "Preparing images" in the header, "4 of 7 images ready · 3 failed · 0 cancelled" with
    what to press, the headings "Image Kind Step State Time Latest", and a line per image:
    debian:bookworm-slim "bootstrap ✓ done 0s 1 MB", debian:bullseye-slim "bootstrap ✗ failed 0s" with the
    start of its error, four host images (the editor alone and with python3 on bookworm "build ✓ done", the
    two built from bullseye "— ✗ failed —"), envlab-fix/os-skew:latest "build ✓ done"; under them each
    failure with its whole error and "What to do:" with its hint (the last ones scrolled below); the footer
    has "esc Back" and no Cancel (nothing runs any more)."""
    monkeypatch.setattr(prepare_screen, "time", SimpleNamespace(monotonic=lambda: 0.0))

    async def prepare(pilot: Pilot[int]) -> None:
        await settle(pilot)
        await pilot.press("P")
        await _quiet(pilot)

    fake = PreparingFake(refuse={"debian:bullseye-slim"})
    assert snap_compare(build(tmp_path, fake=fake).app, terminal_size=(80, 24), run_before=prepare)


def test_what_next_at_a_chapters_end(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """You should see, over the lesson, "What next", "✓ You have finished Chapter 1: Release hell before
    Docker.", then "Next, Chapter 2: Images, their distribution and the shared kernel:" with the title
    "One image, many containers: where a hand fix goes" in bold and its summary; under it
    "Enter: open it · Esc: stay in this lesson", and the footer's "enter Open it" and "esc Stay here"."""
    from envlab.lessons.catalog import load_catalog
    from envlab.ui.screens.quiz_modal import QuizModal

    catalog = load_catalog()
    h = build(tmp_path, catalog=catalog)
    chapter_one = [loaded.lesson for loaded in catalog.lessons if loaded.lesson.chapter == 1]
    for lesson in chapter_one:
        h.store.step_done(lesson, "run")
        h.store.step_done(lesson, "fix")
        if lesson != chapter_one[-1]:
            h.store.quiz_taken(lesson, 3, 3)

    async def finish_the_chapter(pilot: Pilot[int]) -> None:
        await settle(pilot)
        pilot.app.open_lesson(chapter_one[-1].id)  # type: ignore[attr-defined]
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        while isinstance(pilot.app.screen, QuizModal):
            await pilot.press("enter", "enter")
            await settle(pilot)
        await _quiet(pilot)

    assert snap_compare(h.app, terminal_size=(100, 30), run_before=finish_the_chapter)


def test_home_at_80x24_in_japanese(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """You should see the curriculum in Japanese ("第1章 Docker 以前のリリース地獄", the lesson's title ending
    in "…" where the tree is too narrow for it), the lesson's whole title, summary and goals on the right,
    each line broken between phrases ("説明できる。" on a line of its own, no line starting with 、 or 。),
    "0/3 ステップ" with "0%" at the end of the bar, and the footer keys in Japanese, none cut."""
    assert snap_compare(build(tmp_path, lang="ja").app, terminal_size=(80, 24), run_before=_quiet)


async def _run_os_skew(pilot: Pilot[int]) -> None:
    await settle(pilot)
    await pilot.press("enter", "r")
    await _quiet(pilot)


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_a_drift_lesson_after_a_run_at_80x24(snap_compare, tmp_path: Path,  # type: ignore[no-untyped-def]
                                             lang: str) -> None:
    """You should see the guide's "Watch the run" step on the left, the checks box under it with its
    scrollbar (the why goes on below), and three panes on the right whose lines wrap instead of being cut:
    prod-server shows "'tomllib'", the end of "ModuleNotFoundError: No module named" wrapped onto its own
    row (the pane scrolls up to the rest), and the container's command ends in "--config
    "$INVENTORY_CONFIG" --once". In Japanese the guide breaks between phrases ("実行を" / "見る") and the
    panes speak it too: "ホスト · ✓ 成功", "✓ 狙いどおりの失敗", "終了コード 1、宣言どおりのエラー"."""
    assert snap_compare(build(tmp_path, lang=lang).app, terminal_size=(80, 24), run_before=_run_os_skew)


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_drift_inspector_at_80x24(snap_compare, tmp_path: Path,  # type: ignore[no-untyped-def]
                                      lang: str) -> None:
    """You should see "setups 1–2 of 3 · ← → the others", the table with the item labels on the left,
    dev-laptop and prod-server, and the status column ("= same", "∅ missing" on Python); under it the
    highlighted row (OS release) with every setup's value, then the summary; the footer has "esc Close"
    and "→ Other setups". In Japanese all of it is Japanese but the values the hosts gave ("Python 3.9.2"):
    "項目", "OS リリース", "未インストール", "= 同じ", "∅ ない", "11 項目中 1 項目が違います: Python"."""

    async def inspect(pilot: Pilot[int]) -> None:
        await _run_os_skew(pilot)
        await pilot.press("i")
        await _quiet(pilot)

    assert snap_compare(build(tmp_path, lang=lang).app, terminal_size=(80, 24), run_before=inspect)


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_a_scenario_phase_at_80x24(snap_compare, tmp_path: Path, lang: str) -> None:  # type: ignore[no-untyped-def]
    """You should see the self-healing lesson with the live panel on the right: "phase 2: two-crash", the
    services (web 0/3, sessions 0/1), one second of traffic (40/s, replicas 3 of 3); under it the scenario
    pane with both services and each phase's words wrapped whole ("▶ phase 2: Two replicas crash at once.
    Nobody restarts them by hand."), then the second of traffic; the guide's story on the left; the footer
    offers "k Kubernetes"."""
    from envlab.engine.scenario.events import PhaseStarted, ServiceStarted, TrafficSample
    from envlab.lessons.catalog import Catalog, load_catalog
    from envlab.lessons.model import ScenarioLesson
    from envlab.lessons.text import pick
    from envlab.ui.screens.lesson_screen import LessonScreen

    catalog = Catalog(lessons=[load_catalog().get("self-healing")])

    async def two_phases(pilot: Pilot[int]) -> None:
        await settle(pilot)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, LessonScreen))
        screen = pilot.app.screen
        assert isinstance(screen, LessonScreen) and isinstance(screen.lesson, ScenarioLesson)
        for service in screen.lesson.topology.services:
            screen.inbox.put(ServiceStarted(service.name, "swarm", service.replicas, f"envlab-{service.name}"))
        for index, phase in enumerate(screen.lesson.phases[:2]):
            screen.inbox.put(PhaseStarted(phase.name, index, pick(phase.say, lang)))
        screen.inbox.put(TrafficSample(screen.lesson.phases[1].name, 1, 40, 0, 0, running=3))
        await wait_until(pilot, screen.inbox.empty)
        await _quiet(pilot)

    app = build(tmp_path, lang=lang, catalog=catalog).app
    assert snap_compare(app, terminal_size=(80, 24), run_before=two_phases)


def test_the_kubernetes_modal_at_80x24(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """You should see, before any run of the self-healing lesson, "What ran on Swarm · the same in
    Kubernetes · Tab · Esc closes"; on the left "Swarm (as the engine reports it)" with "Not run yet: press
    Esc, then r." and the rest of that sentence wrapped; on the right "Kubernetes (equivalent manifests)" with
    the manifests' first lines highlighted ("apiVersion: apps/v1", "kind: Deployment") and a scrollbar; under
    both "How they map:" and the lesson's whole mapping, its lines joined into one paragraph; the footer has
    "esc Close"."""
    from envlab.lessons.catalog import Catalog, load_catalog
    from envlab.ui.screens.kubernetes_modal import KubernetesModal

    catalog = Catalog(lessons=[load_catalog().get("self-healing")])

    async def open_it(pilot: Pilot[int]) -> None:
        await settle(pilot)
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("k")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, KubernetesModal))
        await _quiet(pilot)

    assert snap_compare(build(tmp_path, catalog=catalog).app, terminal_size=(80, 24), run_before=open_it)
