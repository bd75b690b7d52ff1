"""The TUI opens the learner profile switched to with `envlab progress profiles switch`."""

from __future__ import annotations

from envlab.engine.progress import ProgressStore
from envlab.runtime.fake import FakeRuntime
from envlab.ui.app import make_app
from tests.ui.support import one_lesson


def test_the_app_opens_the_profile_in_use() -> None:
    assert make_app(runtime=FakeRuntime(), catalog=one_lesson()).store.profile == "default"
    store = ProgressStore.open_default()
    store.create_profile("seat 4")
    store.switch_profile("seat 4")
    app = make_app(runtime=FakeRuntime(), catalog=one_lesson())
    assert app.store.profile == "seat 4" and app.store.path == store.path
