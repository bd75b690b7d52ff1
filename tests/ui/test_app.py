"""The TUI driven by keyboard through Pilot on the fake runtime: home → lesson → run → verify → quiz."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from textual.widgets import DataTable, ProgressBar, Static, Tree

from envlab.engine.images import host_image
from envlab.errors import RuntimeUnavailable
from envlab.lessons.model import DriftLesson
from envlab.lessons.text import pick
from envlab.ui.guide import guide_text
from envlab.ui.messages import (
    ChecksVerified,
    DriftInspected,
    LessonTornDown,
    RunFinished,
    RuntimeConnected,
    RuntimeFailed,
    ShellClosed,
)
from envlab.ui.screens.confirm_modal import ConfirmModal
from envlab.ui.screens.drift_modal import DriftModal
from envlab.ui.screens.help_modal import HelpModal
from envlab.ui.screens.home_screen import HomeScreen
from envlab.ui.screens.lesson_screen import LessonScreen
from envlab.ui.screens.next_modal import NextLessonModal
from envlab.ui.screens.quiz_modal import QuizModal
from envlab.ui.widgets.checks_panel import ChecksPanel
from envlab.ui.widgets.setup_pane import MAX_LINES, SetupPane
from tests.ui.support import Harness, async_test, build, guide_of, one_lesson, settle

SIZE = (100, 30)



@pytest.fixture
def h(tmp_path: Path) -> Harness:
    return build(tmp_path)


def text_of(widget: Static) -> str:
    return str(widget.render())


def labels(tree: Tree[str]) -> list[str]:
    return [str(leaf.label) for chapter in tree.root.children for leaf in chapter.children]


async def open_and_run(h: Harness, pilot) -> LessonScreen:  # type: ignore[no-untyped-def]
    await settle(pilot)
    await pilot.press("enter")
    await pilot.press("r")
    await settle(pilot)
    screen = h.app.screen
    assert isinstance(screen, LessonScreen)
    return screen


@async_test
async def test_home_lists_lessons_with_their_state_and_overall_progress(h: Harness) -> None:
    async with h.app.run_test(size=SIZE, message_hook=h.seen.append) as pilot:
        await settle(pilot)
        assert isinstance(h.app.screen, HomeScreen)
        assert h.app.engine_state == "ready"
        assert len(h.posted(RuntimeConnected)) == 1
        tree = h.app.screen.query_one(Tree)
        assert labels(tree) == ["○ OS version skew: same runbook, different server"]
        bar = h.app.screen.query_one(ProgressBar)
        assert (bar.progress, bar.total) == (0, 3)
        assert "Docker is ready" in text_of(h.app.screen.query_one("#engine-status", Static))


@async_test
async def test_docker_down_is_shown_with_what_to_do_never_a_crash(tmp_path: Path) -> None:
    h = build(tmp_path)

    def down(_session: object) -> object:
        raise RuntimeUnavailable("cannot connect to Docker at unix:///var/run/docker.sock",
                                 hint="start Docker Desktop or the docker service")

    h.app.runtime_factory = down  # type: ignore[assignment]
    async with h.app.run_test(size=SIZE, message_hook=h.seen.append) as pilot:
        await settle(pilot)
        assert h.app.engine_state == "failed"
        [failed] = h.posted(RuntimeFailed)
        assert failed.hint == "start Docker Desktop or the docker service"
        status = text_of(h.app.screen.query_one("#engine-status", Static))
        assert "cannot connect" in status and "start Docker Desktop" in status
        await pilot.press("enter", "r")
        await settle(pilot)
        error = h.app.screen.query_one("#lesson-error", Static)
        assert error.display and "start Docker Desktop" in text_of(error)
        assert h.posted(RunFinished) == []


@async_test
async def test_run_streams_every_setup_into_its_pane_with_a_verdict(h: Harness) -> None:
    async with h.app.run_test(size=SIZE, message_hook=h.seen.append) as pilot:
        screen = await open_and_run(h, pilot)
        [finished] = h.posted(RunFinished)
        assert finished.summary.verdicts == {"dev-laptop": "passed", "prod-server": "failed-as-expected",
                                     "container": "passed"}
        panes = {p.setup: p for p in screen.query(SetupPane)}
        assert [p.state for p in panes.values()] == ["passed", "failed-as-expected", "passed"]
        assert any("No module named 'tomllib'" in line for line in panes["prod-server"].lines)
        assert any("Inventory report for Osaka warehouse" in line for line in panes["dev-laptop"].lines)
        assert panes["prod-server"].duration is not None
        assert h.fake.containers, "the containers stay up for the learner's own fix"
        assert h.store.get("os-skew").steps_done == ("run",)
        checks = screen.query_one(ChecksPanel)
        assert checks.display and "Checks before your fix" in checks.text


@async_test
async def test_verify_says_why_a_check_fails_then_passes_after_the_learners_fix(h: Harness) -> None:
    async with h.app.run_test(size=SIZE, message_hook=h.seen.append) as pilot:
        screen = await open_and_run(h, pilot)
        await pilot.press("v")
        await settle(pilot)
        [before] = h.posted(ChecksVerified)
        assert not before.ok and [r.check for r in before.results] == ["prod-report-runs"]
        panel = screen.query_one(ChecksPanel).text
        assert "why:" in panel and "cannot load its settings" in panel
        await pilot.press("f")
        await settle(pilot)
        prod = screen.run.containers["prod-server"] if screen.run else ""
        assert h.shells == [(prod, "prod-server")]
        assert h.posted(ShellClosed)[0].exit_code == 0
        after = h.posted(ChecksVerified)[-1]
        assert after.ok and all(r.passed for r in after.results)
        progress = h.store.get("os-skew")
        assert progress.steps_done == ("run", "fix")
        assert progress.checks_passed == ("prod-report-runs",)


@async_test
async def test_fix_and_verify_before_a_run_ask_to_run_first(h: Harness) -> None:
    async with h.app.run_test(size=SIZE, message_hook=h.seen.append) as pilot:
        await settle(pilot)
        await pilot.press("enter", "f", "v")
        await settle(pilot)
        assert h.shells == [] and h.posted(ChecksVerified) == []
        assert any("Run the lesson first" in n for n in h.notices())


@async_test
async def test_hints_are_revealed_one_at_a_time_and_remembered(h: Harness) -> None:
    async with h.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter", "h")
        screen = h.app.screen
        assert isinstance(screen, LessonScreen)
        guide = guide_of(screen)
        assert "Step 3 of 4 · Fix it yourself" in guide and "Compare the first runbook step" in guide
        await pilot.press("h", "h", "h")
        assert screen.hints_shown == 3
        assert h.store.get("os-skew").hints_used == 3
        guide = guide_of(screen)
        assert [f"{n}. " in guide for n in (1, 2, 3)] == [True, True, True], "every hint shown is in the guide"
        assert all(pick(hint, "en").split("`")[0][:30] in guide for hint in screen.lesson.hints)


@async_test
async def test_the_quiz_asks_one_question_at_a_time_and_saves_the_score(h: Harness) -> None:
    async with h.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter", "t")
        quiz = h.app.screen
        assert isinstance(quiz, QuizModal)
        answers = [q.answer for q in quiz.questions]
        for number, answer in enumerate(answers):
            assert quiz.index == number
            await pilot.press(*["down"] * answer, "enter")
            explanation = quiz.query_one("#quiz-explanation", Static)
            assert explanation.display and "Right" in text_of(explanation)
            await pilot.press("n")
        await pilot.pause()
        offer = h.app.screen
        assert isinstance(offer, NextLessonModal), "then what comes next"
        assert offer.offer.lesson is None and not offer.offer.current_done, "the only lesson, its fix still to do"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(h.app.screen, LessonScreen)
        progress = h.store.get("os-skew")
        assert (progress.quiz_score, progress.quiz_total) == (3, 3)
        assert progress.steps_done == ("quiz",)


@async_test
async def test_leaving_a_lesson_tears_it_down_and_home_shows_the_new_state(h: Harness) -> None:
    async with h.app.run_test(size=SIZE, message_hook=h.seen.append) as pilot:
        await open_and_run(h, pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(h.app.screen, HomeScreen)
        [torn] = h.posted(LessonTornDown)
        assert torn.lesson == "os-skew" and torn.removed
        assert h.fake.containers == {} and h.fake.networks == {}
        assert labels(h.app.screen.query_one(Tree))[0].startswith("◐")


@async_test
async def test_quitting_tears_down_everything_first(h: Harness) -> None:
    async with h.app.run_test(size=SIZE, message_hook=h.seen.append) as pilot:
        await open_and_run(h, pilot)
        assert h.fake.containers
        await pilot.press("ctrl+q")
        await settle(pilot)
    assert h.app.return_code == 0
    assert h.fake.containers == {}


@async_test
async def test_sigterm_exits_cleanly_and_the_containers_are_removed(h: Harness) -> None:
    async with h.app.run_test(size=SIZE) as pilot:
        await open_and_run(h, pilot)
        assert h.app.signals_handled, "the test runs on the main thread's loop, where signals can be handled"
        os.kill(os.getpid(), signal.SIGTERM)
        await pilot.pause()
    assert h.app.return_code == 128 + signal.SIGTERM
    assert h.app.runs.tear_down_all()  # what run_app does once the UI is gone
    assert h.fake.containers == {}


@async_test
async def test_reset_tears_down_and_runs_again(h: Harness) -> None:
    async with h.app.run_test(size=SIZE, message_hook=h.seen.append) as pilot:
        screen = await open_and_run(h, pilot)
        first = dict(h.fake.containers)
        await pilot.press("x")
        await settle(pilot)
        assert len(h.posted(RunFinished)) == 2
        assert screen.hints_shown == 0
        assert not set(first) & set(h.fake.containers), "the first run's containers are gone"
        assert len(h.fake.containers) == 3


@async_test
async def test_a_missing_image_is_shown_with_the_hint(tmp_path: Path) -> None:
    h = build(tmp_path)
    lesson = one_lesson("os-skew").lessons[0].lesson
    assert isinstance(lesson, DriftLesson)
    h.fake.images.discard(host_image(lesson.setup("prod-server")))
    async with h.app.run_test(size=SIZE, message_hook=h.seen.append) as pilot:
        screen = await open_and_run(h, pilot)
        error = screen.query_one("#lesson-error", Static)
        assert error.display and "envlab images prepare" in text_of(error)
        assert host_image(lesson.setup("prod-server")) in text_of(error)
        # Nothing started: the panes still wait, and no container was created.
        assert {screen.pane(n).state for n in ("dev-laptop", "prod-server", "container")} == {"waiting"}
        assert h.fake.containers == {}
        assert h.store.get("os-skew").steps_done == ()


@async_test
async def test_a_flood_of_output_is_bounded(tmp_path: Path) -> None:
    h = build(tmp_path)
    flood = [f"line {n}" for n in range(MAX_LINES * 3)]
    h.fake.script = {("dev-laptop", r"python3 --version"): (0, flood), **h.fake.script}
    async with h.app.run_test(size=SIZE) as pilot:
        screen = await open_and_run(h, pilot)
        lines = screen.pane("dev-laptop").lines
        assert len(lines) <= MAX_LINES
        assert any("Inventory report" in line for line in lines), "the newest lines are kept"


@async_test
async def test_language_switch_resume_and_help(h: Harness) -> None:
    h.store.opened("os-skew")
    async with h.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("l")
        assert h.app.lang == "ja"
        assert "同じ手順書" in labels(h.app.screen.query_one(Tree))[0]
        await pilot.press("f1")
        assert isinstance(h.app.screen, HelpModal)
        await pilot.press("escape")
        assert "第1章" in str(h.app.screen.query_one(Tree).root.children[0].label)
        assert "学習目標" in text_of(h.app.screen.query_one("#lesson-detail", Static))
        await pilot.press("c")
        assert isinstance(h.app.screen, LessonScreen)
        guide = guide_of(h.app.screen)
        assert "倉庫チーム" in guide and guide.startswith("**ステップ 1/4 · ストーリー**")
        await pilot.press("l")  # back to English, also from inside a lesson
        assert guide_of(h.app.screen).startswith("**Step 1 of 4 · The story**")


@async_test
async def test_the_drift_inspector_shows_its_report_in_a_panel(h: Harness) -> None:
    async with h.app.run_test(size=SIZE, message_hook=h.seen.append) as pilot:
        await open_and_run(h, pilot)
        await pilot.press("i")
        await settle(pilot)
        [inspected] = h.posted(DriftInspected)
        assert inspected.report is not None
        assert inspected.report.report.setups == ["dev-laptop", "prod-server", "container"]
        modal = h.app.screen
        assert isinstance(modal, DriftModal)
        table = modal.query_one(DataTable)
        assert table.row_count == len(inspected.report.report.rows) > 0
        await pilot.press("escape")
        assert isinstance(h.app.screen, LessonScreen)


@async_test
async def test_the_guide_steps_forward_and_back_and_follows_the_learner(h: Harness) -> None:
    async with h.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        screen = h.app.screen
        assert isinstance(screen, LessonScreen)
        assert guide_of(screen).startswith("**Step 1 of 4 · The story**")
        await pilot.press("n", "n")
        assert screen.step == 2 and "Press **f** for a shell inside `prod-server`" in guide_of(screen)
        await pilot.press("p")
        assert screen.step == 1
        await pilot.press("n", "n", "n", "n")
        assert screen.step == 3 and "**n**: next step" not in guide_of(screen)
        await pilot.press("r")
        await settle(pilot)
        assert screen.step == 1, "running shows what to watch"
        await pilot.press("f")
        await settle(pilot)
        assert screen.step == 3, "once fixed, the quiz is next"


@async_test
async def test_without_a_catalog_the_lessons_load_in_a_worker_after_the_first_paint(tmp_path: Path) -> None:
    h = build(tmp_path)
    h.app.catalog = None  # as the CLI builds it: the built-in curriculum, found in the background
    async with h.app.run_test(size=SIZE, message_hook=h.seen.append) as pilot:
        await settle(pilot)
        assert h.app.lessons_ready
        assert [type(m).__name__ for m in h.seen].count("CatalogLoaded") == 1
        assert "OS version skew" in labels(h.app.screen.query_one(Tree))[0]
        await pilot.press("enter")
        assert isinstance(h.app.screen, LessonScreen)


@async_test
async def test_resetting_progress_asks_first(h: Harness) -> None:
    h.store.step_done(h.app.catalog.lessons[0].lesson, "run")  # type: ignore[union-attr]
    async with h.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("x")
        assert isinstance(h.app.screen, ConfirmModal)
        await pilot.press("n")
        assert h.store.get("os-skew").steps_done == ("run",)
        await pilot.press("x", "y")
        await pilot.pause()
        assert h.store.get("os-skew").steps_done == ()
        assert labels(h.app.screen.query_one(Tree))[0].startswith("○")


@async_test
async def test_the_command_palette_offers_lessons_and_help(h: Harness) -> None:
    async with h.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        titles = [c.title for c in h.app.get_system_commands(h.app.screen)]
        assert "Open lesson: OS version skew: same runbook, different server" in titles
        assert {"Help", "Switch language", "Reconnect to Docker"} <= set(titles)


@async_test
async def test_a_scenario_lesson_streams_phases_and_traffic_into_one_pane(tmp_path: Path) -> None:
    from envlab.engine.events import LessonFinished, LessonStarted
    from envlab.engine.scenario.events import MeasurementChecked, PhaseStarted, TrafficSummary
    from envlab.ui.widgets.setup_panes import SetupPanes

    h = build(tmp_path, lesson="scale-out-sessions")
    async with h.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        screen = h.app.screen
        assert isinstance(screen, LessonScreen)
        for event in (LessonStarted("scale-out-sessions", "s", []),
                      PhaseStarted("memory", 0, "Sessions in memory"),
                      TrafficSummary("memory", 300, 8.0, 37.5, 0, 120, 280),
                      MeasurementChecked("memory", "lost_session_share", 0.43, 0.2, None, True, "users are logged out"),
                      LessonFinished("scale-out-sessions", True, 42.0)):
            screen.inbox.put(event)
        panes = screen.query_one(SetupPanes)
        panes.drain()
        pane = panes.pane("scenario")
        assert pane.state == "passed" and pane.duration == 42.0
        assert pane.lines[-3:] == ["▶ phase 1: Sessions in memory",
                                   "■ 300 requests at 38/s: 0 errors, 120 lost sessions",
                                   "✓ requests that found the user logged out: 43 % (expected ≥ 20 %) "
                                   "— users are logged out"]
        assert "The **live** panel on the right shows" in guide_text(screen.lesson, "en", step=1)


@async_test
async def test_keys_a_lesson_cannot_use_are_hidden(tmp_path: Path) -> None:
    h = build(tmp_path, lesson="scale-out-sessions")
    async with h.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        shown = {active.binding.action for active in h.app.screen.active_bindings.values()}
        assert {"run", "quiz", "hint"} <= shown
        assert not {"fix_it", "verify", "inspect"} & shown


@async_test
async def test_leaving_while_the_run_is_still_going_removes_everything(tmp_path: Path) -> None:
    import threading

    h = build(tmp_path)
    h.fake.block = threading.Event()  # every command waits until released: the run is mid-way
    async with h.app.run_test(size=SIZE, message_hook=h.seen.append) as pilot:
        await settle(pilot)
        await pilot.press("enter", "r")
        await pilot.pause(0.2)
        screen = h.app.screen
        assert isinstance(screen, LessonScreen) and screen.running
        await pilot.press("escape")
        assert isinstance(h.app.screen, HomeScreen)
        h.fake.block.set()
        await settle(pilot)
        await settle(pilot)
        assert len(h.app.runs) == 0
    assert h.fake.containers == {} and h.fake.networks == {}


@async_test
async def test_an_unexpected_error_in_a_worker_is_shown(tmp_path: Path) -> None:
    h = build(tmp_path)

    def broken(_session: object) -> object:
        raise ZeroDivisionError("a bug")

    h.app.runtime_factory = broken  # type: ignore[assignment]
    async with h.app.run_test(size=SIZE, message_hook=h.seen.append) as pilot:
        for _ in range(200):  # the connection starts once home is drawn, and fails at once
            if any("ZeroDivisionError: a bug" in n for n in h.notices()):
                break
            await pilot.pause(0.01)
        assert any("ZeroDivisionError: a bug" in n for n in h.notices())
        assert h.app.engine_state == "connecting", "a bug is not mistaken for Docker being down"
        assert isinstance(h.app.screen, HomeScreen), "the app keeps running"


@async_test
async def test_a_progress_folder_that_cannot_be_made_ends_the_app_with_a_message(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]) -> None:
    from envlab.ui.app import make_app
    from tests.helpers import os_skew_runtime
    from tests.ui.support import one_lesson

    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("ENVLAB_DATA_DIR", str(blocker / "data"))
    app = make_app(catalog=one_lesson(), lang="en", runtime=os_skew_runtime())
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(100):
            if app.return_code is not None:
                break
            await pilot.pause(0.01)
    assert app.return_code == 1
    said = capfd.readouterr().err  # printed when the app has left the screen
    assert "error: cannot open the progress database" in said and "ENVLAB_DATA_DIR" in said


@async_test
async def test_a_damaged_progress_database_is_kept_aside_and_the_course_starts(tmp_path: Path,
                                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "progress.sqlite3").write_bytes(b"garbage, not SQLite" * 64)
    monkeypatch.setenv("ENVLAB_DATA_DIR", str(data))
    from envlab.ui.app import make_app
    from tests.helpers import os_skew_runtime
    from tests.ui.support import Harness, one_lesson

    app = make_app(catalog=one_lesson(), lang="en", runtime=os_skew_runtime())
    h = Harness(app, os_skew_runtime(), app.store)
    async with app.run_test(size=SIZE, message_hook=h.seen.append) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen), "the course starts"
        assert any("Progress file damaged" in n and "progress.sqlite3.damaged-" in n for n in h.notices())
    assert [p.name.split(".damaged-")[0] for p in data.glob("*.damaged-*")] == ["progress.sqlite3"]


@async_test
async def test_a_scenario_pane_names_measurements_in_the_learners_language(tmp_path: Path) -> None:
    from envlab.engine.scenario.events import MeasurementChecked, PhaseStarted
    from envlab.ui.widgets.setup_panes import SetupPanes

    h = build(tmp_path, lesson="scale-out-sessions", lang="ja")
    async with h.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        screen = h.app.screen
        assert isinstance(screen, LessonScreen)
        for event in (PhaseStarted("crash", 1, "Two replicas **crash** at once"),
                      MeasurementChecked("crash", "recovery_time", 9.12, None, 15.0, True),
                      MeasurementChecked("crash", "final_running", 3.0, 3.0, 3.0, True),
                      MeasurementChecked("crash", "error_rate", 0.004, None, 0.001, False)):
            screen.inbox.put(event)
        panes = screen.query_one(SetupPanes)
        panes.drain()
        assert panes.pane("scenario").lines[-4:] == ["▶ フェーズ 2: Two replicas crash at once",
                                                     "✓ 復旧時間: 9.1 秒(期待値 ≤ 15 秒)",
                                                     "✓ 最後に稼働していたレプリカ: 3(期待値 = 3)",
                                                     "✗ エラー率: 0.4 %(期待値 ≤ 0.1 %)"]
        await pilot.press("l")  # the lines from now on follow the switch
        await settle(pilot)
        screen.inbox.put(MeasurementChecked("crash", "recovery_time", 9.12, None, 15.0, True))
        panes.drain()
        assert panes.pane("scenario").lines[-1] == "✓ recovery time: 9.1 s (expected ≤ 15 s)"
