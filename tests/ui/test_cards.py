"""Home lists the lessons from the cards the last load left, before they load again; a lesson chosen from
its card opens once it has loaded."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import cast

import pytest
from textual.widgets import Tree

import envlab.lessons.catalog as catalog_module
from envlab.engine.progress import ProgressStore
from envlab.lessons.catalog import Catalog
from envlab.ui.app import EnvlabApp, make_app
from envlab.ui.screens.home_screen import HomeScreen
from envlab.ui.screens.lesson_screen import LessonScreen
from tests.helpers import CURRICULUM, os_skew_runtime
from tests.ui.support import OFFLINE, async_test, settle, wait_until


def app_on(tmp_path: Path) -> EnvlabApp:
    """The app as the CLI builds it, its lessons loaded in its worker (none given to it)."""
    return make_app(runtime=os_skew_runtime(), lessons=[CURRICULUM], lang="en",
                    store=ProgressStore(tmp_path / "progress.sqlite3"), network=lambda: OFFLINE)


def tree(app: EnvlabApp) -> Tree[str]:
    return cast("Tree[str]", app.screen.query_one("#curriculum"))


def listed(app: EnvlabApp) -> list[str | None]:
    return [leaf.data for chapter in tree(app).root.children for leaf in chapter.children]


def cursor(app: EnvlabApp) -> str | None:
    node = tree(app).cursor_node
    return None if node is None else node.data


@async_test
async def test_the_second_start_lists_the_lessons_before_they_load(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    first = app_on(tmp_path)
    async with first.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert first.lessons_ready
        ids = listed(first)
    load = catalog_module.load_catalog
    release = threading.Event()

    def held(dirs: object = ()) -> Catalog:
        assert release.wait(30), "the test never released the load"
        return load(dirs)  # type: ignore[arg-type]

    monkeypatch.setattr(catalog_module, "load_catalog", held)
    again = app_on(tmp_path)
    async with again.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: again.lessons_listed and bool(again.screen.query("#curriculum"))
                         and cursor(again) is not None)
        assert isinstance(again.screen, HomeScreen)
        assert not again.lessons_ready, "listed from the cards while the lessons still load"
        assert listed(again) == ids and cursor(again) == ids[0]  # where c would go on
        await pilot.press("enter")  # the first lesson, chosen from its card
        assert isinstance(again.screen, HomeScreen), "a card never opens a lesson"
        release.set()
        await wait_until(pilot, lambda: isinstance(again.screen, LessonScreen))
        assert isinstance(again.screen, LessonScreen) and again.screen.lesson.id == ids[0]
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(again.screen, HomeScreen))
        assert listed(again) == ids  # the loaded lessons took the cards' place
