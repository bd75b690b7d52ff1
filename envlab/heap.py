"""The garbage collector around start-up: held off while envlab loads, then told to skip what it loaded.

Importing Textual, pydantic and the Docker SDK and building the lesson models allocates hundreds of
thousands of objects that live as long as the process; the collector would walk them again and again
(a full pass took 50-120 ms once everything was loaded), which a learner feels as a slow first frame
or a stalled pane. So the `envlab` command holds collection off from its first line, and once the
start-up work is done, freezes what exists (it is never scanned again) and turns collection back on.
Frozen objects are still freed by reference counting; only reference cycles among them would wait.
"""

from __future__ import annotations

import gc


def hold() -> None:
    """Hold collection off while envlab starts (the `envlab` command's first step)."""
    gc.disable()


def settle() -> None:
    """Start-up work is done: freeze everything alive now and collect again from here on.

    Safe to call more than once (after the first frame, after the lessons load, after Docker connects):
    each call freezes what has been loaded since.
    """
    gc.freeze()
    gc.enable()


def resume() -> None:
    """Collect again, whatever happened (the command is ending, perhaps before it settled)."""
    gc.enable()
