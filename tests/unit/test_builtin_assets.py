"""`assets: builtin:<name>`: a pack's lesson builds from a folder of the built-in course (the shop) by name, in a
checkout and in an installed wheel, and no other spelling of it, nor any path below it, leaves that folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from envlab.engine.builds import lesson_assets
from envlab.engine.images import service_needs
from envlab.lessons import assets
from envlab.lessons.assets import AssetError, builtin_assets, builtin_root, locate_assets
from envlab.lessons.catalog import find_lesson, load_checked
from envlab.lessons.loader import LessonFileError
from tests.helpers import REPO

SCENARIO = REPO / "examples" / "pack-example" / "shop-replicas.yaml"
NAMES = ", ".join(builtin_assets())


def lesson_with(tmp_path: Path, assets_line: str, *, more: str = "") -> Path:
    """The example pack's shop lesson in a pack of its own, with its ``assets`` line replaced."""
    text = SCENARIO.read_text(encoding="utf-8").replace("assets: builtin:shop", assets_line, 1) + more
    (tmp_path / "pack.yaml").write_text('id: p\ntitle: P\nversion: "1"\nchapters: {11: Shop}\n', encoding="utf-8")
    path = tmp_path / "shop.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def refused(path: Path) -> list[str]:
    with pytest.raises(LessonFileError) as caught:
        load_checked(path)
    return [f"{p.line}:{p.col}: {p.message}" for p in caught.value.problems]


def test_builtin_shop_is_the_built_in_course_s_shop_and_shares_its_images(tmp_path: Path) -> None:
    loaded = load_checked(lesson_with(tmp_path, "assets: builtin:shop"))
    folder = lesson_assets(loaded)
    assert folder.pack == Path(os.path.realpath(builtin_root())) and folder.parts == ("assets", "shop")
    assert loaded.assets_dir == (builtin_root() / "assets" / "shop").resolve()
    assert "shop" in builtin_assets()
    builtin = {need.tag for need in service_needs(find_lesson("scale-out-sessions"))}
    assert {need.tag for need in service_needs(loaded)} == builtin  # the same builds: the same images, built once


@pytest.mark.parametrize(("value", "said"), [
    ("builtin:../../etc", "'../../etc' is not a bare folder name"),
    ("builtin:..", "'..' is not a bare folder name"),
    ("builtin:shop/../../..", "'shop/../../..' is not a bare folder name"),
    ("builtin:shop/web", "'shop/web' is not a bare folder name"),
    ("builtin:/etc", "'/etc' is not a bare folder name"),
    ("builtin:", "'' is not a bare folder name"),
    ("builtin:Shop", "'Shop' is not a bare folder name"),
    ("builtin:nope", "'nope' names no folder"),
])
def test_anything_but_a_bare_built_in_name_is_refused_at_the_assets_field(tmp_path: Path, value: str,
                                                                           said: str) -> None:
    path = lesson_with(tmp_path, f'assets: "{value}"')
    expected = (f"9:9: assets: {value!r}: {said} of the built-in course's assets; write builtin:<name> with one of: "
                f"{NAMES} (the lesson's own files are named relative to it)")
    assert refused(path) == [expected]
    with pytest.raises(AssetError):
        locate_assets(path, value, "example-shop-replicas")  # and again at run time, where it is read


def test_paths_below_a_builtin_folder_stay_inside_it(tmp_path: Path) -> None:
    path = lesson_with(tmp_path, "assets: builtin:shop", more=(
        "kubernetes:\n  manifests: ../os-skew/app/inventory.py\n  mapping: none\n"))
    text = path.read_text(encoding="utf-8").replace("build: {context: sessions,", "build: {context: ../../envlab,")
    path.write_text(text, encoding="utf-8")
    problems = refused(path)
    assert any("topology.services[1].build.context: '../../envlab' leaves the lesson's assets folder" in p
               for p in problems), problems
    assert any("kubernetes.manifests: '../os-skew/app/inventory.py' leaves the lesson's assets folder" in p
               for p in problems), problems


def test_the_prefix_means_nothing_anywhere_but_the_assets_field(tmp_path: Path) -> None:
    path = lesson_with(tmp_path, "assets: builtin:shop")
    text = path.read_text(encoding="utf-8").replace("build: {context: web,", "build: {context: 'builtin:shop',")
    path.write_text(text, encoding="utf-8")
    assert any("'builtin:shop' not found in the assets folder" in p for p in refused(path))


def test_a_pack_s_own_relative_path_still_cannot_climb_to_the_builtin_assets(tmp_path: Path) -> None:
    climb = os.path.relpath(builtin_root() / "assets" / "shop", tmp_path)
    assert refused(lesson_with(tmp_path, f"assets: {climb}")) == [f"9:9: assets: {climb!r} leaves the lesson's pack"]


def test_in_an_installed_wheel_builtin_names_the_wheel_s_folder(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "site" / "envlab"
    (package / "_builtin" / "lessons").mkdir(parents=True)
    (package / "_builtin" / "assets" / "shop" / "web").mkdir(parents=True)
    (package / "_builtin" / "assets" / "elsewhere").mkdir()
    (package / "_builtin" / "assets" / "linked").symlink_to(tmp_path)  # never named: not a folder of its own
    monkeypatch.setattr(assets, "_PACKAGE", package)
    assert builtin_root() == package / "_builtin"
    assert builtin_assets() == ["elsewhere", "shop"]
    folder = locate_assets(tmp_path / "x.yaml", "builtin:shop", "x")
    assert folder.path == (package / "_builtin" / "assets" / "shop").resolve()
    assert assets.read_tree(folder, "web").is_dir
    with pytest.raises(AssetError, match="'linked' names no folder"):
        locate_assets(tmp_path / "x.yaml", "builtin:linked", "x")
