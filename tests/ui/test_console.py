"""A scenario lesson whose servers come with a console: f opens the learner's shell in the console's
workstation once the servers run (and says how to get there before), with the Swarm commands it allows
beside their Kubernetes equivalents; the key says Console, not Fix it."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot

from envlab.engine.scenario.kubernetes import console_commands
from envlab.engine.scenario.run import ScenarioRun
from envlab.engine.scenario.servers import cluster_name
from envlab.lessons.model import ScenarioLesson
from envlab.ui.messages import ChallengeMeasured, RunFinished
from envlab.ui.screens.lesson_screen import LessonScreen
from envlab.ui.strings import t
from envlab.ui.widgets.key_bar import KeyBar
from tests.helpers import FIXTURES
from tests.ui.support import Harness, async_test, build, fake_with_images, fixture_curriculum, settle, wait_until


def servers_course(tmp_path: Path) -> Harness:
    """The app over the fixture lessons on servers, on a fake runtime holding their images."""
    catalog = fixture_curriculum(FIXTURES / "servers")
    return build(tmp_path, fake=fake_with_images(catalog), catalog=catalog, fix_in_shell=False)


async def opened(pilot: Pilot[int], h: Harness, lesson: str) -> LessonScreen:
    """Open ``lesson`` from home; return its screen."""
    await settle(pilot)
    h.app.call_later(h.app.open_lesson, lesson)
    await wait_until(pilot, lambda: isinstance(h.app.screen, LessonScreen))
    screen = h.app.screen
    assert isinstance(screen, LessonScreen)
    return screen


@async_test
async def test_f_opens_the_console_once_the_servers_run(tmp_path: Path) -> None:
    h = servers_course(tmp_path)
    async with h.app.run_test(size=(120, 36), message_hook=h.seen.append) as pilot:
        screen = await opened(pilot, h, "tiny-servers")
        actions = {key.action: key.description for key in screen.query_one(KeyBar).keys}
        assert actions.get("console") == "Console" and "fix_it" not in actions
        await pilot.press("f")
        await pilot.pause()
        assert any(t("console_not_ready", "en") in notice for notice in h.notices())
        assert h.shells == []
        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(screen.run, ScenarioRun) and bool(screen.run.console))
        run = screen.run
        assert isinstance(run, ScenarioRun)
        await pilot.press("f")
        await wait_until(pilot, lambda: bool(h.shells))
        assert h.shells == [(run.console, "console")]
        await settle(pilot)


def test_the_console_s_commands_are_shown_with_their_kubernetes_equivalents() -> None:
    catalog = fixture_curriculum(FIXTURES / "servers")
    lesson = next(loaded.lesson for loaded in catalog.lessons if loaded.lesson.id == "tiny-servers")
    assert isinstance(lesson, ScenarioLesson)
    commands = dict(console_commands(lesson))
    assert commands["docker service ps web"] == "kubectl get pods -o wide -l app=web"
    assert commands["docker service scale web=N"] == "kubectl scale deployment web --replicas=N"
    assert not any("drain" in swarm for swarm in commands)  # the fixture's console may read and scale only


@async_test
async def test_leaving_the_console_measures_the_challenge_and_v_measures_it_again_after_the_learner_s_change(
        tmp_path: Path) -> None:
    """The lesson's system stays up after its phases; leaving the console runs the challenge's measured phase: not
    yet (nothing changed), then, once the service really has three replicas, it holds and the step is done."""
    h = servers_course(tmp_path)
    async with h.app.run_test(size=(120, 36), message_hook=h.seen.append) as pilot:
        screen = await opened(pilot, h, "tiny-challenge")
        actions = {key.action for key in screen.query_one(KeyBar).keys}
        assert "console" in actions and "verify" not in actions  # leaving the console measures; v again, unlisted
        await pilot.press("r")
        await wait_until(pilot, lambda: bool(h.posted(RunFinished)), timeout=60)
        run = screen.run
        assert isinstance(run, ScenarioRun) and run.live
        await pilot.press("f")
        await wait_until(pilot, lambda: bool(h.posted(ChallengeMeasured)), timeout=60)
        assert h.shells == [(run.console, "console")]
        assert not h.posted(ChallengeMeasured)[0].ok
        assert "fix" not in h.store.get("tiny-challenge").steps_done
        engine = h.fake.cluster_engine(cluster_name(run.session, run.lesson_id))
        engine.update_service("web", replicas=3)  # what `docker service scale web=3` in the console does
        await pilot.press("v")
        await wait_until(pilot, lambda: len(h.posted(ChallengeMeasured)) == 2, timeout=60)
        measured = h.posted(ChallengeMeasured)[1]
        assert measured.ok and (measured.held, measured.total) == (2, 2)
        assert "fix" in h.store.get("tiny-challenge").steps_done
        assert any(t("challenge_solved", "en") in notice for notice in h.notices())
        await settle(pilot)
