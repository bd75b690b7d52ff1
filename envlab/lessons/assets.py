"""What a lesson may read from the host: its pack, its assets folder, and a walker that copies what it checked.

A lesson is data from a stranger, and the files it names are read on the learner's machine. So:

- the **pack root** of a lesson file is the folder holding ``pack.yaml`` (the file's folder or its parent),
  else the file's folder, or that folder's parent when it is called ``lessons`` (the built-in layout);
- the lesson's **assets folder** resolves inside the pack root (without a ``pack.yaml``, a ``lessons``
  folder's lessons may use only the ``assets`` folder beside it or their own folder: the parent was
  guessed, and may be a folder the pack's author does not own, such as a home folder);
- the one way out of a pack is ``assets: builtin:<name>``, which names a folder of the built-in course's
  ``assets/`` (the shop of the scenario lessons) by a bare name: no path of the lesson's own reaches it,
  and everything below it is read by the same walker;
- every path a lesson names is relative, stays inside the assets folder, and is read by :func:`read_tree`,
  which opens each component relative to an open folder with ``O_NOFOLLOW``. A symlink anywhere below
  the assets folder, or anything that is neither a regular file nor a folder, is refused by name, and
  the total size and number of entries are bounded. What is checked is what is read: a file swapped
  for a symlink after validation (or between the walker's own look and its open) is refused, not
  followed.
"""

from __future__ import annotations

import os
import posixpath
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from envlab.errors import LessonError

#: Bytes a lesson may make envlab read from its pack, all named assets together. The built-in lessons
#: need well under 1 MiB (vendored wheels included); 64 MiB leaves room for real wheels and sample data
#: while a pack cannot make envlab hold gigabytes in memory or send them to the engine.
MAX_BYTES = 64 * 1024 * 1024
#: Files and folders a lesson may name, all together: tens today; bounds every walk and every archive.
MAX_ENTRIES = 5_000
#: Folders nested below a named folder: bounds the recursion and the descriptors open at once.
MAX_DEPTH = 32
#: A Dockerfile or Kubernetes manifest is text a person wrote; anything bigger than this is not one.
MAX_TEXT_FILE = 1024 * 1024

PACK_FILE = "pack.yaml"
#: How a lesson's ``assets`` field names a folder of the built-in course's ``assets/`` instead of its own.
BUILTIN_PREFIX = "builtin:"
_BUILTIN_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
_PACKAGE = Path(__file__).resolve().parent.parent

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
# O_NONBLOCK: a FIFO swapped in after the look must not block the open; O_NOCTTY: never a terminal.
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK | os.O_NOCTTY


class AssetError(LessonError):
    """A path a lesson names is not a file or folder of its own pack, or there is too much of it."""


class AssetMissing(AssetError):
    """A path a lesson names does not exist."""


@dataclass(frozen=True)
class AssetsFolder:
    """A lesson's assets folder: its pack root (symlinks resolved) and the folder's place inside it.

    Attributes:
        pack: The pack root.
        parts: The assets folder's path below ``pack``, one folder name each (no ``..``, no symlinks).
    """

    pack: Path
    parts: tuple[str, ...]

    @property
    def path(self) -> Path:
        """The assets folder as a path (for messages and display; reads go through :func:`read_tree`)."""
        return self.pack.joinpath(*self.parts)


@dataclass(frozen=True)
class Entry:
    """One regular file read by :func:`read_tree`.

    Attributes:
        path: Its path below the named folder, ``/``-separated; ``""`` when the name was the file itself.
        data: Its bytes (empty when only looked at).
        mode: Its permission bits (setuid, setgid and sticky bits are dropped: a stranger's file
            has no business carrying them into an image or a container).
        size: Its size in bytes.
    """

    path: str
    data: bytes
    mode: int
    size: int


@dataclass(frozen=True)
class Tree:
    """What a name in the assets folder is: one file, or a folder and every file below it."""

    is_dir: bool
    entries: list[Entry]


@dataclass
class Budget:
    """What one lesson may still read; a file seen twice (a context and a host file) counts once."""

    max_entries: int = MAX_ENTRIES
    max_bytes: int = MAX_BYTES
    entries: int = 0
    bytes: int = 0
    _seen: set[tuple[int, int]] = field(default_factory=set)

    def charge(self, shown: str, st: os.stat_result) -> None:
        """Count one file or folder of ``st``'s size, or refuse naming ``shown``."""
        key = (st.st_dev, st.st_ino)
        if key in self._seen:
            return
        self._seen.add(key)
        self.entries += 1
        self.room(shown, 0)
        if stat.S_ISREG(st.st_mode):
            self.bytes += st.st_size
            if self.bytes > self.max_bytes:
                raise AssetError(f"{shown!r}: a lesson's assets may hold at most {_size(self.max_bytes)} "
                                 f"(this file is {st.st_size:,} bytes)")

    def room(self, shown: str, more: int) -> None:
        """Refuse, naming ``shown``, when ``more`` entries would not fit."""
        if self.entries + more > self.max_entries:
            raise AssetError(f"{shown!r}: a lesson may name at most {self.max_entries:,} files and folders")


def _size(count: int) -> str:
    return f"{count // 2**20} MiB" if count >= 2**20 else f"{count:,} bytes"


# the pack and its assets folder -----------------------------------------------------------------
def builtin_root() -> Path:
    """The folder holding the built-in ``pack.yaml``, ``lessons/``, ``assets/`` and ``schema/``.

    In a source checkout that is the repository; in an installed wheel, ``envlab/_builtin``.
    """
    installed = _PACKAGE / "_builtin"
    return installed if (installed / "lessons").is_dir() else _PACKAGE.parent


def builtin_assets() -> list[str]:
    """The folders of the built-in ``assets/`` a lesson may name as ``builtin:<name>``, sorted."""
    try:
        found = [p.name for p in (builtin_root() / "assets").iterdir() if p.is_dir() and not p.is_symlink()]
    except OSError:
        return []
    return sorted(name for name in found if _BUILTIN_NAME.fullmatch(name))


def _builtin_folder(assets: str) -> AssetsFolder:
    """The built-in assets folder ``builtin:<name>`` names; refuses anything but a bare name it has.

    Raises:
        AssetError: The name is a path (``builtin:../x``, ``builtin:shop/web``), empty, or not a folder
            of the built-in course.
    """
    name = assets.removeprefix(BUILTIN_PREFIX)
    known = builtin_assets()
    if not _BUILTIN_NAME.fullmatch(name) or name not in known:
        said = "names no folder" if _BUILTIN_NAME.fullmatch(name) else "is not a bare folder name"
        raise AssetError(f"{assets!r}: {name!r} {said} of the built-in course's assets; write {BUILTIN_PREFIX}<name> "
                         f"with one of: {', '.join(known) or 'none'} (the lesson's own files are named relative to it)")
    return AssetsFolder(Path(os.path.realpath(builtin_root())), ("assets", name))


def pack_root(lesson_file: Path) -> tuple[Path, bool]:
    """The pack root of ``lesson_file`` (symlinks resolved), and whether it was guessed from a ``lessons`` folder."""
    folder = Path(os.path.realpath(lesson_file.parent))
    for candidate in (folder, folder.parent):
        if (candidate / PACK_FILE).is_file():
            return candidate, False
    if folder.name == "lessons":
        return folder.parent, True
    return folder, False


def confine(relative: str) -> tuple[str, ...]:
    """The folder names of ``relative`` once ``.`` and ``..`` are applied; refuses what leaves its start.

    Raises:
        AssetError: ``relative`` is absolute, holds a NUL byte, or climbs out with ``..``.
    """
    if "\0" in relative:
        raise AssetError(f"{relative!r} holds a NUL byte")
    if relative.startswith("/"):
        raise AssetError(f"{relative!r} is an absolute path: name a path inside the assets folder")
    normal = posixpath.normpath(relative or ".")
    if normal == ".." or normal.startswith("../"):
        raise AssetError(f"{relative!r} leaves the lesson's assets folder")
    return () if normal == "." else tuple(normal.split("/"))


def locate_assets(lesson_file: Path, assets: str | None, lesson_id: str) -> AssetsFolder:
    """The assets folder of a lesson: its ``assets`` field (relative to the file) or the default.

    The default is ``assets/<id>`` beside the file, else ``../assets/<id>``, whichever exists inside the
    pack (the first when neither does). ``builtin:<name>`` is the built-in course's ``assets/<name>``.

    Raises:
        AssetError: The folder leaves the pack root, or reaches outside it through a symlink, or a
            ``builtin:`` reference names no built-in folder.
    """
    if assets is not None and assets.startswith(BUILTIN_PREFIX):
        return _builtin_folder(assets)
    pack, guessed = pack_root(lesson_file)
    here = Path(os.path.relpath(os.path.realpath(lesson_file.parent), pack)).as_posix()
    if assets is not None:
        return _inside(pack, guessed, here, assets, shown=assets)
    candidates = [c for c in (f"assets/{lesson_id}", f"../assets/{lesson_id}")
                  if not posixpath.normpath(posixpath.join(here, c)).startswith("..")]
    for candidate in candidates:
        if os.path.lexists(pack / posixpath.normpath(posixpath.join(here, candidate))):
            return _inside(pack, guessed, here, candidate, shown=candidate)  # the one it means: the pack's own?
    return _inside(pack, guessed, here, candidates[0], shown=candidates[0])  # none exists: say where to put it


def _inside(pack: Path, guessed: bool, here: str, assets: str, *, shown: str) -> AssetsFolder:
    if assets.startswith("/") or "\0" in assets:
        raise AssetError(f"{shown!r} is not a folder of the lesson's pack (name it relative to the lesson file)")
    parts = posixpath.normpath(posixpath.join(here, assets)).split("/")
    if parts[0] == "..":
        raise AssetError(f"{shown!r} leaves the lesson's pack")
    real = Path(os.path.realpath(pack.joinpath(*[p for p in parts if p != "."])))
    if real != pack and pack not in real.parents:
        raise AssetError(f"{shown!r} leads out of the lesson's pack through a symlink")
    inner = real.relative_to(pack).parts
    if guessed and inner[:1] != ("assets",) and inner[:len(Path(here).parts)] != Path(here).parts:
        raise AssetError(f"{shown!r} is outside the pack's assets folder: without a {PACK_FILE}, the lessons "
                         f"in a 'lessons' folder may use only the 'assets' folder beside it")
    return AssetsFolder(pack, inner)


# the walker --------------------------------------------------------------------------------------
def read_tree(folder: AssetsFolder, relative: str, *, contents: bool = True, budget: Budget | None = None) -> Tree:
    """Read the file or folder ``relative`` names in ``folder``, symlinks refused and sizes bounded.

    Args:
        folder: The lesson's assets folder.
        relative: The path the lesson names, relative to ``folder``.
        contents: Read the files' bytes; ``False`` only looks (validation).
        budget: What the lesson may still read (a fresh one by default).

    Raises:
        AssetMissing: The path does not exist.
        AssetError: It leaves the folder, crosses a symlink, is neither a regular file nor a folder, or
            holds too much.
    """
    parts = confine(relative)
    budget = budget if budget is not None else Budget()
    shown = "/".join(parts) or "."
    steps = [(name, "/".join(folder.parts[: i + 1]), "the pack") for i, name in enumerate(folder.parts)]
    steps += [(name, "/".join(parts[: i + 1]), "the assets folder") for i, name in enumerate(parts[:-1])]
    fd = _open_pack(folder)
    try:
        for name, step_shown, where in steps:
            child = _descend(fd, name, step_shown, where)
            os.close(fd)
            fd = child
        if parts and stat.S_ISREG(_look(fd, parts[-1], shown).st_mode):
            return Tree(False, [_read_file(fd, parts[-1], shown, "", budget, contents)])
        if parts:
            child = _descend(fd, parts[-1], shown, "the assets folder")
            os.close(fd)
            fd = child
        return Tree(True, _walk_dir(fd, "/".join(parts), "", 0, budget, contents))
    finally:
        os.close(fd)


def read_text(folder: AssetsFolder, relative: str, *, limit: int = MAX_TEXT_FILE) -> str:
    """A text file the lesson names (a Dockerfile, manifests), read through :func:`read_tree`.

    Raises:
        AssetError: As :func:`read_tree`; also when it is a folder, over ``limit`` bytes, or not UTF-8.
    """
    if read_tree(folder, relative, contents=False).is_dir:
        raise AssetError(f"{relative!r} is not a file")
    tree = read_tree(folder, relative, budget=Budget(max_entries=1, max_bytes=limit))
    try:
        return tree.entries[0].data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise AssetError(f"{relative!r} is not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def _open_pack(folder: AssetsFolder) -> int:
    # The pack root is where the operator put the lessons: symlinks above it are theirs to make.
    try:
        return os.open(folder.pack, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as exc:
        raise AssetMissing(f"the lesson's pack {folder.pack} cannot be opened: {exc.strerror}") from None


def _look(parent: int, name: str, shown: str) -> os.stat_result:
    """``lstat`` of ``name`` in ``parent``; refuses symlinks and anything but regular files and folders."""
    try:
        st = os.stat(name, dir_fd=parent, follow_symlinks=False)
    except FileNotFoundError:
        raise AssetMissing(f"{shown!r} not found") from None
    except (OSError, ValueError) as exc:
        raise AssetError(f"{shown!r} cannot be read: {getattr(exc, 'strerror', None) or exc}") from None
    if stat.S_ISLNK(st.st_mode):
        raise AssetError(f"{shown!r} is a symlink: envlab does not follow symlinks in a pack (copy the file in)")
    if not (stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode)):
        raise AssetError(f"{shown!r} is neither a regular file nor a folder")
    return st


def _descend(parent: int, name: str, shown: str, where: str) -> int:
    """Open folder ``name`` in ``parent`` without following a symlink; the caller closes both."""
    try:
        return os.open(name, _DIR_FLAGS, dir_fd=parent)
    except (OSError, ValueError):
        st = _look(parent, name, shown)  # names the reason: gone, a symlink, a device
        if not stat.S_ISDIR(st.st_mode):
            raise AssetError(f"{shown!r} in {where} is not a folder") from None
        raise AssetError(f"{shown!r} in {where} cannot be opened") from None


def _walk_dir(fd: int, named: str, below: str, depth: int, budget: Budget, contents: bool) -> list[Entry]:
    """Every regular file below the open folder ``fd`` (``below`` the folder the lesson ``named``), sorted."""
    here = "/".join(p for p in (named, below) if p) or "."
    budget.charge(here, os.fstat(fd))
    if depth > MAX_DEPTH:
        raise AssetError(f"{here!r} is nested more than {MAX_DEPTH} folders deep")
    names: list[str] = []
    try:
        with os.scandir(fd) as listing:
            for item in listing:
                names.append(item.name)
                budget.room(here, len(names))  # a folder of a million names is refused while listed
    except OSError as exc:
        raise AssetError(f"{here!r} cannot be listed: {exc.strerror}") from None
    entries: list[Entry] = []
    for name in sorted(names):
        path = f"{below}/{name}" if below else name
        shown = f"{named}/{path}" if named else path
        if stat.S_ISREG(_look(fd, name, shown).st_mode):
            entries.append(_read_file(fd, name, shown, path, budget, contents))
            continue
        child = _descend(fd, name, shown, "the assets folder")
        try:
            entries += _walk_dir(child, named, path, depth + 1, budget, contents)
        finally:
            os.close(child)
    return entries


def _read_file(parent: int, name: str, shown: str, path: str, budget: Budget, contents: bool) -> Entry:
    """One regular file: looked at (``lstat``), or opened without following and read as ``fstat`` says."""
    if not contents:
        st = _look(parent, name, shown)
        budget.charge(shown, st)
        return Entry(path, b"", stat.S_IMODE(st.st_mode) & 0o777, st.st_size)
    _look(parent, name, shown)  # never open a device or a FIFO, even to look at it
    try:
        fd = os.open(name, _FILE_FLAGS, dir_fd=parent)
    except OSError:
        _look(parent, name, shown)  # swapped since the look: name the reason (a symlink, gone)
        raise AssetError(f"{shown!r} cannot be opened") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise AssetError(f"{shown!r} is neither a regular file nor a folder")
        budget.charge(shown, st)
        chunks: list[bytes] = []
        left = st.st_size
        while left > 0:  # at most what fstat said: a file growing under the walker adds nothing
            chunk = os.read(fd, min(left, 1024 * 1024))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return Entry(path, b"".join(chunks), stat.S_IMODE(st.st_mode) & 0o777, st.st_size)
    except OSError as exc:
        raise AssetError(f"{shown!r} cannot be read: {exc.strerror}") from None
    finally:
        os.close(fd)
