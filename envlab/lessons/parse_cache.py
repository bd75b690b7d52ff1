"""A cache of parsed lesson YAML, so starting envlab does not re-parse every unchanged file.

Parsing with positions and every rule of the format (:mod:`envlab.lessons.yaml_reader`) costs a few
milliseconds a file, more for the few files libyaml refuses; validating the parsed data costs well
under one. The cache keeps, per file content digest, the plain data and the positions of every node as
JSON. Validation still runs every time, so a cached file is judged by the current models. A cache that
cannot be read or written (a read-only kiosk home) is simply not used.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from envlab import __version__

Loc = tuple[str | int, ...]
Parsed = tuple[Any, dict[Loc, tuple[int, int]]]

#: The rules the parser applies (tags, bounds, refused characters). A cached entry skips them, so
#: entries made under other rules must never be read: raise this whenever the loader's rules change.
FORMAT = 3


def cache_folder() -> Path:
    """``ENVLAB_CACHE_DIR``, else the user cache folder."""
    override = os.environ.get("ENVLAB_CACHE_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_cache_dir("envlab"))


def cache_file() -> Path:
    """One file in :func:`cache_folder` per envlab version and parser format."""
    return cache_folder() / f"parsed-lessons-{__version__}-{FORMAT}.json"


def digest(text: str) -> str:
    """The key of a file's content."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class ParseCache:
    """Parsed lessons by content digest; load once, save once if anything was added.

    A save keeps only the entries this cache served or added, so versions of files that changed or
    went away do not pile up in a file that every start reads whole.
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or cache_file()
        self._entries: dict[str, Any] = {}
        self._used: set[str] = set()
        self._dirty = False
        with contextlib.suppress(OSError, ValueError):
            loaded = json.loads(self.path.read_text(encoding="utf-8"))
            if isinstance(loaded, dict):
                self._entries = loaded

    def get(self, key: str) -> Parsed | None:
        """The parsed data and positions stored for ``key``, if any."""
        entry = self._entries.get(key)
        if not isinstance(entry, dict):
            return None
        try:
            data = entry["data"]
            positions = {tuple(loc): (int(line), int(col)) for loc, line, col in entry["positions"]}
        except (KeyError, TypeError, ValueError):
            return None
        self._used.add(key)
        return data, positions

    def put(self, key: str, parsed: Parsed) -> None:
        """Remember a freshly parsed file."""
        data, positions = parsed
        self._entries[key] = {"data": data, "positions": [[list(loc), *at] for loc, at in positions.items()]}
        self._used.add(key)
        self._dirty = True

    def save(self) -> None:
        """Write the cache atomically if it changed; failures are ignored (it is only a cache)."""
        if not self._dirty:
            return
        with contextlib.suppress(OSError, TypeError, ValueError):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".parsed-", suffix=".json")
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as out:
                    json.dump({key: self._entries[key] for key in self._used}, out, ensure_ascii=False)
                os.replace(temporary, self.path)
            finally:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
            self._dirty = False
