"""Images as archives in memory, shaped as Docker's: a tar with ``manifest.json``, configs and layers.

:meth:`TransferOps.save_images` writes what ``docker save`` writes (one manifest entry per image with its
``RepoTags``, a config carrying the labels, one layer), and :meth:`TransferOps.load_images` reads it back
the way ``docker load`` does: a damaged archive is refused, and each image is tagged as its entry is read,
so a load that fails part-way has tagged the images before the failure.
"""

from __future__ import annotations

import io
import json
import tarfile
from collections.abc import Iterator

from envlab.errors import EnvlabError, ImageMissing
from envlab.runtime.contract import PREPARE_HINT, ImageFacts, LineSink
from envlab.runtime.fake.state import FakeState

LAYER_BYTES = 4096  # what each fake image's one layer holds


class TransferOps(FakeState):
    """Save, load, size and removal of fake images."""

    #: When set, a load fails after tagging this many images (to test a failure mid-load).
    fail_load_after: int | None = None

    def image_facts(self, refs: list[str]) -> dict[str, ImageFacts]:
        with self._lock:
            return {ref: ImageFacts(f"sha256:{tag}", LAYER_BYTES + len(tag), dict(self._image_labels.get(tag, {})))
                    for ref in refs if (tag := self._tag(ref)) is not None}

    def image_size(self, ref: str) -> int:
        with self._lock:
            tag = self._tag_of(ref)
            return LAYER_BYTES + len(tag)

    def save_images(self, refs: list[str]) -> Iterator[bytes]:
        buffer = io.BytesIO()
        with self._lock, tarfile.open(fileobj=buffer, mode="w") as tar:
            manifest = []
            for index, ref in enumerate(refs):
                tag = self._tag_of(ref)
                config = json.dumps({"id": tag, "config": {"Labels": self._image_labels.get(tag, {})}}).encode()
                _add(tar, f"{index}.json", config)
                _add(tar, f"layer{index}/layer.tar", tag.encode().ljust(LAYER_BYTES, b"\0"))
                manifest.append({"Config": f"{index}.json", "RepoTags": [tag], "Layers": [f"layer{index}/layer.tar"]})
            _add(tar, "manifest.json", json.dumps(manifest).encode())
        data = buffer.getvalue()
        for start in range(0, len(data), 8192):
            yield data[start:start + 8192]

    def load_images(self, chunks: Iterator[bytes], on_line: LineSink) -> list[str]:
        data = b"".join(chunks)
        try:
            with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tar:
                files = {m.name: _read(tar, m) for m in tar.getmembers() if m.isfile()}
            manifest = json.loads(files["manifest.json"])
            entries = [(json.loads(files[e["Config"]]), list(e.get("RepoTags") or [])) for e in manifest]
        except (tarfile.TarError, KeyError, ValueError, TypeError) as exc:
            raise EnvlabError(f"the engine refused the images: {type(exc).__name__}: {exc}") from None
        loaded: list[str] = []
        for config, tags in entries:
            if self.fail_load_after is not None and len(loaded) >= self.fail_load_after:
                raise EnvlabError("the engine refused the images: no space left on device")
            with self._lock:
                for tag in tags:
                    self.images.add(tag)
                    self._image_labels[tag] = dict(config["config"]["Labels"])
                    loaded.append(tag)
                    on_line(f"Loaded image: {tag}")
        return loaded

    def remove_image(self, ref: str) -> None:
        with self._lock:
            tag = self._tag(ref)
            if tag is not None:
                self.images.discard(tag)
                self._image_labels.pop(tag, None)

    def _tag_of(self, ref: str) -> str:
        tag = self._tag(ref)
        if tag is None:
            raise ImageMissing(f"image {ref} is not on this engine", hint=PREPARE_HINT)
        return tag


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def _read(tar: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    handle = tar.extractfile(member)
    assert handle is not None
    return handle.read()
