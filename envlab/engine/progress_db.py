"""The progress database's plumbing: its schema and migrations, a soundness check, a damaged file kept aside,
and the rules a profile's name and its records follow (here, not in ``progress_file``'s pydantic models, so
opening the store at start-up imports no pydantic)."""

from __future__ import annotations

import re
import sqlite3
import time
from pathlib import Path

from envlab.errors import EnvlabError

MAX_SECONDS_SPENT = 10_000_000.0  # about 115 days in one lesson: more is not a measurement
#: A learner's name as typed: anything but what a terminal would obey (controls, bidirectional overrides).
PROFILE_NAME = r"^[^\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]+$"
MAX_PROFILE_NAME = 64


class ProgressError(EnvlabError):
    """The progress database or an import file cannot be used."""


def check_profile_name(name: str) -> None:
    """Refuse a name no profile can have (what an export would refuse too).

    Raises:
        ProgressError: ``name`` is empty, longer than 64 characters, or holds control characters.
    """
    if not (1 <= len(name) <= MAX_PROFILE_NAME and re.fullmatch(PROFILE_NAME, name)):
        raise ProgressError(f"{name!r} cannot name a profile",
                            hint="a profile name has 1 to 64 characters and no control characters")

#: Each entry brings the schema from version ``index`` to ``index + 1``. Append; never edit.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE lesson_progress (
        profile       TEXT NOT NULL,
        lesson        TEXT NOT NULL,
        steps_done    TEXT NOT NULL DEFAULT '[]',
        checks_passed TEXT NOT NULL DEFAULT '[]',
        hints_used    INTEGER NOT NULL DEFAULT 0,
        quiz_score    INTEGER,
        quiz_total    INTEGER,
        started_at    REAL,
        updated_at    REAL,
        completed_at  REAL,
        PRIMARY KEY (profile, lesson)
    );
    """,
    # Resume: which lesson each profile had open last.
    """
    CREATE TABLE profile (
        name        TEXT PRIMARY KEY,
        last_lesson TEXT,
        updated_at  REAL
    );
    """,
    # Time spent in a lesson (NULL: not recorded, as in every record older than this), and settings
    # such as the profile in use.
    """
    ALTER TABLE lesson_progress ADD COLUMN seconds_spent REAL;
    CREATE TABLE setting (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the schema up to :data:`SCHEMA_VERSION`; return the version found before.

    Raises:
        ProgressError: The database was written by a newer envlab.
    """
    found = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if found > SCHEMA_VERSION:
        raise ProgressError(f"the progress database has schema {found}, newer than this envlab's "
                            f"{SCHEMA_VERSION}",
                            hint="upgrade envlab, or set ENVLAB_DATA_DIR elsewhere")
    for version in range(found, SCHEMA_VERSION):
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Statement by statement: executescript() would commit half a migration on failure.
            for statement in filter(str.strip, MIGRATIONS[version].split(";")):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version + 1}")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
    return found


def check(conn: sqlite3.Connection) -> None:
    """Raise :class:`sqlite3.DatabaseError` when the file is not a sound SQLite database."""
    verdict = conn.execute("PRAGMA quick_check").fetchone()
    if verdict is None or verdict[0] != "ok":
        raise sqlite3.DatabaseError(f"database disk image is malformed ({verdict[0] if verdict else 'no answer'})")


def damaged(exc: sqlite3.DatabaseError) -> bool:
    """A damaged file, as opposed to one that cannot be opened (permissions, a locked or missing folder)."""
    text = str(exc).lower()
    return "not a database" in text or "malformed" in text or "corrupt" in text


def set_aside(path: Path) -> Path:
    """Move a damaged database (and its WAL files) aside under a name that says when; return it."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    aside = path.with_name(f"{path.name}.damaged-{stamp}")
    for suffix in ("", "-wal", "-shm"):
        source = path.with_name(path.name + suffix)
        if source.exists():
            source.replace(aside.with_name(aside.name + suffix))
    return aside
