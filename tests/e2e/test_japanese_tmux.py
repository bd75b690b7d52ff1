"""End to end in a real terminal, in Japanese at 80×24: the first lesson, from home to the next lesson."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from envlab.lessons.catalog import load_catalog
from envlab.lessons.model import DriftLesson
from envlab.lessons.text import pick
from envlab.ui.strings import t
from tests.e2e.test_tui_tmux import PATIENCE, Terminal, fix_os_skew_in_the_shell, ours, require_tmux

pytestmark = pytest.mark.engine

JA = "ja"
LESSON = "os-skew"


def say(key: str, **values: object) -> str:
    """The interface's own text ``key`` in Japanese, as envlab shows it."""
    return t(key, JA, **values)


def flat(text: str) -> str:
    """``text`` without whitespace, so a line the terminal wrapped at 80 columns reads as it was written."""
    return "".join(text.split())


def header(screen: str) -> str:
    """The screen's first row: Textual's header, which carries the open lesson's title."""
    return screen.splitlines()[0] if screen else ""


@pytest.fixture
def terminal(tmp_path: Path, docker_client: docker.DockerClient) -> Iterator[Terminal]:
    """envlab in Japanese (``env`` comes after the default ``ENVLAB_LANG=en``) in an 80×24 terminal."""
    require_tmux()
    term = Terminal(tmp_path / "data", env={"ENVLAB_LANG": JA}, width=80, height=24)
    try:
        yield term
    finally:
        term.close()


def test_the_first_lesson_in_japanese_at_80_by_24_from_home_to_the_next_lesson(
        terminal: Terminal, docker_client: docker.DockerClient) -> None:
    """A learner reading Japanese in an 80×24 terminal goes through the os-skew lesson on the real engine.

    Home says Docker is ready and lists the lesson; Enter opens it under its Japanese title; r runs it and
    the checks box comes up; f opens a real shell inside prod-server with the Japanese banner, where the
    learner installs tomli from the shipped wheel and edits the import in nano; on exit envlab verifies the
    fix (the checks box says it works) and moves to step 4/4; t takes the quiz, each of its questions
    answered right; the "what next" prompt offers the catalog's next lesson and Enter opens it under its
    Japanese title; Ctrl+Q quits and leaves none of the session's containers behind.
    """
    catalog = load_catalog()
    lesson = catalog.get(LESSON).lesson
    ids = [loaded.lesson.id for loaded in catalog.lessons]
    following = catalog.lessons[ids.index(LESSON) + 1].lesson
    assert isinstance(lesson, DriftLesson) and lesson.challenge is not None, \
        f"{LESSON} is a drift lesson with a fix-it challenge"
    target = lesson.challenge.target
    title, next_title = pick(lesson.title, JA), pick(following.title, JA)

    # 1. Home. The lesson list cuts long titles and the detail panel wraps them: wait for the part
    #    before the colon, which fits on one line in both.
    terminal.wait_for(say("docker_ready"), title.split(":")[0])

    # 2. The lesson, its run, and the fix-it shell.
    terminal.keys("Enter")  # the first lesson is under the cursor on a fresh start
    terminal.wait_until(lambda screen: title in header(screen) and say("press_run") in screen,
                        f"the lesson {LESSON!r} titled {title!r} in the header, ready to run")
    terminal.keys("r")
    terminal.wait_for(say("checks_before"))  # the run has ended and the checks ran
    banner = [say("shell_banner", setup=target), say("shell_editor")]
    terminal.keys("f")  # envlab steps aside; the terminal is a shell inside the production server
    terminal.wait_until(lambda screen: all(flat(line) in flat(screen) for line in banner)
                        and f"root@{target}:/#" in screen, f"the Japanese banner of the shell inside {target}")

    fix_os_skew_in_the_shell(terminal)

    # 3. Verified on return; the guide moves to the quiz. The step heading wraps in the narrow guide
    #    column, so wait for its part without the step's name.
    step = say("step_of", n=4, total=4, title="").strip()
    terminal.wait_for(say("fix_works"), say("fixed"), step)
    terminal.keys("t")
    for n, question in enumerate(lesson.quiz, start=1):
        terminal.wait_for(say("question_of", n=n, total=len(lesson.quiz)), pick(question.question, JA)[:12])
        terminal.keys(*["Down"] * question.answer, "Enter")  # the first choice is highlighted
        terminal.wait_for(say("right"))
        terminal.keys("Enter")  # on to the next question; after the last, the quiz ends
    terminal.wait_for(say("quiz_result", score=len(lesson.quiz), total=len(lesson.quiz)),
                      say("next_up"), next_title, say("next_keys"))
    terminal.keys("Enter")
    terminal.wait_until(lambda screen: next_title in header(screen) and say("press_run") in screen,
                        f"the next lesson {following.id!r} titled {next_title!r} in the header")

    # 4. Quit: every container of this session goes.
    terminal.keys("C-q")
    deadline = time.monotonic() + PATIENCE
    while terminal.alive() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not terminal.alive(), f"envlab did not quit on Ctrl+Q; the screen shows:\n{terminal.shown()}"
    assert ours(docker_client, terminal.pid) == [], "envlab left containers of its session behind"
