"""The lesson format: pydantic models that an instructor's YAML file must satisfy.

Every model forbids unknown keys, so a typo in a lesson is an error with its position rather than a
silently ignored field. The JSON Schema published by ``envlab schema`` is generated from these models.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Annotated, Literal

from pydantic import Discriminator, Field, Tag, TypeAdapter, ValidationInfo, field_validator, model_validator
from pydantic.functional_validators import AfterValidator

from envlab.lessons import limits
from envlab.lessons.base import (  # noqa: F401 - NAME_PATTERN, Build, Limits are re-exported
    NAME_PATTERN,
    Build,
    Capability,
    Command,
    Env,
    EnvName,
    EnvValue,
    ImageTag,
    Limits,
    Model,
    Name,
    PackageName,
    PathText,
    Pattern,
    Text,
)
from envlab.lessons.checks import Check as Check
from envlab.lessons.checks import CommandCheck as CommandCheck
from envlab.lessons.checks import EnvCheck as EnvCheck
from envlab.lessons.checks import FileCheck as FileCheck
from envlab.lessons.checks import Holds as Holds
from envlab.lessons.checks import HttpCheck as HttpCheck
from envlab.lessons.checks import Port, check_holds, expected_pass
from envlab.lessons.scenario import ConsoleChallenge, Kubernetes, Phase, Topology


class FileSpec(Model):
    """A file placed into a bare host before its runbook runs (as if copied there by hand)."""

    path: PathText = Field(description="Absolute path inside the host.")
    source: PathText | None = Field(
        default=None, description="A file or folder in the lesson's assets folder, relative to it."
    )
    content: str | None = Field(default=None, max_length=limits.MAX_CONTENT_CHARS, description="Inline file content.")
    mode: str = Field(default="0644", pattern=r"^0?[0-7]{3}$", description="Octal permissions.")

    @field_validator("path")
    @classmethod
    def _absolute(cls, value: str) -> str:
        if not PurePosixPath(value).is_absolute():
            raise ValueError("must be an absolute path inside the host, e.g. /opt/app/app.py")
        return value

    @model_validator(mode="after")
    def _one_origin(self) -> FileSpec:
        if (self.source is None) == (self.content is None):
            raise ValueError("give exactly one of 'source' (an asset) or 'content' (inline text)")
        return self


class Step(Model):
    """One runbook step: what the operator means to do, and the shell command they type."""

    say: Text = Field(description="What this step does, in the words of the runbook.")
    run: Command = Field(description="The shell command, run with /bin/sh -c inside the host.")
    timeout: float = Field(default=120, gt=0, le=limits.MAX_STEP_TIMEOUT,
                           description="Seconds before the step is stopped.")


class Expect(Model):
    """The outcome a setup must show for the lesson's claim to hold."""

    outcome: Literal["pass", "fail"] = Field(description="pass: exit code 0; fail: non-zero.")
    output: Pattern | None = Field(
        default=None,
        description="A regular expression the probe's output must match (e.g. the real error).",
    )

    @model_validator(mode="after")
    def _failure_names_its_error(self) -> Expect:
        if self.outcome == "fail" and not self.output:
            raise ValueError("an expected failure must name its error with an 'output' pattern")
        return self


class Probe(Model):
    """The command that starts or probes the app, and what it must show."""

    run: Command = Field(description="The shell command that runs or probes the app.")
    timeout: float = Field(default=60, gt=0, le=limits.MAX_PROBE_TIMEOUT)
    expect: Expect


class SetupBase(Model):
    """What bare hosts and the containerized fix have in common."""

    name: Name
    title: Text | None = Field(default=None, description="A label for the setup's pane.")
    env: Env = Field(default_factory=dict, description="Environment of the container.")
    ports: list[Port] = Field(
        default_factory=list, max_length=limits.MAX_PORTS,
        description="Container ports published on 127.0.0.1 for HTTP checks; implies a network.",
    )
    cap_add: list[Capability] = Field(
        default_factory=list, max_length=len(limits.ALLOWED_CAPABILITIES),
        description="Capabilities given back (all are dropped by default), from Docker's default set.",
    )
    limits: Limits = Field(default_factory=Limits)
    probe: Probe


class Host(SetupBase):
    """A hand-configured "bare host": a base OS, what was installed on it, and a runbook."""

    image: ImageTag = Field(description="A public base tag, e.g. debian:bookworm-slim.")
    packages: list[PackageName] = Field(
        default_factory=list, max_length=limits.MAX_PACKAGES,
        description="Debian packages already on this server (installed when images are prepared).",
    )
    files: list[FileSpec] = Field(default_factory=list, max_length=limits.MAX_FILES)
    runbook: list[Step] = Field(default_factory=list, max_length=limits.MAX_STEPS)


class Fix(SetupBase):
    """The containerized fix: an image that carries its own userland."""

    build: Build
    serve: bool = Field(
        default=False,
        description="Run the image's own command (a service); otherwise the container idles and the "
        "probe runs in it.",
    )


class Challenge(Model):
    """"Fix it yourself": the learner repairs a broken host; envlab's checks verify it."""

    target: Name = Field(description="The host the learner fixes.")
    task: Text
    checks: list[Name] = Field(min_length=1, max_length=limits.MAX_CHECKS,
                               description="Checks that must pass once it is fixed.")
    solution: list[Step] = Field(min_length=1, max_length=limits.MAX_STEPS,
                                 description="The reference solution `envlab test` applies.")


class QuizQuestion(Model):
    """One multiple-choice question."""

    question: Text
    choices: list[Text] = Field(min_length=2, max_length=6)
    answer: int = Field(ge=0, description="Index of the right choice, counting from 0.")
    explanation: Text

    @field_validator("answer")
    @classmethod
    def _answer_in_range(cls, value: int, info: ValidationInfo) -> int:
        choices = info.data.get("choices")
        if choices is not None and value >= len(choices):
            raise ValueError(f"{value} is not one of the {len(choices)} choices (counting from 0)")
        return value


#: The fixed items the drift inspector collects from every setup, and how each reads.
INSPECT_ITEMS: dict[str, str] = {
    "os": "OS release",
    "kernel": "kernel",
    "libc": "C library",
    "python": "Python",
    "openssl": "OpenSSL",
    "locale": "locale",
    "timezone": "time zone",
}
_ITEM_KEY = (
    rf"^({'|'.join(INSPECT_ITEMS)}|package:[a-z0-9][a-z0-9+.-]*|env:[A-Za-z_][A-Za-z0-9_]*|file:/\S*)$"
)
_ITEM_HELP = f"one of {', '.join(INSPECT_ITEMS)}, package:NAME, env:NAME or file:/PATH"


def _item_key(value: str) -> str:
    if not re.match(_ITEM_KEY, value):
        raise ValueError(f"{value!r} is not an inspected item; use {_ITEM_HELP}")
    return value


ItemKey = Annotated[str, Field(max_length=limits.MAX_PATH_CHARS), AfterValidator(_item_key), Field(
    json_schema_extra={"pattern": _ITEM_KEY}, description=f"An inspected item: {_ITEM_HELP}.",
)]


class Inspect(Model):
    """What the drift inspector compares across setups (`envlab inspect`); every part is optional.

    The fixed items (OS release, kernel, C library, Python, OpenSSL, locale, time zone) are always
    collected; this section adds the lesson's own packages, variables and config files, and says
    which items explain the lesson's outcome.
    """

    packages: list[PackageName] | None = Field(
        default=None, max_length=limits.MAX_INSPECT_ITEMS,
        description="Debian packages whose installed version is compared (default: every package "
        "the hosts declare).",
    )
    env: list[EnvName] | None = Field(
        default=None, max_length=limits.MAX_INSPECT_ITEMS,
        description="Environment variables compared (default: PATH and every variable a setup "
        "declares).",
    )
    files: list[Annotated[PathText, Field(pattern=r"^/")]] = Field(
        default_factory=list, max_length=limits.MAX_INSPECT_ITEMS,
        description="Config files (absolute paths) compared by presence and sha256.",
    )
    focus: list[ItemKey] = Field(
        default_factory=list, max_length=limits.MAX_INSPECT_ITEMS,
        description="Items that explain the lesson's outcome; the diff marks them as the cause.",
    )


class LessonBase(Model):
    """What every lesson has, whatever its kind: where it sits, its story, hints and quiz."""

    id: Name
    chapter: int = Field(ge=1, le=99)
    order: int = Field(ge=1, le=999)
    title: Text
    summary: Text
    narrative: Text = Field(description="Markdown shown beside the panes.")
    goals: list[Text] = Field(default_factory=list, max_length=limits.MAX_GOALS,
                              description="What the learner will be able to do.")
    assets: PathText | None = Field(
        default=None,
        description="The lesson's assets folder, relative to the file (default: assets/<id> next to "
        "the file, else ../assets/<id>).",
    )
    hints: list[Text] = Field(default_factory=list, max_length=limits.MAX_HINTS,
                              description="Progressive: each more direct.")
    quiz: list[QuizQuestion] = Field(default_factory=list, max_length=limits.MAX_QUIZ)


class DriftLesson(LessonBase):
    """A drift lesson: hand-configured bare hosts next to a containerized fix, checks, a challenge."""

    kind: Literal["drift"] = Field(
        default="drift", description="Optional: a lesson with hosts or a fix is a drift lesson."
    )
    hosts: list[Host] = Field(default_factory=list, max_length=limits.MAX_SETUPS)
    fix: Fix | None = None
    checks: list[Check] = Field(default_factory=list, max_length=limits.MAX_CHECKS)
    challenge: Challenge | None = None
    inspect: Inspect = Field(
        default_factory=Inspect, description="What the drift inspector compares (optional)."
    )

    @property
    def setups(self) -> list[Host | Fix]:
        """Bare hosts in declared order, then the fix."""
        return [*self.hosts, *([self.fix] if self.fix else [])]

    def setup(self, name: str) -> Host | Fix:
        """Return the host or fix called ``name``."""
        for setup in self.setups:
            if setup.name == name:
                return setup
        raise KeyError(name)

    @property
    def challenge_checks(self) -> frozenset[str]:
        """The names of the checks the challenge's fix must make pass (none without a challenge)."""
        return frozenset(self.challenge.checks) if self.challenge else frozenset()

    def holds(self, check: Check) -> Holds:
        """When ``check`` must pass: as it declares, else as its place in the challenge says."""
        return check_holds(check, self.challenge_checks)

    def expected(self, check: Check, *, fixed: bool) -> bool | None:
        """Whether ``check`` must pass before the fix or after it; ``None`` when it is not run then."""
        return expected_pass(check, self.challenge_checks, fixed=fixed)


class ScenarioLesson(LessonBase):
    """A scenario lesson: services behind a load balancer, and phases of traffic, faults and changes."""

    kind: Literal["scenario"] = Field(
        default="scenario", description="Optional: a lesson with a topology is a scenario lesson."
    )
    topology: Topology = Field(description="Services behind a load balancer.")
    phases: list[Phase] = Field(default_factory=list, max_length=limits.MAX_PHASES,
                                description="The scenario's acts, in order.")
    kubernetes: Kubernetes | None = Field(
        default=None, description="Equivalent Kubernetes manifests shown beside the Swarm spec (optional)."
    )
    challenge: ConsoleChallenge | None = Field(
        default=None, description="Hands-on: the learner changes the running system through the console (optional).")

    @property
    def all_phases(self) -> list[tuple[tuple[str | int, ...], Phase]]:
        """Every phase with where it is in the file: the lesson's, then the challenge's check."""
        found: list[tuple[tuple[str | int, ...], Phase]] = [(("phases", i), p) for i, p in enumerate(self.phases)]
        if self.challenge is not None:
            found.append((("challenge", "check"), self.challenge.check))
        return found


#: The fields only one kind has: they tell the kinds apart when a file does not say its ``kind``.
DRIFT_FIELDS = ("hosts", "fix", "checks", "inspect")  # both kinds may have a challenge
SCENARIO_FIELDS = ("topology", "phases", "kubernetes")
KINDS = ("drift", "scenario")


def lesson_kind(data: object) -> str:
    """The kind of a lesson's raw data: its ``kind`` field, else the fields it has (drift by default)."""
    if isinstance(data, dict):
        declared = data.get("kind")
        if declared in KINDS:
            return str(declared)
        return "scenario" if any(key in data for key in SCENARIO_FIELDS) else "drift"
    return "scenario" if isinstance(data, ScenarioLesson) else "drift"


#: A lesson of either kind; pydantic picks the model with :func:`lesson_kind`.
Lesson = Annotated[
    Annotated[DriftLesson, Tag("drift")] | Annotated[ScenarioLesson, Tag("scenario")],
    Discriminator(lesson_kind),
]
LESSON_ADAPTER: TypeAdapter[DriftLesson | ScenarioLesson] = TypeAdapter(Lesson)
