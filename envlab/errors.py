"""envlab's own error types: every failure a user can meet carries a message and a hint."""

from __future__ import annotations


class EnvlabError(Exception):
    """A failure a user can act on.

    Attributes:
        message: What went wrong, in one sentence.
        hint: What to do about it, or an empty string.
        exit_code: The process exit code the CLI uses for this error.
    """

    exit_code = 1

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\n  hint: {self.hint}" if self.hint else self.message


class LessonError(EnvlabError):
    """A lesson file could not be loaded or is not valid."""

    exit_code = 1


class RuntimeUnavailable(EnvlabError):
    """The Docker engine cannot be reached or refused the request."""

    exit_code = 3


class ImageMissing(EnvlabError):
    """An image a lesson needs is not on the engine."""

    exit_code = 4


class ContainerStopped(EnvlabError):
    """A container a command was to run in has stopped: its main process ended (or was killed)."""

    exit_code = 1


class Interrupted(EnvlabError):
    """The user or the system asked envlab to stop (Ctrl+C, SIGTERM, SIGHUP)."""

    exit_code = 130
