"""What kiosk mode tells itself and its tests: a learner arrived, a learner left."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message


@dataclass
class LearnerStarted(Message):
    """A learner began a session on their own progress profile."""

    profile: str


@dataclass
class LearnerLeft(Message):
    """A learner's session ended (``idle``, ``done`` or by the ``operator``); ``removed`` is what of
    theirs was removed from the engine."""

    profile: str
    reason: str
    removed: list[str]
