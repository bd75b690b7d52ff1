"""Where lessons are: the folders envlab reads and the lesson files in them, found without loading any.

Listing is apart from loading so that what needs only the files (the key of home's lesson cards,
:mod:`envlab.lessons.cards`) never imports the models that validate a lesson.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from envlab.lessons.assets import PACK_FILE, builtin_root
from envlab.lessons.limits import MAX_LESSON_FILES
from envlab.lessons.problems import Problem


def lesson_dirs(extra: Sequence[str | Path] = ()) -> list[Path]:
    """Built-in lessons first, then ``ENVLAB_LESSONS`` (os.pathsep-separated), then ``extra``."""
    dirs = [builtin_root() / "lessons"]
    env = os.environ.get("ENVLAB_LESSONS", "")
    dirs += [Path(p).expanduser() for p in env.split(os.pathsep) if p]
    dirs += [Path(p).expanduser() for p in extra]
    return dirs


def lesson_files(dirs: Iterable[Path]) -> list[Path]:
    """Every ``*.yaml``/``*.yml`` directly inside each folder but ``pack.yaml`` (folders that do not exist
    are skipped)."""
    return scan(dirs)[0]


def scan(dirs: Iterable[Path], *, required: Sequence[Path] = ()) -> tuple[list[Path], list[Problem]]:
    """The lesson files directly inside each folder, each file once, and the problems met listing them.

    Args:
        dirs: The folders, in order.
        required: Folders whose absence is a problem (an instructor named them).
    """
    files: list[Path] = []
    problems: list[Problem] = []
    seen: set[Path] = set()
    for folder in dirs:
        try:
            if not folder.is_dir():
                if folder in required:
                    problems.append(Problem(str(folder), 1, 1, "lesson folder does not exist"))
                continue
            # A pack's own description (pack.yaml) sits beside its lessons but is not one.
            found = sorted(p for p in folder.iterdir()
                           if p.suffix in {".yaml", ".yml"} and p.name != PACK_FILE and p.is_file())
        except OSError as exc:
            problems.append(Problem(str(folder), 1, 1, f"cannot list this folder: {exc.strerror or exc}"))
            continue
        if len(found) > MAX_LESSON_FILES:
            problems.append(Problem(str(folder), 1, 1, f"holds {len(found)} lesson files; only the first "
                                                       f"{MAX_LESSON_FILES} are read"))
        for path in found[:MAX_LESSON_FILES]:
            key = _identity(path)
            if key not in seen:  # the same folder named twice (--lessons and ENVLAB_LESSONS)
                seen.add(key)
                files.append(path)
    return files, problems


def _identity(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path.absolute()
