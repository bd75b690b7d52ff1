"""Offline bundles on the fake runtime: what is written, what is refused, and that a refusal or a failed
load leaves the engine's images as they were. (The real engine's round trip is in tests/e2e.)"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from envlab.engine import bundle
from envlab.engine.builds import CONTEXT_LABEL
from envlab.engine.images import ImageNeed, image_needs
from envlab.engine.prepare import prepare_all
from envlab.lessons.loader import load_lesson
from envlab.runtime.fake import FakeRuntime
from tests.helpers import CURRICULUM


@pytest.fixture
def needs() -> list[ImageNeed]:
    return image_needs([load_lesson(CURRICULUM / "tiny-drift.yaml"), load_lesson(CURRICULUM / "tiny-scenario.yaml")])


def prepared(needs: list[ImageNeed]) -> FakeRuntime:
    fake = FakeRuntime()
    assert all(r.action != "failed" for r in prepare_all(fake, needs, lambda *_: None))
    return fake


def images_of(fake: FakeRuntime) -> dict[str, dict[str, str] | None]:
    return {tag: fake.image_labels(tag) for tag in sorted(fake.images)}


def exported(needs: list[ImageNeed], tmp_path: Path) -> tuple[Path, bundle.Manifest]:
    path = tmp_path / "course.bundle"
    return path, bundle.export_bundle(prepared(needs), needs, path, lambda *_: None)


def load(fake: FakeRuntime, path: Path) -> list[bundle.Imported]:
    manifest = bundle.read_manifest(path)
    bundle.verify(path, manifest, lambda *_: None)
    return bundle.import_bundle(fake, path, manifest, bundle.plan_import(fake, manifest), lambda *_: None,
                                lambda _line: None)


def test_a_bundle_carries_every_image_with_its_labels_to_an_empty_engine(needs, tmp_path: Path) -> None:
    path, manifest = exported(needs, tmp_path)
    assert [i.tag for i in manifest.images] == [n.tag for n in needs]
    assert {i.kind for i in manifest.images} >= {"base", "fix", "service"}
    assert all(i.context for i in manifest.images if i.kind in ("fix", "service"))
    with zipfile.ZipFile(path) as archive:
        assert archive.getinfo(bundle.PAYLOAD).file_size == manifest.payload.bytes < manifest.payload.archive_bytes
    empty = FakeRuntime()
    done = load(empty, path)
    assert {d.action for d in done} == {"loaded"}
    assert images_of(empty) == images_of(prepared(needs))  # tags and labels (the build digests) alike


def test_images_already_present_are_left_out_of_what_the_engine_reads(needs, tmp_path: Path) -> None:
    path, _ = exported(needs, tmp_path)
    fake = prepared(needs)
    fix = next(n.tag for n in needs if n.kind == "fix")
    fake.remove_image(fix)
    seen: list[str] = []
    manifest = bundle.read_manifest(path)
    done = bundle.import_bundle(fake, path, manifest, bundle.plan_import(fake, manifest), lambda *_: None,
                                seen.append)
    assert seen == [f"Loaded image: {fix}"]  # the archive the engine got named only the missing image
    assert {d.image.tag: d.action for d in done}[fix] == "loaded"
    assert sum(d.action == "present" for d in done) == len(needs) - 1
    assert fake.image_labels(fix) is not None and CONTEXT_LABEL in (fake.image_labels(fix) or {})


def test_nothing_to_load_touches_nothing(needs, tmp_path: Path) -> None:
    path, _ = exported(needs, tmp_path)
    fake = prepared(needs)
    fake.fail_load_after = 0  # any load would fail
    assert {d.action for d in load(fake, path)} == {"present"}


def test_a_truncated_bundle_is_refused_and_the_engine_keeps_its_images(needs, tmp_path: Path) -> None:
    path, _ = exported(needs, tmp_path)
    data = path.read_bytes()
    fake = FakeRuntime(images={"debian:bookworm-slim"})
    before = images_of(fake)
    for cut in (len(data) // 2, len(data) - 10, 100):
        short = tmp_path / f"cut-{cut}.bundle"
        short.write_bytes(data[:cut])
        with pytest.raises(bundle.BundleError, match="truncated or not an envlab bundle"):
            load(fake, short)
    assert images_of(fake) == before


def test_a_corrupted_payload_is_refused_before_the_engine_is_touched(needs, tmp_path: Path) -> None:
    path, _ = exported(needs, tmp_path)
    data = bytearray(path.read_bytes())
    middle = data.index(b"images.tar.zst") + 200  # inside the payload, past its local header
    data[middle] ^= 0xFF
    path.write_bytes(bytes(data))
    fake = FakeRuntime()
    fake.fail_load_after = 0
    with pytest.raises(bundle.BundleError, match="damaged"):
        load(fake, path)
    assert fake.images == set()


def rewrite_manifest(path: Path, change: dict[str, object]) -> Path:
    out = path.with_name("changed.bundle")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(out, "w") as target:
        document = json.loads(source.read(bundle.MANIFEST))
        document.update(change)
        target.writestr(bundle.PAYLOAD, source.read(bundle.PAYLOAD))
        target.writestr(bundle.MANIFEST, json.dumps(document))
    return out


@pytest.mark.parametrize(("change", "message"), [
    ({"format": "something-else"}, "is not an envlab bundle"),
    ({"format_version": 2}, "this envlab reads format 1"),
    ({"images": [{"tag": "x; rm -rf /", "id": "sha256:x", "kind": "base", "size": 1}]}, r"images\.0\.tag"),
    ({"payload": {"bytes": 1, "sha256": "0" * 64, "archive_bytes": 1}}, "the file is damaged"),
    ({"surprise": True}, "surprise"),
])
def test_a_foreign_or_altered_manifest_is_refused_with_what_is_wrong(needs, tmp_path: Path, change, message) -> None:
    path, _ = exported(needs, tmp_path)
    with pytest.raises(bundle.BundleError, match=message):
        bundle.read_manifest(rewrite_manifest(path, change))


def test_a_zip_that_is_not_a_bundle_and_a_missing_file_are_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.zip"
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(bundle.BundleError, match=r"has no manifest\.json"):
        bundle.read_manifest(other)
    with pytest.raises(bundle.BundleError, match="no such file"):
        bundle.read_manifest(tmp_path / "absent.bundle")
    with pytest.raises(bundle.BundleError, match="is a folder"):
        bundle.read_manifest(tmp_path)


def test_a_load_that_fails_part_way_keeps_nothing_of_it(needs, tmp_path: Path) -> None:
    path, _ = exported(needs, tmp_path)
    fake = FakeRuntime(images={"debian:bookworm-slim"})
    before = images_of(fake)
    fake.fail_load_after = 2  # the engine tags two images, then runs out of space
    with pytest.raises(bundle.BundleError, match=r"nothing of it was kept: .*no space left"):
        load(fake, path)
    assert images_of(fake) == before


def test_another_image_under_a_bundled_tag_is_kept(needs, tmp_path: Path) -> None:
    path, manifest = exported(needs, tmp_path)
    first = manifest.images[0].model_dump()
    changed = rewrite_manifest(path, {"images": [{**first, "id": "sha256:" + "a" * 64},
                                                 *[i.model_dump() for i in manifest.images[1:]]]})
    fake = prepared(needs)
    plan = bundle.plan_import(fake, bundle.read_manifest(changed))
    assert plan[0].action == "kept" and {p.action for p in plan[1:]} == {"present"}


def test_export_refuses_when_an_image_is_missing_and_writes_nothing(needs, tmp_path: Path) -> None:
    fake = prepared(needs)
    fake.remove_image(needs[-1].tag)
    path = tmp_path / "course.bundle"
    with pytest.raises(bundle.BundleError, match=needs[-1].tag.replace(".", r"\.")):
        bundle.export_bundle(fake, needs, path, lambda *_: None)
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_mid_load_keeps_nothing_of_it(needs, tmp_path: Path) -> None:
    path, _ = exported(needs, tmp_path)
    fake = FakeRuntime(images={"debian:bookworm-slim"})
    before = images_of(fake)
    loaded = fake.load_images

    def interrupted(chunks, on_line):  # type: ignore[no-untyped-def]
        loaded(chunks, on_line)  # everything tagged, then the learner presses Ctrl+C
        raise KeyboardInterrupt

    fake.load_images = interrupted  # type: ignore[method-assign]
    with pytest.raises(KeyboardInterrupt):
        load(fake, path)
    assert images_of(fake) == before
