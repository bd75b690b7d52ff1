"""Offline bundles: every image a course needs in one file, carried to machines with no network.

A bundle is a zip archive (stored, not deflated) of two members:

``images.tar.zst``
    One ``docker save`` archive of every image, shared layers once, compressed with Zstandard (with its
    frame checksum).
``manifest.json``
    What is inside and how to check it: envlab's version, the engine's architecture, each image's tag, id,
    kind, size, build digest and the lessons that use it, and the payload's size and SHA-256.

The zip's central directory sits at the end, so a truncated file is refused at once; a corrupted one is
refused by the payload's SHA-256, checked in full before the engine is touched. Loading then streams
the payload into ``docker load`` with no temporary copy; images already present are left out of the
archive's own manifest on the way, so the engine does not even read them. If the engine fails part-way,
every tag that load added is removed again: nothing half-imported stays tagged as ready.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import io
import json
import os
import queue
import struct
import tarfile
import threading
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal

import pydantic
import zstandard

from envlab import __version__
from envlab.engine.builds import CONTEXT_LABEL
from envlab.engine.images import ImageNeed
from envlab.errors import EnvlabError
from envlab.runtime.contract import Runtime

FORMAT = "envlab-bundle"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
PAYLOAD = "images.tar.zst"
CHUNK = 1 << 20
LEVEL = 1  # Zstandard's fastest positive level: on two cores the engine and compression share the CPU

#: Receives (bytes done, bytes in all or None when unknown).
ByteProgress = Callable[[int, int | None], None]


class BundleError(EnvlabError):
    """A bundle cannot be written, or a file is not a bundle this envlab can load."""

    exit_code = 5


class BundleImage(pydantic.BaseModel):
    """One image in a bundle."""

    model_config = pydantic.ConfigDict(extra="forbid", frozen=True)

    tag: str = pydantic.Field(min_length=1, max_length=256, pattern=r"^[a-z0-9][a-z0-9._/:-]*$")
    id: str = pydantic.Field(pattern=r"^sha256:[0-9a-f]{64}$|^sha256:[a-z0-9._/:-]+$")
    kind: Literal["base", "host", "fix", "service"]
    size: int = pydantic.Field(ge=0)
    context: str = pydantic.Field(default="", max_length=64)
    lessons: tuple[str, ...] = ()


class Payload(pydantic.BaseModel):
    """The compressed archive and how to check it."""

    model_config = pydantic.ConfigDict(extra="forbid", frozen=True)

    name: Literal["images.tar.zst"] = "images.tar.zst"
    compression: Literal["zstd"] = "zstd"
    bytes: int = pydantic.Field(ge=0)
    sha256: str = pydantic.Field(pattern=r"^[0-9a-f]{64}$")
    archive_bytes: int = pydantic.Field(ge=0)


class Manifest(pydantic.BaseModel):
    """What a bundle holds."""

    model_config = pydantic.ConfigDict(extra="forbid", frozen=True)

    format: Literal["envlab-bundle"]
    format_version: int
    envlab_version: str = pydantic.Field(max_length=64)
    created: str = pydantic.Field(max_length=64)
    arch: str = pydantic.Field(max_length=32)
    images: tuple[BundleImage, ...] = pydantic.Field(max_length=1000)
    payload: Payload

    def image(self, tag: str) -> BundleImage | None:
        """The entry for ``tag``, if the bundle holds it."""
        return next((i for i in self.images if i.tag == tag), None)


# writing --------------------------------------------------------------------------------------
def export_bundle(runtime: Runtime, needs: list[ImageNeed], path: Path, progress: ByteProgress) -> Manifest:
    """Write every image of ``needs`` into a bundle at ``path`` (whole or not at all).

    Raises:
        BundleError: An image is missing, or the file cannot be written.
    """
    facts = runtime.image_facts([n.tag for n in needs])
    missing = [n.tag for n in needs if n.tag not in facts]
    if missing:
        raise BundleError(f"{len(missing)} image(s) to bundle are not on this engine: {', '.join(missing)}",
                          hint="run `envlab images prepare` first")
    images = tuple(
        BundleImage(tag=n.tag, id=facts[n.tag].id, kind=n.kind, size=facts[n.tag].size,
                    context=facts[n.tag].labels.get(CONTEXT_LABEL, ""), lessons=n.lessons)
        for n in needs)
    total = sum(i.size for i in images)
    partial = path.with_name(f".{path.name}.partial")
    try:
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
            with archive.open(PAYLOAD, "w", force_zip64=True) as entry:
                digest, written, raw = _compress(runtime.save_images([i.tag for i in images]), entry, total, progress)
            manifest = Manifest(
                format=FORMAT, format_version=FORMAT_VERSION, envlab_version=__version__,
                created=datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
                arch=runtime.engine_info().arch, images=images,
                payload=Payload(bytes=written, sha256=digest, archive_bytes=raw))
            archive.writestr(MANIFEST, manifest.model_dump_json(indent=2))
        os.replace(partial, path)
    except OSError as exc:
        raise BundleError(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        partial.unlink(missing_ok=True)
    return manifest


class _Hashing(io.RawIOBase):
    """Counts and hashes what passes on to ``target``."""

    def __init__(self, target: IO[bytes]) -> None:
        self.target, self.digest, self.count = target, hashlib.sha256(), 0

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self.digest.update(data)
        self.count += len(data)
        self.target.write(data)
        return len(data)


def _compress(chunks: Iterator[bytes], target: IO[bytes], total: int, progress: ByteProgress) -> tuple[str, int, int]:
    sink = _Hashing(target)
    compressor = zstandard.ZstdCompressor(level=LEVEL, threads=-1, write_checksum=True)
    raw = 0
    with compressor.stream_writer(sink, closefd=False) as writer:  # type: ignore[arg-type]
        for chunk in chunks:
            writer.write(chunk)
            raw += len(chunk)
            progress(raw, max(total, raw))
    return sink.digest.hexdigest(), sink.count, raw


# reading --------------------------------------------------------------------------------------
def read_manifest(path: Path) -> Manifest:
    """The manifest of the bundle at ``path``, refusing what is not a whole bundle of this format.

    Raises:
        BundleError: Missing, truncated, foreign or newer than this envlab reads.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if MANIFEST not in names or PAYLOAD not in names:
                raise BundleError(f"{path} is not an envlab bundle: it has no {MANIFEST} and {PAYLOAD}")
            raw = archive.read(MANIFEST)
            payload_size = archive.getinfo(PAYLOAD).file_size
    except FileNotFoundError:
        raise BundleError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise BundleError(f"{path} is a folder, not a bundle") from None
    except (zipfile.BadZipFile, EOFError, ValueError) as exc:
        raise BundleError(f"{path} is truncated or not an envlab bundle ({exc})",
                          hint="copy the bundle again; its size must match the original's") from None
    except OSError as exc:
        raise BundleError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        document = json.loads(raw)
    except ValueError as exc:
        raise BundleError(f"{path}: {MANIFEST} is not JSON: {exc}") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise BundleError(f"{path} is not an envlab bundle (its manifest names no {FORMAT} format)")
    if document.get("format_version") != FORMAT_VERSION:
        raise BundleError(f"{path} is a bundle of format {document.get('format_version')!r}; this envlab reads "
                          f"format {FORMAT_VERSION}", hint="use the envlab version that wrote it, or export again")
    try:
        manifest = Manifest.model_validate(document)
    except pydantic.ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise BundleError(f"{path}: {MANIFEST}: {where}: {first['msg']}") from None
    if manifest.payload.bytes != payload_size:
        raise BundleError(f"{path}: the images take {payload_size} bytes, the manifest says "
                          f"{manifest.payload.bytes}: the file is damaged")
    return manifest


def verify(path: Path, manifest: Manifest, progress: ByteProgress) -> None:
    """Read the whole payload and compare its SHA-256 with the manifest's.

    Raises:
        BundleError: The payload differs (a damaged or altered file).
    """
    digest = hashlib.sha256()
    done = 0
    try:
        with _payload(path) as entry:
            while block := entry.read(CHUNK):
                digest.update(block)
                done += len(block)
                progress(done, manifest.payload.bytes)
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        raise BundleError(f"{path} is damaged: {exc}", hint="copy the bundle again") from None
    if digest.hexdigest() != manifest.payload.sha256:
        raise BundleError(f"{path} is damaged: its images do not match the manifest's checksum",
                          hint="copy the bundle again")


ImportAction = Literal["present", "kept", "loaded"]


@dataclass(frozen=True)
class Imported:
    """What importing did with one image: ``present`` (the same image was there), ``kept`` (another image
    with that tag was there and stays) or ``loaded``."""

    image: BundleImage
    action: ImportAction


def plan_import(runtime: Runtime, manifest: Manifest) -> list[Imported]:
    """What importing would do with each image, without doing it."""
    facts = runtime.image_facts([i.tag for i in manifest.images])
    return [Imported(image, "loaded" if image.tag not in facts else
                     "present" if facts[image.tag].id == image.id else "kept") for image in manifest.images]


def import_bundle(runtime: Runtime, path: Path, manifest: Manifest, plan: list[Imported],
                  progress: ByteProgress, on_line: Callable[[str], None]) -> list[Imported]:
    """Load the images ``plan`` marks ``loaded`` (call :func:`verify` first); undo all of it on a failure.

    Raises:
        BundleError: The engine refused the images, or loaded others than the manifest names.
    """
    wanted = {i.image.tag: i.image for i in plan if i.action == "loaded"}
    if not wanted:
        return plan
    loaded: list[str] = []
    try:
        with _payload(path) as entry:
            chunks = _decompressed(entry, manifest.payload.bytes, progress)
            if len(wanted) < len(manifest.images):
                chunks = _only(chunks, set(wanted))
            loaded = runtime.load_images(chunks, on_line)
        now = runtime.image_facts(list(wanted))
        wrong = [t for t, i in wanted.items() if t in now and now[t].id != i.id]
        if wrong:
            raise BundleError(f"the engine loaded other images than the manifest names: {', '.join(wrong)}")
    except (EnvlabError, zipfile.BadZipFile, zstandard.ZstdError, tarfile.TarError, OSError) as exc:
        _undo(runtime, wanted)
        message = exc.message if isinstance(exc, EnvlabError) else f"{type(exc).__name__}: {exc}"
        raise BundleError(f"importing {path} failed, nothing of it was kept: {message}") from None
    except BaseException:  # Ctrl+C or SIGTERM mid-load: the same undo, then stop as asked
        _undo(runtime, wanted)
        raise
    missing = sorted(set(wanted) - set(loaded))
    if missing:
        _undo(runtime, wanted)
        raise BundleError(f"importing {path} failed, nothing of it was kept: not loaded: {', '.join(missing)}")
    return plan


class _Slice(io.RawIOBase):
    """``size`` bytes of ``handle`` from where it stands: the payload's bytes as stored, read once (the
    manifest's SHA-256 checks them, so zip's own CRC is not worked out a second time)."""

    def __init__(self, handle: IO[bytes], size: int) -> None:
        self.handle, self.left, self.done = handle, size, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        view = memoryview(buffer)  # a slice of a bytearray would be a copy
        count = self.handle.readinto(view[: min(len(view), self.left)])  # type: ignore[attr-defined]
        if not count and self.left:
            raise EOFError(f"{self.left} bytes of the images are missing")
        self.left -= count
        self.done += count
        return int(count)

    def tell(self) -> int:
        return self.done


@contextlib.contextmanager
def _payload(path: Path) -> Iterator[_Slice]:
    """The stored payload of the bundle at ``path``, as a stream of its bytes."""
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(PAYLOAD)
    if info.compress_type != zipfile.ZIP_STORED:
        raise BundleError(f"{path} is not an envlab bundle: its images are not stored as they were written")
    with path.open("rb") as handle:
        handle.seek(info.header_offset)
        header = handle.read(30)
        if len(header) < 30 or header[:4] != b"PK\x03\x04":
            raise zipfile.BadZipFile("the images' local header is damaged")
        name, extra = struct.unpack("<HH", header[26:30])
        handle.seek(info.header_offset + 30 + name + extra)
        yield _Slice(handle, info.compress_size)


def _undo(runtime: Runtime, wanted: dict[str, BundleImage]) -> None:
    """Remove every tag the import was to add: they were absent before, so what has them now came from it."""
    for tag in wanted:
        with contextlib.suppress(EnvlabError):  # the engine went away: `envlab images list` shows what stayed
            runtime.remove_image(tag)


def _decompressed(entry: _Slice, total: int, progress: ByteProgress) -> Iterator[bytes]:
    reader = zstandard.ZstdDecompressor().stream_reader(entry, read_size=CHUNK, closefd=False)  # type: ignore[arg-type]
    while block := reader.read(CHUNK):
        progress(entry.tell(), total)
        yield block


def _only(chunks: Iterator[bytes], tags: set[str]) -> Iterator[bytes]:
    """The archive again, its manifest listing only the images tagged ``tags`` (so only they load)."""
    source = _ChunkReader(chunks)
    out: queue.Queue[bytes | BaseException | None] = queue.Queue(maxsize=16)
    stop = threading.Event()

    def put(item: bytes | BaseException | None) -> None:
        while not stop.is_set():
            try:
                out.put(item, timeout=0.5)
                return
            except queue.Full:
                continue

    class Writer(io.RawIOBase):
        def writable(self) -> bool:
            return True

        def write(self, data: bytes) -> int:  # type: ignore[override]
            put(bytes(data))
            return len(data)

    def rewrite() -> None:
        try:
            with tarfile.open(fileobj=source, mode="r|", bufsize=CHUNK) as reader, \
                    tarfile.open(fileobj=Writer(), mode="w|", bufsize=CHUNK, format=tarfile.PAX_FORMAT) as writer:
                writer.copybufsize = CHUNK  # type: ignore[attr-defined]  # in 3.8+, not in the stubs
                for member in reader:
                    handle = reader.extractfile(member) if member.isfile() else None
                    if member.name in ("manifest.json", "repositories") and handle is not None:
                        data = _keep(member.name, handle.read(), tags)
                        member.size = len(data)
                        writer.addfile(member, io.BytesIO(data))
                    else:
                        writer.addfile(member, handle)
            put(None)
        except BaseException as exc:  # handed to the reading side, which raises it
            put(exc)

    thread = threading.Thread(target=rewrite, name="envlab-bundle-filter", daemon=True)
    thread.start()
    try:
        while (item := out.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join(timeout=5)


def _keep(name: str, data: bytes, tags: set[str]) -> bytes:
    document = json.loads(data)
    if name == "manifest.json":
        kept = [e for e in document if set(e.get("RepoTags") or ()) & tags]
        for entry in kept:
            entry["RepoTags"] = [t for t in entry["RepoTags"] if t in tags]
        return json.dumps(kept).encode()
    repositories: dict[str, dict[str, str]] = {}
    for repository, versions in document.items():
        for version, image in versions.items():
            if f"{repository}:{version}" in tags:
                repositories.setdefault(repository, {})[version] = image
    return json.dumps(repositories).encode()


class _ChunkReader(io.RawIOBase):
    """A readable stream over an iterator of chunks."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self.chunks, self.rest = chunks, memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while not self.rest:
            chunk = next(self.chunks, b"")
            if not chunk:
                return 0
            self.rest = memoryview(chunk)
        count = min(len(buffer), len(self.rest))
        buffer[:count] = self.rest[:count]
        self.rest = self.rest[count:]
        return count
