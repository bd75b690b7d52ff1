"""The one owner of every live run of the TUI: starting, streaming threads and teardown.

Screens ask the registry for a run and hand it back when the learner leaves; the app asks it to tear
everything down when it quits or is signalled. Nothing else keeps runs, so nothing else can forget one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the runner loads after the first frame
    from envlab.engine.drift.run import DriftRun
    from envlab.engine.scenario.run import ScenarioRun
    from envlab.lessons.loader import LoadedLesson
    from envlab.runtime.contract import Runtime
    from envlab.runtime.labels import Session

    Run = DriftRun | ScenarioRun


@dataclass
class RunRegistry:
    """Every run the app has started and not yet torn down.

    Args:
        session: Whose labels every run's containers carry.
    """

    session: Session
    _runs: dict[int, Run] = field(default_factory=dict)  # by id(): runs are unhashable dataclasses
    _threads: dict[int, threading.Thread] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def open(self, loaded: LoadedLesson, runtime: Runtime, *, lang: str) -> Run:
        """A new run of ``loaded``, owned by the registry until :meth:`tear_down`."""
        from envlab.engine.run import open_run

        run = open_run(loaded, runtime, session=self.session, lang=lang)
        with self._lock:
            self._runs[id(run)] = run
        return run

    def __len__(self) -> int:
        with self._lock:
            return len(self._runs)

    def __contains__(self, run: object) -> bool:
        with self._lock:
            return id(run) in self._runs

    @contextmanager
    def streaming(self, run: Run) -> Iterator[None]:
        """Mark the current thread as the one streaming ``run`` (a hang-up waits for it)."""
        with self._lock:
            self._threads[id(run)] = threading.current_thread()
        try:
            yield
        finally:
            with self._lock:
                self._threads.pop(id(run), None)

    def tear_down(self, run: Run) -> list[str]:
        """Stop ``run`` and remove what it started (blocking: call it from a worker); forget it."""
        run.cancelled.set()
        removed = run.teardown()
        with self._lock:
            self._runs.pop(id(run), None)
        return removed

    def tear_down_all(self, *, wait: float = 0.0, on_removed: Callable[[list[str]], None] | None = None) -> list[str]:
        """Tear every run down; with ``wait``, give streaming threads that long to stop and sweep again
        (a setup may be starting a container right now)."""
        with self._lock:
            runs = list(self._runs.values())
            threads = list(self._threads.values())
        for run in runs:
            run.cancelled.set()
        removed = [name for run in runs for name in self.tear_down(run)]
        if wait:
            deadline = time.monotonic() + wait
            for thread in threads:
                thread.join(max(0.0, deadline - time.monotonic()))
            removed += [name for run in runs for name in run.teardown()]
        if on_removed is not None:
            on_removed(removed)
        return removed
