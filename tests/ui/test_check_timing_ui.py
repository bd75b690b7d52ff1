"""A check that holds both before and after the fix, in the TUI on the fake runtime: the checks box marks it,
runs it again when the learner's fix is verified, and a fix that breaks it is not a fix."""

from __future__ import annotations

from pathlib import Path

from envlab.lessons.catalog import Catalog, load_checked
from envlab.runtime.fake import FakeRuntime
from envlab.ui.messages import ChecksVerified, RunFinished
from envlab.ui.widgets.checks_panel import ChecksPanel
from tests.helpers import FIXTURES
from tests.ui.support import async_test, build, fake_with_images, settle

SIZE = (120, 40)


def harness(tmp_path: Path, *, legacy_after: bytes):  # type: ignore[no-untyped-def]
    """The fixture lesson on a fake whose learner turns the feature on and leaves ``legacy_after`` behind."""
    catalog = Catalog(lessons=[load_checked(FIXTURES / "holds" / "holds-both.yaml")])
    fake: FakeRuntime = fake_with_images(catalog)
    fake.script = {("server", r"cat /etc/app/feature"): (1, ["cat: /etc/app/feature: No such file or directory"])}
    h = build(tmp_path, fake=fake, catalog=catalog, fix_in_shell=False)

    def learner(container: str, setup: str) -> int:
        fake.put_files(container, [("/etc/app/feature", b"on\n", 0o644), ("/etc/app/legacy.conf", legacy_after, 0o644)])
        return 0

    h.app.shell = learner
    return h


async def fixed(tmp_path: Path, legacy_after: bytes) -> tuple[ChecksVerified, str]:
    h = harness(tmp_path, legacy_after=legacy_after)
    async with h.app.run_test(size=SIZE, message_hook=h.seen.append) as pilot:
        await settle(pilot)
        h.app.call_later(h.app.open_lesson, "holds-both")
        await pilot.pause()
        await pilot.press("r")
        await settle(pilot)
        [finished] = h.posted(RunFinished)
        assert [(c.check, c.passed, c.expected) for c in finished.summary.checks] == [
            ("feature-on", False, False), ("legacy-off", True, True)]
        assert "must hold before and after the fix" in h.app.screen.query_one(ChecksPanel).text
        await pilot.press("f")
        await settle(pilot)
        [verified] = h.posted(ChecksVerified)
        panel = h.app.screen.query_one(ChecksPanel).text
        await pilot.press("escape")
        await settle(pilot)
    return verified, panel


@async_test
async def test_verifying_a_fix_runs_again_the_check_that_holds_both(tmp_path: Path) -> None:
    verified, panel = await fixed(tmp_path, b"LEGACY=0\n")
    assert verified.ok
    assert [(r.check, r.passed, r.after_fix) for r in verified.results] == [
        ("feature-on", True, True), ("legacy-off", True, True)]
    assert "Your fix works" in panel and "the legacy mode stays off" in panel


@async_test
async def test_a_fix_that_breaks_the_check_that_holds_both_is_not_yet_a_fix(tmp_path: Path) -> None:
    verified, panel = await fixed(tmp_path, b"LEGACY=1\n")
    assert not verified.ok
    assert [(r.check, r.passed) for r in verified.results] == [("feature-on", True), ("legacy-off", False)]
    assert "Your fix: not yet" in panel
    assert "LEGACY='1' in /etc/app/legacy.conf, wanted '0'" in panel
    assert "Turning the feature on must not turn the legacy mode back on." in panel
