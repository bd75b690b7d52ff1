"""How much a container may send back to envlab and write to its disk, decided in one place.

A lesson is data from a stranger, and so is whatever its containers print and write. These bounds
keep envlab's own memory and the engine's disk safe from both, whatever the lesson says; the static
bounds on the lesson file itself live with the lesson format (``envlab.lessons.limits``).
"""

from __future__ import annotations

from dataclasses import dataclass

from envlab.errors import EnvlabError

KiB = 1024
MiB = 1024 * KiB
GiB = 1024 * MiB

# output of a command -------------------------------------------------------------------------
#: Characters kept of one output line. Far wider than any terminal and than real tool output (apt's
#: and pip's longest lines are a few hundred characters); a longer line is a binary or a minified
#: blob that no learner reads, and the panes would wrap it into screens of noise.
LINE_CHARS = 4096
#: Characters kept of one command's output for ``judge()`` and checks: the first half and the last
#: half (an error a lesson expects is usually at the end). 1 MiB holds ~15,000 lines of an apt install,
#: the chattiest thing a lesson runs, and a scenario runs only a handful of commands at once, so what
#: envlab holds stays a few MiB however much a container prints.
KEPT_CHARS = 1 * MiB
#: Lines of one command streamed to the faces. The panes keep far fewer, and a learner cannot read
#: more; past this one note says the rest is not shown (the end is still kept, see ``KEPT_CHARS``).
STREAM_LINES = 20_000

# files read out of a container ---------------------------------------------------------------
#: Bytes a file check or the drift inspector reads of one file. Config, env and release files are a
#: few KiB; 8 MiB is far past any of them yet reads in well under a second. A larger file is refused
#: before envlab reads it (a sparse file can claim 100 GB while holding nothing).
FILE_BYTES = 8 * MiB

# disk a container may write ------------------------------------------------------------------
#: Default bound of a container's writable layer (what it wrote on top of its image). A lesson host
#: installs a few packages (tens of MiB); 512 MiB leaves room for a learner's experiments while a
#: dozen containers of one scenario still fit on a small laptop's disk.
DISK_BYTES = 512 * MiB
#: The label that carries a container's disk bound in bytes, so whichever envlab process watches it
#: applies the bound its lesson chose.
DISK_LABEL = "io.envlab.disk"


def file_size_limit(disk_bytes: int) -> int:
    """The per-process file-size limit (``RLIMIT_FSIZE``) for a container bounded at ``disk_bytes``.

    Half the disk bound: one file alone can never take a container past its bound, so the common
    runaway (one ``dd`` or one log) is stopped at once by the kernel, with an error the learner sees
    in the shell, and the watchdog only has to catch many files together.
    """
    return disk_bytes // 2


#: Share of the time the disk watchdog may spend sizing layers while containers are far from their
#: bounds, and while one nears its bound. Sizing through the meter's helper costs about 50 ms a poll
#: (2.4% of one core at one poll every 2 s, measured with three containers); the engine's own sizing,
#: the fallback, costs a second or more per container on fuse-overlayfs, and this share then stretches
#: the interval to 20 s or more rather than load the daemon.
DISK_POLL_SHARE = 0.05
DISK_POLL_URGENT_SHARE = 1 / 3
#: Seconds between two polls however cheap they are, and before the first one (most containers a
#: lesson's probes and checks start are gone by then). A container near its bound is polled up to
#: four times as often.
DISK_POLL_MIN = 2.0


def size_text(size: int) -> str:
    """``size`` bytes for people: ``812 B``, ``4.0 KiB``, ``100.0 GiB``."""
    if size < KiB:
        return f"{size} B"
    for unit, factor in (("GiB", GiB), ("MiB", MiB), ("KiB", KiB)):
        if size >= factor:
            return f"{size / factor:.1f} {unit}"
    raise AssertionError("unreachable")


class FileTooLarge(EnvlabError):
    """A file in a container is larger than envlab reads for a check (:data:`FILE_BYTES`).

    The file exists: a check that only asks whether it exists may still pass.

    Attributes:
        path: The file, as the check named it.
        size: Its size in bytes, as the engine reported it (at least ``limit + 1``).
        limit: What envlab reads at most.
    """

    def __init__(self, path: str, size: int, limit: int = FILE_BYTES) -> None:
        super().__init__(
            f"{path} is {size_text(size)}, more than the {size_text(limit)} envlab reads of a file",
            hint="a check can only read small files (configs, env files, reports); check a smaller file",
        )
        self.path, self.size, self.limit = path, size, limit


@dataclass(frozen=True)
class DiskBreach:
    """A container stopped because its writable layer passed its disk bound."""

    container: str  # its id
    name: str
    used: int  # bytes in its writable layer when it was stopped
    bound: int

    def describe(self) -> str:
        """One sentence for a learner."""
        return (f"{self.name} was stopped: it wrote {size_text(self.used)}, past its disk bound of "
                f"{size_text(self.bound)}")


class DiskBoundExceeded(EnvlabError):
    """A command or check was asked of a container the disk watchdog stopped."""

    def __init__(self, breach: DiskBreach) -> None:
        super().__init__(breach.describe(), hint="remove what filled the disk (restart the lesson to start clean)")
        self.breach = breach
