"""Messages the UI's workers post when Docker work ends; named for what happened."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:  # annotations only: importing the engine here would slow the first paint
    from envlab.engine.events import CheckFinished, ErrorRaised, InspectionFinished, WaitingForRoom
    from envlab.engine.images import ImageNeed
    from envlab.engine.outcome import RunSummary
    from envlab.engine.prepare import Prepared
    from envlab.engine.readiness import Estimate, Reach
    from envlab.lessons.catalog import Catalog
    from envlab.lessons.loader import LoadedLesson
    from envlab.lessons.problems import Problem
    from envlab.runtime.contract import Runtime


@dataclass
class CatalogLoaded(Message):
    """The lessons were found and validated."""

    catalog: Catalog


@dataclass
class RuntimeConnected(Message):
    """The Docker engine answered; lessons can run."""

    runtime: Runtime


@dataclass
class RuntimeFailed(Message):
    """The engine could not be reached; ``hint`` says what to do."""

    message: str
    hint: str = ""


@dataclass
class RunFinished(Message, bubble=False):
    """A lesson's setups and first checks ran; the containers stay up for the learner."""

    lesson: str
    summary: RunSummary


@dataclass
class ChecksVerified(Message, bubble=False):
    """The challenge checks ran against the (hopefully) fixed host."""

    lesson: str
    ok: bool
    results: list[CheckFinished] = field(default_factory=list)
    error: ErrorRaised | None = None


@dataclass
class ChallengeMeasured(Message, bubble=False):
    """A scenario's challenge check ran on the system as the learner left it: ``held`` of ``total`` bounds held."""

    lesson: str
    ok: bool
    held: int = 0
    total: int = 0
    error: ErrorRaised | None = None


@dataclass
class LessonSaved(Message, bubble=False):
    """The author saved the lesson (or its assets) under `envlab dev`; it was validated again at once.

    Either ``loaded`` is the new version (with ``digest``, the digest of what its setups are made of, and
    whether that changed since the last good version) or ``problems`` say, at file:line:col, why it was
    refused.
    """

    loaded: LoadedLesson | None
    digest: str = ""
    setups_changed: bool = False
    problems: list[Problem] = field(default_factory=list)
    saved_at: float = 0.0


@dataclass
class ChecksRechecked(Message, bubble=False):
    """The checks of a new version of the lesson ran against the setups already running."""

    lesson: str
    results: list[CheckFinished] = field(default_factory=list)
    error: ErrorRaised | None = None


@dataclass
class DriftInspected(Message, bubble=False):
    """The drift inspector compared the running setups (``report`` is ``None`` if it could not)."""

    lesson: str
    report: InspectionFinished | None = None
    errors: list[ErrorRaised] = field(default_factory=list)


@dataclass
class EngineErrorReported(Message):
    """The engine could not do something during a run (an image missing, a container gone)."""

    error: ErrorRaised


@dataclass
class RoomAwaited(Message):
    """The run waits for room on the engine, or (``event.started``) has it now."""

    event: WaitingForRoom


@dataclass
class HostAnswered(Message, bubble=False):
    """Whether the challenge's host still runs (its main process has not ended), asked before a shell opens."""

    setup: str
    container: str
    running: bool


@dataclass
class ShellClosed(Message, bubble=False):
    """The learner left the shell inside a host."""

    setup: str
    exit_code: int | None


@dataclass
class LessonTornDown(Message):
    """Everything a lesson run started has been removed."""

    lesson: str
    removed: list[str] = field(default_factory=list)


@dataclass
class ImagesChecked(Message):
    """The images the lessons need were looked up on the engine (``error``: their files could not be read)."""

    needs: list[ImageNeed]
    missing: list[ImageNeed]
    estimate: Estimate | None  # of preparing what is missing
    built_from: dict[str, frozenset[str]]  # for each missing image, the missing images it is built from
    error: str = ""
    hint: str = ""


@dataclass
class NetworkProbed(Message):
    """Whether a registry and Debian's archive answer from this machine."""

    reach: Reach


@dataclass
class ImagePrepared(Message, bubble=False):
    """One image was prepared (or failed, or was cancelled); ``size`` is its bytes when it is present."""

    result: Prepared
    size: int | None = None


@dataclass
class PreparationEnded(Message, bubble=False):
    """Every image of a preparation has its result: nothing is running any more."""
