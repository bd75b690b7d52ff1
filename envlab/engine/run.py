"""The one entry point that runs a lesson, whatever its kind, and what every kind of run shares.

:func:`open_run` picks the run by the lesson's kind; :class:`RunBase` gives every run the same event
stream (a worker thread feeding a queue), the same cancellation and the same teardown by label, so the
faces drive a drift run and a scenario run alike.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from envlab.engine.events import CleanupFinished, ErrorRaised, Event, LessonFinished, Verdict, WaitingForRoom
from envlab.errors import EnvlabError, ImageMissing
from envlab.lessons.loader import LoadedLesson
from envlab.lessons.model import DriftLesson, ScenarioLesson
from envlab.runtime.cleanup import remove_all
from envlab.runtime.contract import Runtime
from envlab.runtime.labels import KIND, LESSON, ROOM, SESSION, Session

if TYPE_CHECKING:
    from envlab.engine.drift.run import DriftRun
    from envlab.engine.scenario.run import ScenarioRun

Emit = Callable[[Event], None]


@dataclass
class RunBase(ABC):
    """One run of a lesson on a runtime. Create it with :func:`open_run`, then iterate :meth:`events`.

    Args:
        loaded: The lesson and where it came from.
        runtime: Where containers run.
        session: The envlab process everything belongs to.
        lang: Language of the texts put into events.
    """

    loaded: LoadedLesson
    runtime: Runtime
    session: Session = field(default_factory=Session)
    lang: str = "en"
    verdicts: dict[str, Verdict] = field(default_factory=dict)
    cancelled: threading.Event = field(default_factory=threading.Event)
    released: list[str] = field(default_factory=list)
    _leased: bool = False
    _lease_lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def lesson_id(self) -> str:
        return self.loaded.lesson.id

    @property
    def live(self) -> bool:
        """Whether anything of this run may still be on the engine for the learner to work with."""
        return False

    def events(self, *, solve: bool = False, keep: bool = False) -> Iterator[Event]:
        """Run the lesson and yield its events as they happen, then clean up.

        Args:
            solve: Also apply the reference solution and prove it fixes what was broken.
            keep: Leave what runs in place (the caller must call :meth:`teardown`).
        """
        started = time.monotonic()
        inbox: queue.Queue[Event | None] = queue.Queue()
        outcome: list[bool] = []

        def work() -> None:
            try:
                self._check_images()
                self._take_lease()
                if not self._wait_for_room(inbox.put):
                    return
                outcome.append(self._run(inbox.put, solve=solve, release=not (solve or keep)))
            except EnvlabError as exc:
                inbox.put(ErrorRaised(exc.message, exc.hint))
            except Exception as exc:  # a bug must still end the stream and the cleanup must run
                inbox.put(ErrorRaised(f"internal error: {type(exc).__name__}: {exc}"))
            finally:
                inbox.put(None)

        worker = threading.Thread(target=work, name=f"envlab-run-{self.lesson_id}", daemon=True)
        worker.start()
        finished = False
        removed: list[str] = []
        try:
            while (event := inbox.get()) is not None:
                yield event
            finished = True
        finally:
            if not finished or not keep:
                self.cancelled.set()
                removed = self.teardown()
                worker.join(timeout=30)
                removed += self.teardown()  # anything a worker thread created while we tore down
        if not keep:
            yield CleanupFinished([*self.released, *removed])
        ok = bool(outcome and outcome[0])
        yield LessonFinished(self.lesson_id, ok, round(time.monotonic() - started, 2), dict(self.verdicts))

    def revise(self, loaded: LoadedLesson) -> None:
        """Go on with a new version of the lesson whose setups are unchanged (``envlab dev``, after a save):
        its checks, challenge and texts apply from the next call on, to what is running now."""
        if loaded.lesson.id != self.lesson_id or type(loaded.lesson) is not type(self.loaded.lesson):
            raise ValueError("a revision keeps the lesson's id and kind; a new setup needs a new run")
        self.loaded = loaded

    @abstractmethod
    def _run(self, emit: Emit, *, solve: bool, release: bool) -> bool:
        """Do the lesson, emitting events; return whether it came out as the lesson claims."""

    def teardown(self) -> list[str]:
        """Remove everything this run created (found by label, not by memory); return the names.
        The run's hold on its session's lease goes with the last of it."""
        labels = {SESSION: self.session.id, LESSON: self.lesson_id}
        removed: list[str] = []
        try:
            removal = remove_all(self.runtime, self.runtime.list_resources(labels))
            # the run's claim on the room goes too (last, with the volumes), but it is no setup of the lesson
            removed = [r.name for r in removal.removed if r.labels.get(KIND) != ROOM]
        except EnvlabError:
            pass  # the engine went away; the sweep at the next start removes the rest
        self._forget()
        self._give_lease_back()
        return removed

    def _check_images(self) -> None:
        """Before anything starts: every image the run cannot build itself is here, or it says which are not."""
        from envlab.engine.images import missing_images

        missing = missing_images(self.runtime, self.loaded)
        if missing:
            raise ImageMissing(
                f"{len(missing)} image(s) this lesson needs are not on this engine: "
                + ", ".join(n.tag for n in missing) + "; nothing was started",
                hint="run `envlab images prepare` (with a network) or `envlab images import BUNDLE` (without one)")

    def _take_lease(self) -> None:
        """Before anything is created: another session's sweep spares only sessions with a lease."""
        with self._lease_lock:
            if not self._leased:
                self._leased = self.runtime.hold_lease(self.session)

    def _wait_for_room(self, emit: Emit) -> bool:
        """Claim this run's room on the engine and wait until it is there (other learners' runs may hold
        it); return whether it is (``False``: cancelled while waiting). The claim goes with the teardown."""
        from envlab.engine.room import claim, wait_for_room

        mine, room = claim(self.runtime, self.loaded.lesson, self.session)
        return wait_for_room(self.runtime, mine, room, cancelled=self.cancelled, waiting=lambda queue, waited: emit(
            WaitingForRoom(queue.ahead, queue.memory, room.memory, room.runs, round(waited, 1), queue.fits)))

    def _give_lease_back(self) -> None:
        with self._lease_lock:
            if self._leased:
                self._leased = False
                with contextlib.suppress(EnvlabError):
                    self.runtime.release_lease(self.session)

    def _forget(self) -> None:  # noqa: B027 - a hook: most runs remember nothing
        """Drop what the run remembers of the engine's objects, once they are gone."""


def open_run(loaded: LoadedLesson, runtime: Runtime, *, session: Session | None = None,
             lang: str = "en") -> DriftRun | ScenarioRun:
    """The run for ``loaded``, chosen by the lesson's kind."""
    from envlab.engine.drift.run import DriftRun
    from envlab.engine.scenario.run import ScenarioRun

    who = session or Session()
    match loaded.lesson:
        case DriftLesson():
            return DriftRun(loaded, runtime, session=who, lang=lang)
        case ScenarioLesson():
            return ScenarioRun(loaded, runtime, session=who, lang=lang)
