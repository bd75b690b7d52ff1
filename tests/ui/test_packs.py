"""Home names each chapter by its pack's title, and a lesson from another pack than the built-in course says
which pack it comes from."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static, Tree

from envlab.lessons.catalog import Catalog, load_catalog
from tests.helpers import REPO
from tests.ui.support import async_test, build, settle

EXAMPLE = REPO / "examples" / "pack-example"


def two_packs() -> Catalog:
    found = load_catalog([EXAMPLE])
    return Catalog(lessons=[found.get("os-skew"), found.get("example-cksum-skew")])


@async_test
async def test_chapters_say_their_pack_s_titles_and_a_stranger_s_lesson_its_pack(tmp_path: Path) -> None:
    h = build(tmp_path, catalog=two_packs())
    async with h.app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        tree: Tree[str] = h.app.screen.query_one(Tree)
        chapters = [str(chapter.label) for chapter in tree.root.children]
        assert chapters == ["Chapter 1: Release hell before Docker", "Chapter 10: Drift in the base system's tools"]
        leaves = {leaf.data: str(leaf.label) for chapter in tree.root.children for leaf in chapter.children}
        assert leaves["example-cksum-skew"] == "○ One checksum command, two coreutils · example-pack"
        assert leaves["os-skew"] == "○ OS version skew: same runbook, different server"
        detail = h.app.screen.query_one("#lesson-detail", Static)
        tree.move_cursor(tree.root.children[1].children[0])
        await pilot.pause()
        shown = str(detail.render())
        assert "From the pack Example pack: the tools around the app (example-pack 1.0.0)" in shown
        await pilot.press("l")
        await pilot.pause()
        chapters = [str(chapter.label) for chapter in tree.root.children]
        assert chapters == ["第1章 Docker 以前のリリース地獄", "第10章 ベースシステムの道具に潜むドリフト"]
