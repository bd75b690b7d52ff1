"""Let a teardown finish even when the user presses Ctrl+C again, or the system asks envlab to stop."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def signals_deferred() -> Iterator[None]:
    """Ctrl+C, SIGTERM or SIGHUP arriving inside the block is raised right after it.

    Without this, a second Ctrl+C (or a first one landing during a teardown) stops the removal
    half-way and leaves a network behind until the next start sweeps it.
    """
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread receives signals
        return
    caught: list[int] = []
    held = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    previous = {sig: signal.signal(sig, lambda signum, _frame: caught.append(signum)) for sig in held}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if caught:
            signal.raise_signal(caught[0])  # now handled as usual (KeyboardInterrupt, Interrupted)
