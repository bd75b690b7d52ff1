"""The typed checks of a drift lesson: what envlab looks at from outside a container, and what it wants.

Re-exported by :mod:`envlab.lessons.model`, the lesson format as a whole.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from envlab.lessons import limits
from envlab.lessons.base import Command, EnvName, EnvValue, Model, Name, PathText, Pattern, Text

Port = Annotated[int, Field(ge=1, le=65535)]
#: When a check must pass: before the challenge's fix, after it, or both (see :func:`expected_pass`).
Holds = Literal["before", "after", "both"]


def _absolute(value: str) -> str:
    # A check reads from outside the container, where no working folder exists: a relative path means nothing.
    if not value.startswith("/"):
        raise ValueError(f"{value!r} is not an absolute path; a check reads from the container's root, "
                         "e.g. /etc/app.conf")
    return value


AbsolutePath = Annotated[PathText, AfterValidator(_absolute)]


class CheckBase(Model):
    """A typed check envlab runs from outside a container through the Docker SDK."""

    name: Name
    target: Name = Field(description="The host or fix the check looks at.")
    title: Text | None = None
    explain: Text | None = Field(default=None, description="Shown when the check fails.")
    holds: Holds | None = Field(
        default=None,
        description="When the check must pass: before the fix, after it, or both (a setting that must "
        "stay as it is through the fix). Default: after for a check the challenge names (it fails "
        "before: the host is broken), before for any other.",
    )


class CommandCheck(CheckBase):
    """Run a command in the target; check its exit code and output."""

    type: Literal["command"]
    run: Command
    exit_code: int = Field(default=0, ge=0, le=255)
    output: Pattern | None = Field(default=None, description="Regular expression the output must match.")


class FileCheck(CheckBase):
    """Read a file out of the target's filesystem (no command runs inside)."""

    type: Literal["file"]
    path: AbsolutePath
    exists: bool = True
    contains: Pattern | None = Field(default=None, description="Regular expression the content must match.")


class EnvCheck(CheckBase):
    """An environment variable of the target: its container config, or a KEY=VALUE file in it."""

    type: Literal["env"]
    var: EnvName
    equals: EnvValue | None = None
    matches: Pattern | None = None
    file: AbsolutePath | None = Field(
        default=None, description="Read KEY=VALUE lines from this file instead of the container env."
    )


class HttpCheck(CheckBase):
    """Request a URL from a port the target publishes on 127.0.0.1."""

    type: Literal["http"]
    port: Port
    path: str = Field(default="/", pattern=r"^/[!-~]*$", max_length=limits.MAX_PATH_CHARS,
                      description="The URL path, from /: printable ASCII without spaces (percent-encode the rest).")
    status: int = Field(default=200, ge=100, le=599, description="The status it must answer; a redirect (3xx) "
                        "is an answer too, never followed.")
    body: Pattern | None = Field(default=None, description="Regular expression the body must match.")
    timeout: float = Field(default=10, gt=0, le=limits.MAX_HTTP_TIMEOUT)


Check = Annotated[CommandCheck | FileCheck | EnvCheck | HttpCheck, Field(discriminator="type")]


def check_holds(check: CheckBase, challenge_checks: Collection[str]) -> Holds:
    """When ``check`` must pass: as declared, else after the fix for a challenge's check, before it otherwise."""
    if check.holds is not None:
        return check.holds
    return "after" if check.name in challenge_checks else "before"


def expected_pass(check: CheckBase, challenge_checks: Collection[str], *, fixed: bool) -> bool | None:
    """What the lesson claims of ``check`` before the fix (``fixed=False``) or after it; ``None``: not run then.

    Before the fix, a check that holds then must pass, and a challenge's check must fail (that is how the
    lesson shows the host is broken); a check that holds only after the fix and is not the challenge's is
    not run. After the fix, every check that holds then must pass, and the others are not run again.
    """
    holds = check_holds(check, challenge_checks)
    if fixed:
        return True if holds in ("after", "both") else None
    if holds in ("before", "both"):
        return True
    return False if check.name in challenge_checks else None
