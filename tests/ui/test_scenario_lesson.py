"""What a scenario lesson has reaches the learner in the TUI: its hints in the guide, its Kubernetes manifests
beside what ran on Swarm.

The lesson is an instructor's own, written here: the fixture's tiny scenario copied into a pack of its own
with two hints and a ``kubernetes`` section, so nothing depends on the built-in course.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widget import Widget

from envlab.lessons.catalog import Catalog, load_catalog
from envlab.ui.screens.help_modal import HELP_EN, HELP_JA
from envlab.ui.screens.kubernetes_modal import KubernetesModal
from envlab.ui.screens.lesson_screen import LessonScreen
from envlab.ui.widgets.key_bar import KeyBar
from tests.helpers import CURRICULUM
from tests.ui.geometry import cuts, visible_text
from tests.ui.support import (
    Harness,
    async_test,
    build,
    fake_with_images,
    fixture_curriculum,
    guide_of,
    settle,
    wait_until,
)

SIZE = (100, 30)
HINTS = """\
hints:
  - {en: "Watch the [b]replicas[/b] in the live panel.", ja: ライブパネルのレプリカを見ましょう。}
  - en: The orchestrator starts a new task in the dead one's slot.
    ja: オーケストレーターが同じスロットに新しいタスクを起動します。
"""
KUBERNETES = """\
kubernetes:
  manifests: k8s/tiny.yaml
  mapping:
    en: "Swarm service `web` (replicas 2) → Deployment `web`; the balancer → Service `web`. [red]not markup[/red]"
    ja: "Swarm のサービス `web`(replicas 2)→ Deployment `web`。ロードバランサー → Service `web`。"
"""
MANIFESTS = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2   # [b]kept[/b]
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: tiny-web:v1
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
    - port: 8080
      targetPort: 8000
"""


def instructors_pack(root: Path, *, kubernetes: bool = True) -> Catalog:
    """The fixture's tiny scenario in a pack under ``root``, with two hints and (optionally) manifests."""
    pack = root / "pack"
    shutil.copytree(CURRICULUM / "assets" / "tiny-scenario", pack / "assets" / "tiny-scenario")
    text = (CURRICULUM / "tiny-scenario.yaml").read_text(encoding="utf-8")
    head, tail = text.split("hints:\n", 1)
    text = head + HINTS + tail.split("\n", 1)[1] + (KUBERNETES if kubernetes else "")
    (pack / "tiny-scenario.yaml").write_text(text, encoding="utf-8")
    if kubernetes:
        (pack / "assets" / "tiny-scenario" / "k8s").mkdir()
        (pack / "assets" / "tiny-scenario" / "k8s" / "tiny.yaml").write_text(MANIFESTS, encoding="utf-8")
    found = load_catalog([pack])
    lessons = [loaded for loaded in found.lessons if loaded.path.is_relative_to(pack)]
    assert [loaded.lesson.id for loaded in lessons] == ["tiny-scenario"], found.problems
    return Catalog(lessons=lessons)


def harness(tmp_path: Path, catalog: Catalog, *, lang: str = "en") -> Harness:
    return build(tmp_path, fake=fake_with_images(catalog), catalog=catalog, lang=lang)


async def open_lesson(pilot: Pilot[int], h: Harness) -> LessonScreen:
    await settle(pilot)
    h.app.call_later(h.app.open_lesson, "tiny-scenario")  # on the app's own loop, as Enter would
    await wait_until(pilot, lambda: isinstance(h.app.screen, LessonScreen))
    await pilot.pause()
    screen = h.app.screen
    assert isinstance(screen, LessonScreen)
    return screen


async def open_modal(pilot: Pilot[int], h: Harness) -> KubernetesModal:
    """Press k and wait for the modal."""
    await pilot.press("k")
    await wait_until(pilot, lambda: isinstance(h.app.screen, KubernetesModal))
    await pilot.pause()
    modal = h.app.screen
    assert isinstance(modal, KubernetesModal)
    return modal


def shown_keys(h: Harness) -> dict[str, str]:
    return {key.action: key.description for key in h.app.screen.query_one(KeyBar).keys}


def on_screen(screen: LessonScreen) -> str:
    """What the guide's box shows the learner now, row by row, the rows joined by spaces."""
    story = screen.query_one("#story")
    rows = visible_text(screen, story.content_region).splitlines()
    return " ".join(" ".join(row.strip("│ ").split()) for row in rows)


def text_of(modal: KubernetesModal, selector: str) -> str:
    """What a part of the modal draws, as plain text at its own width."""
    widget = modal.query_one(selector, Widget)
    return "\n".join(strip.text for strip in widget.render_lines(widget.content_region.reset_offset))


@async_test
async def test_each_hint_taken_shows_in_the_guide_and_is_still_there_when_the_lesson_is_reopened(
        tmp_path: Path) -> None:
    h = harness(tmp_path, instructors_pack(tmp_path))
    async with h.app.run_test(size=SIZE) as pilot:
        screen = await open_lesson(pilot, h)
        assert "replicas[/b]" not in guide_of(screen)
        await pilot.press("h")
        await pilot.pause()
        guide = guide_of(screen)
        assert "Step 2 of 3 · Watch the run" in guide, "the hints show in the step the learner watches the run in"
        assert "### Hints" in guide and "1. Watch the [b]replicas[/b] in the live panel." in guide
        assert "new task in the dead one's slot" not in guide
        assert "1. Watch the [b]replicas[/b] in the live panel." in on_screen(screen), "drawn as written"
        await pilot.press("h")
        await pilot.pause()
        guide = guide_of(screen)
        assert "2. The orchestrator starts a new task in the dead one's slot." in guide
        assert "2. The orchestrator starts a new task" in on_screen(screen)
        assert h.store.get("tiny-scenario").hints_used == 2
        await pilot.press("escape")
        await settle(pilot)
        screen = await open_lesson(pilot, h)
        await pilot.press("n")  # from the story to watching the run
        await pilot.pause()
        guide = guide_of(screen)
        assert "1. Watch the [b]replicas[/b]" in guide and "2. The orchestrator starts" in guide
        screen.query_one("#story").scroll_end(animate=False)
        await pilot.pause()
        assert "2. The orchestrator starts a new task" in on_screen(screen)


@async_test
async def test_the_kubernetes_key_shows_the_manifests_and_the_mapping_before_a_run(tmp_path: Path) -> None:
    h = harness(tmp_path, instructors_pack(tmp_path))
    async with h.app.run_test(size=SIZE) as pilot:
        screen = await open_lesson(pilot, h)
        assert shown_keys(h)["kubernetes"] == "Kubernetes"
        await pilot.press("n")
        await pilot.pause()
        assert "Press **k** for the equivalent Kubernetes manifests" in guide_of(screen)
        modal = await open_modal(pilot, h)
        manifests = text_of(modal, "#kubernetes-manifests-yaml")
        assert "kind: Deployment" in manifests and "kind: Service" in manifests
        assert "# [b]kept[/b]" in manifests, "lesson text is drawn as written, not as markup"
        mapping = text_of(modal, "#kubernetes-mapping-text")
        assert "How they map:" in mapping and "Deployment web" in mapping
        assert "[red]not markup[/red]" in mapping
        assert "Not run yet" in text_of(modal, "#kubernetes-swarm-yaml")
        assert "Swarm (as the engine reports it)" in text_of(modal, "#kubernetes-swarm-heading")
        await pilot.press("escape")
        await wait_until(pilot, lambda: h.app.screen is screen)


@async_test
async def test_after_a_run_the_modal_shows_what_ran_on_swarm(tmp_path: Path) -> None:
    h = harness(tmp_path, instructors_pack(tmp_path))
    async with h.app.run_test(size=(120, 40)) as pilot:
        screen = await open_lesson(pilot, h)
        await pilot.press("r")
        await settle(pilot)  # both phases are done
        await pilot.pause()
        assert any("press k" in line for line in screen.pane("scenario").lines)
        modal = await open_modal(pilot, h)
        swarm = text_of(modal, "#kubernetes-swarm-yaml")
        assert "service: web" in swarm and "replicas: 2" in swarm
        await pilot.press("escape")
        await wait_until(pilot, lambda: h.app.screen is screen)
        await pilot.press("escape")
        await settle(pilot)


@async_test
async def test_the_kubernetes_key_is_hidden_in_a_lesson_without_manifests(tmp_path: Path) -> None:
    h = harness(tmp_path, fixture_curriculum())
    async with h.app.run_test(size=SIZE) as pilot:
        screen = await open_lesson(pilot, h)
        assert "kubernetes" not in shown_keys(h)
        assert "hint" in shown_keys(h)
        await pilot.press("k")
        await pilot.pause()
        assert h.app.screen is screen
        assert "**k**" not in guide_of(screen)


@async_test
async def test_hints_and_the_kubernetes_modal_speak_japanese(tmp_path: Path) -> None:
    h = harness(tmp_path, instructors_pack(tmp_path), lang="ja")
    async with h.app.run_test(size=SIZE) as pilot:
        screen = await open_lesson(pilot, h)
        assert shown_keys(h)["kubernetes"] == "K8s"  # short, so every key of a lesson with a console fits 80 columns
        await pilot.press("h")
        await pilot.pause()
        guide = guide_of(screen)
        assert "### ヒント" in guide and "1. ライブパネルのレプリカを見ましょう。" in guide
        modal = await open_modal(pilot, h)
        assert "エンジンの報告どおり" in text_of(modal, "#kubernetes-swarm-heading")
        assert "まだ実行していません" in text_of(modal, "#kubernetes-swarm-yaml")
        mapping = text_of(modal, "#kubernetes-mapping-text")
        assert "対応:" in mapping and "ロードバランサー" in mapping
        await pilot.press("l")  # the modal follows the language while it is open
        await pilot.pause()
        assert "How they map:" in text_of(modal, "#kubernetes-mapping-text")


def test_the_help_lists_the_kubernetes_key_in_both_languages() -> None:
    assert "| k | " in HELP_EN and "Kubernetes" in HELP_EN.split("| k | ", 1)[1].split("\n", 1)[0]
    assert "| k | " in HELP_JA and "Kubernetes" in HELP_JA.split("| k | ", 1)[1].split("\n", 1)[0]


@pytest.mark.parametrize("lang", ["en", "ja"])
@async_test
async def test_the_kubernetes_modal_fits_at_80x24_and_its_manifests_scroll(tmp_path: Path, lang: str) -> None:
    h = harness(tmp_path, instructors_pack(tmp_path), lang=lang)
    async with h.app.run_test(size=(80, 24)) as pilot:
        await open_lesson(pilot, h)
        modal = await open_modal(pilot, h)
        await pilot.wait_for_scheduled_animations()
        assert not cuts(modal), [str(cut) for cut in cuts(modal)]
        side = modal.query_one("#kubernetes-manifests")
        assert side.has_focus and side.max_scroll_y > 0, "the manifests are longer than the box: it scrolls"
        await pilot.press("pagedown")
        await wait_until(pilot, lambda: side.scroll_y > 0)


@async_test
async def test_manifests_gone_since_the_lesson_was_checked_are_said_not_shown(tmp_path: Path) -> None:
    h = harness(tmp_path, instructors_pack(tmp_path))
    async with h.app.run_test(size=SIZE) as pilot:
        screen = await open_lesson(pilot, h)
        (tmp_path / "pack" / "assets" / "tiny-scenario" / "k8s" / "tiny.yaml").unlink()
        await pilot.press("k")
        await pilot.pause()
        assert h.app.screen is screen
        error = screen.query_one("#lesson-error")
        assert error.display and "k8s/tiny.yaml" in str(error.render())
