"""The learner's progress: SQLite in the user data folder, per profile and lesson.

The store is plain SQLite in WAL mode (a reader never blocks the app's writes), with its schema
versioned by ``PRAGMA user_version`` and brought up to date by :data:`MIGRATIONS` on open. Progress
travels between machines as JSON (:meth:`ProgressStore.export_data`,
:meth:`ProgressStore.import_data`).
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import platformdirs

from envlab.engine.progress_file import (
    EXPORT_FORMAT,
    EXPORT_VERSION,
    LessonRecord,
    ProgressError,
    parse_export,
    read_export,
)

if TYPE_CHECKING:  # only a type here: the TUI paints before the lesson models load
    from envlab.lessons.model import Lesson

State = Literal["new", "in-progress", "done"]
DEFAULT_PROFILE = "default"

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
)
SCHEMA_VERSION = len(MIGRATIONS)


def data_dir() -> Path:
    """Where envlab keeps the learner's data: ``ENVLAB_DATA_DIR``, else the user data folder."""
    override = os.environ.get("ENVLAB_DATA_DIR")
    return Path(override).expanduser() if override else Path(platformdirs.user_data_dir("envlab"))


def lesson_steps(lesson: Lesson) -> list[str]:
    """The steps a learner completes in ``lesson``: watch the run, fix the host, take the quiz."""
    challenge = lesson.kind == "drift" and lesson.challenge is not None  # only drift lessons have one, so far
    return ["run", *(["fix"] if challenge else []), *(["quiz"] if lesson.quiz else [])]


@dataclass(frozen=True)
class LessonProgress:
    """What one profile has done in one lesson."""

    lesson: str
    steps_done: tuple[str, ...] = ()
    checks_passed: tuple[str, ...] = ()
    hints_used: int = 0
    quiz_score: int | None = None
    quiz_total: int | None = None
    started_at: float | None = None
    updated_at: float | None = None
    completed_at: float | None = None

    def state(self, lesson: Lesson) -> State:
        """``done`` once every step of ``lesson`` is done; ``in-progress`` once anything is."""
        if self.completed_at is not None or set(lesson_steps(lesson)) <= set(self.steps_done):
            return "done"
        return "in-progress" if self.started_at is not None else "new"

    def merged(self, other: LessonProgress) -> LessonProgress:
        """Combine two records of one lesson (e.g. another machine's): keep the most done."""
        def first(a: float | None, b: float | None) -> float | None:
            return min((x for x in (a, b) if x is not None), default=None)

        def last(a: float | None, b: float | None) -> float | None:
            return max((x for x in (a, b) if x is not None), default=None)

        best = max((self, other), key=lambda p: (p.quiz_score or -1, p.updated_at or 0))
        return replace(
            self,
            steps_done=tuple(dict.fromkeys([*self.steps_done, *other.steps_done])),
            checks_passed=tuple(dict.fromkeys([*self.checks_passed, *other.checks_passed])),
            hints_used=max(self.hints_used, other.hints_used),
            quiz_score=best.quiz_score, quiz_total=best.quiz_total,
            started_at=first(self.started_at, other.started_at),
            updated_at=last(self.updated_at, other.updated_at),
            completed_at=first(self.completed_at, other.completed_at),
        )


_COLUMNS = ("steps_done", "checks_passed", "hints_used", "quiz_score", "quiz_total", "started_at",
            "updated_at", "completed_at")


@dataclass
class ProgressStore:
    """Progress of one learner profile, kept in a SQLite file.

    Safe to use from several threads: one connection, guarded by a lock. A database that is damaged
    (not SQLite, or failing its integrity check) is moved aside and a fresh one started, so the
    learner can go on; :attr:`kept_aside` then says where the damaged file went.

    Args:
        path: The database file (made, with its folder, if missing).
        profile: The learner profile the reads and writes are about.
        read_only: Only read (an export from a folder that cannot be written); never repairs.
    """

    path: Path
    profile: str = DEFAULT_PROFILE
    read_only: bool = False
    kept_aside: Path | None = field(default=None, init=False)
    _conn: sqlite3.Connection = field(init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        try:
            self._conn = self._open()
        except sqlite3.DatabaseError as exc:
            if self.read_only or not _damaged(exc):
                raise self._cannot_open(exc) from exc
            self.kept_aside = _set_aside(self.path)
            try:
                self._conn = self._open()
            except (sqlite3.Error, OSError) as again:
                raise self._cannot_open(again) from again
        except OSError as exc:  # the folder cannot be made (a file is in the way...)
            raise self._cannot_open(exc) from exc

    def _open(self) -> sqlite3.Connection:
        if self.read_only:
            conn = sqlite3.connect(f"{self.path.as_uri()}?mode=ro", uri=True, check_same_thread=False,
                                   isolation_level=None)
            _check(conn)
            return conn
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        try:
            _check(conn)
            conn.execute("PRAGMA journal_mode=WAL")
            # In WAL mode NORMAL cannot corrupt the database; a power cut may lose the last step
            # recorded, and the UI thread does not wait for a disk flush on every step.
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA busy_timeout=3000")
            migrate(conn)
        except BaseException:
            conn.close()
            raise
        return conn

    def _cannot_open(self, exc: BaseException) -> ProgressError:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        if isinstance(exc, ProgressError):
            return exc
        return ProgressError(f"cannot open the progress database {self.path}: {reason}",
                             hint="set ENVLAB_DATA_DIR to a writable folder")

    @classmethod
    def open_default(cls, profile: str = DEFAULT_PROFILE, *, read_only: bool = False) -> ProgressStore:
        """The store in :func:`data_dir`."""
        return cls(data_dir() / "progress.sqlite3", profile=profile, read_only=read_only)

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._conn.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    # reading -----------------------------------------------------------------------------------
    def get(self, lesson: str) -> LessonProgress:
        """Progress in ``lesson`` (an empty record if the learner never opened it)."""
        return self.all().get(lesson, LessonProgress(lesson))

    def all(self, profile: str | None = None) -> dict[str, LessonProgress]:
        """Every lesson the profile has touched."""
        with self._lock:
            rows = self._conn.execute(
                f"SELECT lesson, {', '.join(_COLUMNS)} FROM lesson_progress WHERE profile = ?",
                (profile or self.profile,)).fetchall()
        return {row[0]: _from_row(row) for row in rows}

    def last_lesson(self) -> str | None:
        """The lesson this profile had open last, to resume."""
        with self._lock:
            row = self._conn.execute("SELECT last_lesson FROM profile WHERE name = ?",
                                     (self.profile,)).fetchone()
        return row[0] if row else None

    # writing -----------------------------------------------------------------------------------
    def opened(self, lesson: str) -> None:
        """The learner opened ``lesson``: remember it for resuming."""
        with self._tx() as db:
            db.execute("INSERT INTO profile (name, last_lesson, updated_at) VALUES (?, ?, ?) "
                       "ON CONFLICT(name) DO UPDATE SET last_lesson = excluded.last_lesson, "
                       "updated_at = excluded.updated_at", (self.profile, lesson, time.time()))

    def step_done(self, lesson: Lesson, step: str) -> LessonProgress:
        """Mark one of :func:`lesson_steps` done; the lesson completes when all are."""
        current = self.get(lesson.id)
        steps = tuple(dict.fromkeys([*current.steps_done, step]))
        done = set(lesson_steps(lesson)) <= set(steps)
        completed = current.completed_at or (time.time() if done else None)
        return self._save(replace(current, steps_done=steps, completed_at=completed))

    def checks_passed(self, lesson: str, names: Iterable[str]) -> LessonProgress:
        """Record checks that passed."""
        current = self.get(lesson)
        passed = tuple(dict.fromkeys([*current.checks_passed, *names]))
        return self._save(replace(current, checks_passed=passed))

    def hint_used(self, lesson: str, count: int) -> LessonProgress:
        """Record that the learner has seen ``count`` hints (never lowers the count)."""
        current = self.get(lesson)
        return self._save(replace(current, hints_used=max(current.hints_used, count)))

    def quiz_taken(self, lesson: Lesson, score: int, total: int) -> LessonProgress:
        """Record a quiz result and mark the quiz step done."""
        self._save(replace(self.get(lesson.id), quiz_score=score, quiz_total=total))
        return self.step_done(lesson, "quiz")

    def reset(self, lesson: str | None = None) -> None:
        """Forget the progress of one lesson, or of the whole profile."""
        with self._tx() as db:
            if lesson is None:
                db.execute("DELETE FROM lesson_progress WHERE profile = ?", (self.profile,))
                db.execute("DELETE FROM profile WHERE name = ?", (self.profile,))
            else:
                db.execute("DELETE FROM lesson_progress WHERE profile = ? AND lesson = ?",
                           (self.profile, lesson))

    def _save(self, progress: LessonProgress, profile: str | None = None) -> LessonProgress:
        now = time.time()
        progress = replace(progress, started_at=progress.started_at or now,
                           updated_at=max(now, progress.updated_at or 0))
        self._write(progress, profile or self.profile)
        return progress

    def _write(self, progress: LessonProgress, profile: str) -> None:
        values = _to_row(progress)
        with self._tx() as db:
            db.execute(
                f"INSERT OR REPLACE INTO lesson_progress (profile, lesson, {', '.join(_COLUMNS)}) "
                f"VALUES (?, ?, {', '.join('?' * len(_COLUMNS))})",
                (profile, progress.lesson, *values))

    # carrying progress between machines --------------------------------------------------------
    def export_data(self) -> dict[str, Any]:
        """Every profile's progress as a JSON-ready mapping."""
        with self._lock:
            names = [r[0] for r in self._conn.execute(
                "SELECT DISTINCT profile FROM lesson_progress UNION SELECT name FROM profile")]
            last = dict(self._conn.execute("SELECT name, last_lesson FROM profile").fetchall())
        profiles = {
            name: {"last_lesson": last.get(name),
                   "lessons": {k: _public(v) for k, v in sorted(self.all(name).items())}}
            for name in sorted(names)
        }
        return {"format": EXPORT_FORMAT, "version": EXPORT_VERSION, "exported_at": time.time(),
                "profiles": profiles}

    def import_data(self, data: Any) -> int:
        """Merge exported progress into this store, all of it or nothing; nothing done is lost.
        Return the number of lessons merged.

        Raises:
            ProgressFileError: ``data`` is not a valid envlab progress export (nothing is merged).
        """
        export = parse_export(data)
        merged: list[tuple[str, LessonProgress]] = []
        for profile, content in export.profiles.items():
            existing = self.all(profile)
            for lesson, record in content.lessons.items():
                incoming = _from_record(lesson, record)
                merged.append((profile, existing[lesson].merged(incoming) if lesson in existing else incoming))
        now = time.time()
        with self._tx() as db:  # one transaction: a failure half-way leaves the store as it was
            for profile, progress in merged:
                db.execute(
                    f"INSERT OR REPLACE INTO lesson_progress (profile, lesson, {', '.join(_COLUMNS)}) "
                    f"VALUES (?, ?, {', '.join('?' * len(_COLUMNS))})", (profile, progress.lesson, *_to_row(progress)))
            for profile, content in export.profiles.items():
                if content.last_lesson:
                    db.execute("INSERT OR IGNORE INTO profile (name, last_lesson, updated_at) VALUES (?, ?, ?)",
                               (profile, content.last_lesson, now))
        return len(merged)

    def _has_profile(self, profile: str) -> bool:
        with self._lock:
            row = self._conn.execute("SELECT 1 FROM profile WHERE name = ?", (profile,)).fetchone()
        return row is not None

    def export_file(self, path: Path) -> int:
        """Write :meth:`export_data` to ``path``; return the number of lessons written."""
        data = self.export_data()
        try:
            path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        except OSError as exc:
            raise ProgressError(f"cannot write {path}: {exc}",
                                hint="choose a writable path") from exc
        return sum(len(p["lessons"]) for p in data["profiles"].values())

    def import_file(self, path: Path) -> int:
        """Merge the export in ``path`` (all of it or nothing); return the number of lessons merged."""
        return self.import_data(read_export(path).model_dump())


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


def _to_row(progress: LessonProgress) -> tuple[Any, ...]:
    return (json.dumps(list(progress.steps_done)), json.dumps(list(progress.checks_passed)),
            progress.hints_used, progress.quiz_score, progress.quiz_total, progress.started_at,
            progress.updated_at, progress.completed_at)


def _from_row(row: tuple[Any, ...]) -> LessonProgress:
    lesson, steps, checks, *rest = row
    return LessonProgress(lesson, tuple(json.loads(steps)), tuple(json.loads(checks)), *rest)


def _public(progress: LessonProgress) -> dict[str, Any]:
    data = asdict(progress)
    del data["lesson"]
    data["steps_done"] = list(progress.steps_done)
    data["checks_passed"] = list(progress.checks_passed)
    return data


def _from_record(lesson: str, record: LessonRecord) -> LessonProgress:
    return LessonProgress(lesson, tuple(record.steps_done), tuple(record.checks_passed), record.hints_used,
                          record.quiz_score, record.quiz_total, record.started_at, record.updated_at,
                          record.completed_at)


def _check(conn: sqlite3.Connection) -> None:
    """Raise :class:`sqlite3.DatabaseError` when the file is not a sound SQLite database."""
    verdict = conn.execute("PRAGMA quick_check").fetchone()
    if verdict is None or verdict[0] != "ok":
        raise sqlite3.DatabaseError(f"database disk image is malformed ({verdict[0] if verdict else 'no answer'})")


def _damaged(exc: sqlite3.DatabaseError) -> bool:
    """A damaged file, as opposed to one that cannot be opened (permissions, a locked or missing folder)."""
    text = str(exc).lower()
    return "not a database" in text or "malformed" in text or "corrupt" in text


def _set_aside(path: Path) -> Path:
    """Move a damaged database (and its WAL files) aside under a name that says when; return it."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    aside = path.with_name(f"{path.name}.damaged-{stamp}")
    for suffix in ("", "-wal", "-shm"):
        source = path.with_name(path.name + suffix)
        if source.exists():
            source.replace(aside.with_name(aside.name + suffix))
    return aside
