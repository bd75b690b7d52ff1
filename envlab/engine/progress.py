"""The learner's progress: SQLite in the user data folder, per profile and lesson.

The store is plain SQLite in WAL mode (a reader never blocks the app's writes), with its schema
versioned by ``PRAGMA user_version`` and brought up to date by
:data:`~envlab.engine.progress_db.MIGRATIONS` on open. One database holds every learner profile of a
machine and which one is in use. Progress travels between machines as JSON
(:mod:`envlab.engine.progress_transfer`), each profile named as the learner it belongs to.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import platformdirs

from envlab.engine.machine import machine_id
from envlab.engine.progress_db import (
    MAX_SECONDS_SPENT,
    MIGRATIONS,
    SCHEMA_VERSION,
    ProgressError,
    check,
    check_profile_name,
    damaged,
    migrate,
    set_aside,
)
from envlab.lessons.cards import LessonCard

if TYPE_CHECKING:  # only a type here: the TUI paints before the lesson models load
    from envlab.lessons.model import Lesson

__all__ = ["DEFAULT_PROFILE", "MIGRATIONS", "SCHEMA_VERSION", "LessonProgress", "ProfileSummary", "ProgressError",
           "ProgressStore", "data_dir", "first_unfinished", "lesson_steps", "migrate", "next_step"]

State = Literal["new", "in-progress", "done"]
#: A lesson as it is listed: loaded, or as home's card of it.
Listed = TypeVar("Listed", bound="Lesson | LessonCard")
DEFAULT_PROFILE = "default"


def data_dir() -> Path:
    """Where envlab keeps the learner's data: ``ENVLAB_DATA_DIR``, else the user data folder."""
    override = os.environ.get("ENVLAB_DATA_DIR")
    return Path(override).expanduser() if override else Path(platformdirs.user_data_dir("envlab"))


def lesson_steps(lesson: Lesson | LessonCard) -> list[str]:
    """The steps a learner completes in ``lesson``: watch the run, fix the host, take the quiz (a lesson's card
    has them written on it)."""
    if isinstance(lesson, LessonCard):
        return list(lesson.steps)
    challenge = lesson.challenge is not None
    return ["run", *(["fix"] if challenge else []), *(["quiz"] if lesson.quiz else [])]


def first_unfinished(lessons: Sequence[Listed], records: Mapping[str, LessonProgress], *,
                     after: str | None = None) -> Listed | None:
    """The first lesson of ``lessons`` (in curriculum order, loaded or as cards) not done in ``records``, or
    ``None``.

    Args:
        after: Look past this lesson first, then from the start (never at ``after`` itself): the
            lesson that comes next, and else one left open earlier.
    """
    ids = [lesson.id for lesson in lessons]
    start: int = ids.index(after) + 1 if after is not None and after in ids else 0
    for lesson in [*lessons[start:], *lessons[:start]]:
        if lesson.id == after:
            continue
        record = records.get(lesson.id)
        if record is None or record.state(lesson) != "done":
            return lesson
    return None


def next_step(lesson: Lesson, record: LessonProgress) -> str | None:
    """The first of :func:`lesson_steps` not done in ``record`` (``None``: every step is)."""
    return next((step for step in lesson_steps(lesson) if step not in record.steps_done), None)


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
    #: Seconds the lesson was open, summed over visits; ``None``: not recorded (older records).
    seconds_spent: float | None = None

    def state(self, lesson: Lesson | LessonCard) -> State:
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
            # The larger, not the sum: importing one file twice must not count its time twice.
            seconds_spent=last(self.seconds_spent, other.seconds_spent),
        )


_COLUMNS = ("steps_done", "checks_passed", "hints_used", "quiz_score", "quiz_total", "started_at",
            "updated_at", "completed_at", "seconds_spent")
_UPSERT = (f"INSERT OR REPLACE INTO lesson_progress (profile, lesson, {', '.join(_COLUMNS)}) "
           f"VALUES (?, ?, {', '.join('?' * len(_COLUMNS))})")


@dataclass(frozen=True)
class ProfileSummary:
    """A learner profile as a list of profiles shows it."""

    name: str
    lessons: int
    completed: int
    last_active: float | None
    current: bool


@dataclass
class ProgressStore:
    """Every learner profile of a machine, kept in one SQLite file; reads and writes are about :attr:`profile`.

    Safe to use from several threads: one connection, guarded by a lock. A database that is damaged
    (not SQLite, or failing its integrity check) is moved aside and a fresh one started, so the
    learner can go on; :attr:`kept_aside` then says where the damaged file went.

    Args:
        path: The database file (made, with its folder, if missing).
        profile: The learner profile the reads and writes are about.
        read_only: Only read (an export from a folder that cannot be written); never repairs, and
            reads a database of an older schema from an up-to-date copy in memory.
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
            if self.read_only or not damaged(exc):
                raise self._cannot_open(exc) from exc
            self.kept_aside = set_aside(self.path)
            try:
                self._conn = self._open()
            except (sqlite3.Error, OSError) as again:
                raise self._cannot_open(again) from again
        except OSError as exc:  # the folder cannot be made (a file is in the way...)
            raise self._cannot_open(exc) from exc

    def _open(self) -> sqlite3.Connection:
        if self.read_only:
            return _open_read_only(self.path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        try:
            check(conn)
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
    def open_default(cls, profile: str | None = None, *, read_only: bool = False) -> ProgressStore:
        """The store in :func:`data_dir`, about ``profile`` (default: the profile in use)."""
        store = cls(data_dir() / "progress.sqlite3", read_only=read_only)
        store.profile = profile if profile is not None else store.current_profile()
        if not read_only:
            machine_id(store.path.parent)  # made now, so that an export from a locked-down folder has it
        return store

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
            return _rows(self._conn, profile or self.profile)

    def last_lesson(self) -> str | None:
        """The lesson this profile had open last, to resume."""
        with self._lock:
            row = self._conn.execute("SELECT last_lesson FROM profile WHERE name = ?",
                                     (self.profile,)).fetchone()
        return row[0] if row else None

    def language(self) -> str | None:
        """The language this profile last chose for the interface (``None``: it never chose one)."""
        with self._lock:
            try:
                row = self._conn.execute("SELECT value FROM setting WHERE key = ?",
                                         (_language_key(self.profile),)).fetchone()
            except sqlite3.OperationalError:  # a database too old to have settings, read only
                return None
        return row[0] if row else None

    def set_language(self, lang: str) -> None:
        """Remember ``lang`` as this profile's language (the TUI opens in it next time)."""
        with self._tx() as db:
            db.execute("INSERT OR REPLACE INTO setting (key, value) VALUES (?, ?)", (_language_key(self.profile), lang))

    # profiles ----------------------------------------------------------------------------------
    def current_profile(self) -> str:
        """The profile in use on this machine (``default`` until another is switched to)."""
        with self._lock:
            try:
                row = self._conn.execute("SELECT value FROM setting WHERE key = 'profile'").fetchone()
            except sqlite3.OperationalError:  # a database too old to have settings, read only
                return DEFAULT_PROFILE
        return row[0] if row else DEFAULT_PROFILE

    def profiles(self) -> list[ProfileSummary]:
        """Every profile, ``default`` and the one in use among them even if they have done nothing yet."""
        current = self.current_profile()
        with self._lock:
            names = _profile_names(self._conn) | {current, DEFAULT_PROFILE}
            counts = {r[0]: r[1:] for r in self._conn.execute(
                "SELECT profile, COUNT(*), COUNT(completed_at), MAX(updated_at) FROM lesson_progress "
                "GROUP BY profile")}
        summaries = []
        for name in sorted(names):
            lessons, completed, last_active = counts.get(name, (0, 0, None))
            summaries.append(ProfileSummary(name, lessons, completed, last_active, current=name == current))
        return summaries

    def create_profile(self, name: str) -> None:
        """Make an empty profile named ``name``.

        Raises:
            ProgressError: The name is not one a profile can have, or the profile exists.
        """
        check_profile_name(name)
        with self._tx() as db:
            if name in _profile_names(db) | {DEFAULT_PROFILE}:
                raise ProgressError(f"a profile named {name!r} exists already",
                                    hint=f"switch to it with `envlab progress profiles switch {name}`")
            db.execute("INSERT INTO profile (name, last_lesson, updated_at) VALUES (?, NULL, ?)",
                       (name, time.time()))

    def switch_profile(self, name: str) -> None:
        """Use the profile ``name`` from now on, on this machine (the TUI opens it next time).

        Raises:
            ProgressError: There is no such profile.
        """
        with self._tx() as db:
            if name not in _profile_names(db) | {DEFAULT_PROFILE}:
                raise ProgressError(f"there is no profile named {name!r}",
                                    hint=f"create it with `envlab progress profiles create {name}`")
            db.execute("INSERT OR REPLACE INTO setting (key, value) VALUES ('profile', ?)", (name,))
        self.profile = name

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

    def time_spent(self, lesson: str, seconds: float) -> LessonProgress:
        """Add ``seconds`` the learner had ``lesson`` open; this alone does not start the lesson."""
        current = self.get(lesson)
        spent = (current.seconds_spent or 0.0) + max(0.0, seconds)
        progress = replace(current, seconds_spent=min(spent, MAX_SECONDS_SPENT))
        self._write(progress, self.profile)
        return progress

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
        with self._tx() as db:
            db.execute(_UPSERT, (profile, progress.lesson, *_to_row(progress)))

    # carrying progress between machines (envlab.engine.progress_transfer) ----------------------
    def profile_names(self) -> set[str]:
        """Every profile that has a record or was made (the one in use may have neither)."""
        with self._lock:
            return _profile_names(self._conn)

    def last_lessons(self) -> dict[str, str | None]:
        """The lesson each profile had open last."""
        with self._lock:
            return dict(self._conn.execute("SELECT name, last_lesson FROM profile").fetchall())

    def merge(self, batches: Iterable[tuple[str, str | None, Iterable[LessonProgress]]]) -> None:
        """Merge records from elsewhere, all in one transaction: nothing done is lost, a failure
        half-way changes nothing.

        Args:
            batches: (profile, the lesson it had open last, its records); a profile is made if
                missing, and keeps its own last lesson if it has one.
        """
        now = time.time()
        with self._tx() as db:
            for profile, last_lesson, records in batches:
                existing = _rows(db, profile)
                for progress in records:
                    known = existing.get(progress.lesson)
                    merged = known.merged(progress) if known is not None else progress
                    db.execute(_UPSERT, (profile, merged.lesson, *_to_row(merged)))
                    existing[merged.lesson] = merged
                db.execute("INSERT INTO profile (name, last_lesson, updated_at) VALUES (?, ?, ?) "
                           "ON CONFLICT(name) DO UPDATE SET last_lesson = COALESCE(last_lesson, excluded.last_lesson)",
                           (profile, last_lesson, now))


def _language_key(profile: str) -> str:
    """The setting that holds ``profile``'s language (settings are per machine; this one names its profile)."""
    return f"language:{profile}"


def _open_read_only(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, check_same_thread=False, isolation_level=None)
    try:
        check(conn)
        if conn.execute("PRAGMA user_version").fetchone()[0] >= SCHEMA_VERSION:
            return conn
        # An older schema cannot be brought up to date in place: read an up-to-date copy in memory.
        memory = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
        conn.backup(memory)
        conn.close()
        migrate(memory)
        return memory
    except BaseException:
        conn.close()
        raise


def _rows(db: sqlite3.Connection, profile: str) -> dict[str, LessonProgress]:
    rows = db.execute(f"SELECT lesson, {', '.join(_COLUMNS)} FROM lesson_progress WHERE profile = ?",
                      (profile,)).fetchall()
    return {row[0]: _from_row(row) for row in rows}


def _profile_names(db: sqlite3.Connection) -> set[str]:
    return {r[0] for r in db.execute("SELECT DISTINCT profile FROM lesson_progress UNION SELECT name FROM profile")}


def _to_row(progress: LessonProgress) -> tuple[Any, ...]:
    return (json.dumps(list(progress.steps_done)), json.dumps(list(progress.checks_passed)),
            progress.hints_used, progress.quiz_score, progress.quiz_total, progress.started_at,
            progress.updated_at, progress.completed_at, progress.seconds_spent)


def _from_row(row: tuple[Any, ...]) -> LessonProgress:
    lesson, steps, checks, *rest = row
    return LessonProgress(lesson, tuple(json.loads(steps)), tuple(json.loads(checks)), *rest)
