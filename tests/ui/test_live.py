"""The live-state panel of scenario lessons, fed a stream recorded from a real self-healing run."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from envlab.engine.scenario.events import ReplicaChanged, TrafficSample
from envlab.ui.screens.lesson_screen import LessonScreen
from envlab.ui.widgets.live_panel import LivePanel
from envlab.ui.widgets.setup_panes import SetupPanes
from tests.helpers import recorded
from tests.ui.support import async_test, build, settle


def shown(panel: LivePanel, part: str) -> str:
    return str(panel.query_one(f"#live-{part}", Static).render())


def replay(screen: LessonScreen, events: list[object]) -> None:
    """Hand ``events`` to the screen as its run worker would, and draw them."""
    for event in events:
        screen.inbox.put(event)  # type: ignore[arg-type]
    screen.query_one(SetupPanes).drain()


async def open_lesson(pilot, lesson: str = "self-healing") -> tuple[LessonScreen, LivePanel]:  # type: ignore[no-untyped-def]
    await settle(pilot)
    await pilot.press("enter")
    screen = pilot.app.screen
    assert isinstance(screen, LessonScreen)
    return screen, screen.query_one(LivePanel)


@async_test
async def test_the_panel_follows_a_recorded_run_replica_by_replica(tmp_path: Path) -> None:
    h = build(tmp_path, lesson="self-healing")
    async with h.app.run_test(size=(120, 40)) as pilot:
        screen, panel = await open_lesson(pilot)
        assert "press r" in shown(panel, "phase")
        stream = recorded("self-healing")
        crash = next(i for i, e in enumerate(stream) if isinstance(e, ReplicaChanged) and e.state == "die")
        replay(screen, stream[:crash + 1])  # up to the first crash
        await pilot.pause()
        assert "web 2/3 up" in shown(panel, "replicas")
        assert "✗ web-1 dead" in shown(panel, "replicas")
        assert "phase 2: two-crash" in shown(panel, "phase")
        replay(screen, stream[crash + 1:])
        await pilot.pause()
        replicas = shown(panel, "replicas")
        assert "web 3/3 up" in replicas and "● web-2 healthy ↻1" in replicas
        assert "sessions 1/1 up" in replicas and "balancer 1/1 up" in replicas
        charts = shown(panel, "charts").splitlines()
        last = [e for e in stream if isinstance(e, TrafficSample)][-1]
        assert charts[0].startswith("req/s") and charts[0].endswith(f"{last.requests}/s")
        assert charts[2].startswith("replicas") and charts[2].endswith(f"{last.running} of 3")
        assert any(line.startswith("web-1") for line in charts[3:])


@async_test
async def test_a_new_run_clears_the_picture(tmp_path: Path) -> None:
    h = build(tmp_path, lesson="self-healing")
    async with h.app.run_test(size=(100, 30)) as pilot:
        screen, panel = await open_lesson(pilot)
        replay(screen, recorded("self-healing"))
        assert panel.state.replicas
        screen.query_one(SetupPanes).clear()
        assert not panel.state.replicas and "no services yet" in shown(panel, "replicas")


@async_test
async def test_the_panel_fits_a_small_terminal(tmp_path: Path) -> None:
    """At 80×24 the charts shrink to the room they have, and the event log keeps some rows."""
    h = build(tmp_path, lesson="self-healing")
    async with h.app.run_test(size=(80, 24)) as pilot:
        screen, panel = await open_lesson(pilot)
        replay(screen, recorded("self-healing"))
        await pilot.pause()
        width = panel.query_one("#live-charts", Static).content_size.width
        assert all(len(line) <= width for line in shown(panel, "charts").splitlines())
        assert screen.pane("scenario").size.height >= 4


@async_test
async def test_the_panel_speaks_the_learners_language(tmp_path: Path) -> None:
    h = build(tmp_path, lesson="self-healing")
    async with h.app.run_test(size=(120, 40)) as pilot:
        screen, panel = await open_lesson(pilot)
        replay(screen, recorded("self-healing"))
        await pilot.press("l")  # English → 日本語
        await pilot.pause()
        assert panel.lang == "ja" and panel.border_title == "ライブ"
        assert "フェーズ 3: one-hangs" in shown(panel, "phase")
        assert "web 3/3 稼働" in shown(panel, "replicas")
        assert "● web-1 healthy ↻1" in shown(panel, "replicas")  # Docker's own words, as `docker ps` says
        charts = shown(panel, "charts").splitlines()
        assert charts[1].startswith("エラー") and charts[2].startswith("レプリカ") and charts[2].endswith("3/3")
        await pilot.press("l")
        await pilot.pause()
        assert "web 3/3 up" in shown(panel, "replicas")
