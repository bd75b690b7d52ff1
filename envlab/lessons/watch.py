"""Watching a lesson while its author edits it (`envlab dev`): the few folders it is read from, and no more.

A pack is a stranger's folder too, so the watch is bounded the way reading it is (:mod:`envlab.lessons.assets`):

- only folders are watched, each on its own (never recursively by the watcher itself): the lesson file's
  folder, the pack root (its ``pack.yaml``) and the lesson's assets folder with the folders below it;
- that list is walked here without following a symlink (a link to ``/`` or to a huge tree is not entered),
  at most :data:`~envlab.lessons.assets.MAX_DEPTH` deep and :data:`~envlab.lessons.assets.MAX_ENTRIES`
  files and folders in all; past that, what was found first is watched and :attr:`Watched.truncated` says so;
- a folder created or removed below the assets folder makes the list be walked again.

The watcher is :mod:`watchfiles` (inotify on Linux, batched changes), stopped by an event that every wait
honours within :data:`POLL_SECONDS`.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from envlab.lessons.assets import MAX_DEPTH, MAX_ENTRIES, PACK_FILE, AssetError, locate_assets, pack_root

if TYPE_CHECKING:
    from watchfiles import Change

#: How long one wait for changes lasts before the stop event is looked at again.
POLL_SECONDS = 0.2
#: Changes that come together (an editor's write, rename and chmod of one save) are one batch: the batch
#: ends once nothing changes for STEP_MS, and at most DEBOUNCE_MS after its first change.
STEP_MS = 20
DEBOUNCE_MS = 300


@dataclass(frozen=True)
class Watched:
    """The folders one watch covers.

    Attributes:
        folders: Every folder watched (each non-recursively).
        assets: The assets folder, when it exists inside the pack.
        truncated: The assets folder holds more than the bounds allow: only the first folders are watched.
    """

    folders: tuple[Path, ...]
    assets: Path | None
    truncated: bool = False
    lesson: Path | None = None
    pack: Path | None = None

    def concerns(self, path: Path) -> bool:
        """Whether a change of ``path`` may change the lesson: its file, its pack's file, or an asset."""
        if path == self.lesson or (self.pack is not None and path == self.pack / PACK_FILE):
            return True
        return self.assets is not None and path.is_relative_to(self.assets)


def watched_folders(lesson_file: Path, assets: str | None, lesson_id: str) -> Watched:
    """The folders to watch for ``lesson_file`` (see the module's docstring)."""
    folder = Path(os.path.realpath(lesson_file.parent))
    lesson, (pack, _guessed) = folder / lesson_file.name, pack_root(lesson_file)
    found = [folder, *([pack] if pack != folder else [])]
    try:
        located = locate_assets(lesson_file, assets, lesson_id).path
    except AssetError:
        return Watched(tuple(found), None, lesson=lesson, pack=pack)
    if not located.is_dir() or located.is_symlink():
        return Watched(tuple(found), None, lesson=lesson, pack=pack)
    below, truncated = _folders_below(located)
    return Watched(tuple(dict.fromkeys([*found, located, *below])), located, truncated, lesson=lesson, pack=pack)


def _folders_below(root: Path) -> tuple[list[Path], bool]:
    """Every folder below ``root``, breadth first, symlinks never entered, within the depth and entry bounds."""
    found: list[Path] = []
    entries = 0
    level = [root]
    for _depth in range(MAX_DEPTH):
        nxt: list[Path] = []
        for parent in level:
            try:
                with os.scandir(parent) as listing:
                    for entry in listing:
                        entries += 1
                        if entries > MAX_ENTRIES:
                            return found, True
                        if entry.is_dir(follow_symlinks=False):
                            nxt.append(Path(entry.path))
            except OSError:
                continue  # gone or unreadable since: validation names it
        found += nxt
        level = nxt
        if not level:
            return found, False
    return found, True


def watch_lesson(lesson_file: Path, assets: str | None, lesson_id: str, *, stop: threading.Event,
                 ready: threading.Event | None = None, since: int | None = None) -> Iterator[set[Path]]:
    """Yield each batch of changed paths that concern the lesson (:meth:`Watched.concerns`) until ``stop``
    is set; the other files of the lesson's folder (other lessons, an editor's backups) are left out.

    ``ready`` is set once the folders are watched. A save made before that would not be seen, so with
    ``since`` (the lesson file's ``st_mtime_ns`` when the version in use was read) a lesson file saved since
    is yielded as soon as the folders are watched. A batch that creates or removes a folder below the assets
    folder makes the folders be found again.
    """
    from watchfiles import watch  # its native module loads only in `envlab dev`

    while not stop.is_set():
        watched = watched_folders(lesson_file, assets, lesson_id)
        rewalk = False
        for batch in watch(*watched.folders, recursive=False, stop_event=stop, debounce=DEBOUNCE_MS,
                           step=STEP_MS, rust_timeout=int(POLL_SECONDS * 1000), yield_on_timeout=True,
                           raise_interrupt=False):
            if ready is not None:
                ready.set()
            if since is not None:
                missed, since = _saved_since(lesson_file, since), None
                if missed:
                    yield {lesson_file.resolve()}
            changed = {Path(path) for _change, path in batch if watched.concerns(Path(path))}
            if not changed:
                continue  # a timeout (the stop event is looked at again), or other files of the folder
            yield changed
            if any(_moves_folders(change, Path(path), watched) for change, path in batch):
                rewalk = True
                break
        if not rewalk:
            return


def _saved_since(lesson_file: Path, since: int) -> bool:
    """Whether the lesson file was written after ``since`` (a file gone counts: loading it again says so)."""
    try:
        return lesson_file.stat().st_mtime_ns != since
    except OSError:
        return True


def _moves_folders(change: Change, path: Path, watched: Watched) -> bool:
    """Whether a change adds a folder to watch or takes a watched one away."""
    from watchfiles import Change

    if change == Change.deleted:
        return path in watched.folders
    return change == Change.added and path.is_dir() and not path.is_symlink()
