"""The building blocks every lesson model shares: the strict base model, the kinds of string a lesson
gives (texts, names, paths, commands, patterns, images, packages, capabilities), builds and limits.

Each kind of string is checked where it is declared, once, with the bound from
:mod:`envlab.lessons.limits`; the models only say which kind a field is.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, field_validator, model_validator
from pydantic.functional_validators import AfterValidator

from envlab.lessons import limits
from envlab.lessons.patterns import PatternError, compile_pattern
from envlab.lessons.text import CONTROL


def _printable(value: str) -> str:
    found = CONTROL.search(value)
    if found is not None:
        raise ValueError(f"control character U+{ord(found.group()):04X} at character {found.start() + 1}: "
                         "texts reach the learner's terminal, where it would act instead of print")
    return value


def _text_kind(value: object) -> str:
    return "map" if isinstance(value, dict) else "str"


_TextString = Annotated[str, Field(max_length=limits.MAX_TEXT_CHARS), AfterValidator(_printable)]
_Language = Annotated[str, Field(pattern=r"^[a-z]{2,3}$", description="A language code: en, ja.")]

#: A lesson text: ``"plain"`` or ``{"en": "...", "ja": "..."}``; a missing language falls back to en.
Text = Annotated[
    Annotated[_TextString, Tag("str")]
    | Annotated[dict[_Language, _TextString], Field(max_length=limits.MAX_LANGUAGES,
                                                   json_schema_extra={"additionalProperties": False}), Tag("map")],
    Discriminator(_text_kind),
    Field(description="A string, or a map of language code (en, ja) to string; missing languages fall back to "
                      f"en. At most {limits.MAX_TEXT_CHARS} characters, no control characters but tab and newline."),
]

NAME_PATTERN = r"^[a-z0-9][a-z0-9-]{0,39}$"
Name = Annotated[str, Field(pattern=NAME_PATTERN, description="Lower-case letters, digits and dashes.")]

ENV_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"
EnvName = Annotated[str, Field(pattern=ENV_NAME_PATTERN, max_length=limits.MAX_ENV_NAME_CHARS,
                               description="An environment variable's name: letters, digits and _.")]
EnvValue = Annotated[str, Field(max_length=limits.MAX_ENV_VALUE_CHARS)]
Env = Annotated[dict[EnvName, EnvValue], Field(max_length=limits.MAX_ENV)]


def _path(value: str) -> str:
    if CONTROL.search(value) or "\t" in value or "\n" in value:
        raise ValueError("a path must not contain control characters, tabs or newlines")
    longest = max((len(part) for part in PurePosixPath(value).parts), default=0)
    if longest > limits.MAX_PATH_COMPONENT_CHARS:
        raise ValueError(f"a part of this path has {longest} characters; "
                         f"at most {limits.MAX_PATH_COMPONENT_CHARS} are allowed")
    return value


#: A path a lesson names (inside a container, or relative to its assets folder).
PathText = Annotated[str, Field(min_length=1, max_length=limits.MAX_PATH_CHARS,
                                description=f"A path: at most {limits.MAX_PATH_CHARS} characters, "
                                f"{limits.MAX_PATH_COMPONENT_CHARS} per part."), AfterValidator(_path)]

#: A shell command run with ``/bin/sh -c`` in a container.
Command = Annotated[str, Field(max_length=limits.MAX_COMMAND_CHARS)]


def _pattern(value: str) -> str:
    try:
        compile_pattern(value)
    except PatternError as exc:
        raise ValueError(f"{exc.message}; {exc.hint}") from None
    return value


#: A regular expression, compiled at validation by the same matcher that searches with it.
Pattern = Annotated[str, Field(max_length=limits.MAX_PATTERN_CHARS,
                               description="A regular expression (RE2 syntax: no back-references or "
                               "look-around), searched for in the text."), AfterValidator(_pattern)]

#: A local image tag: lower-case name parts, an optional tag; no registry port, digest or whitespace.
IMAGE_PATTERN = r"^[a-z0-9][a-z0-9._/-]*(:[A-Za-z0-9._-]+)?$"
ImageTag = Annotated[str, Field(pattern=IMAGE_PATTERN, max_length=limits.MAX_IMAGE_CHARS)]

#: A Debian package name, as Debian policy defines it (5.6.1): at least two characters.
PACKAGE_PATTERN = r"^[a-z0-9][a-z0-9+.-]+$"
PackageName = Annotated[str, Field(pattern=PACKAGE_PATTERN, max_length=limits.MAX_PACKAGE_NAME_CHARS)]

#: A capability given back to a container; see :data:`envlab.lessons.limits.ALLOWED_CAPABILITIES`.
Capability = Annotated[str, AfterValidator(limits.capability), Field(
    description="One of " + ", ".join(sorted(limits.ALLOWED_CAPABILITIES)) + " (any case, CAP_ prefix optional).",
)]


class Model(BaseModel):
    """Base for every lesson model: strict about unknown keys, immutable once loaded."""

    model_config = ConfigDict(extra="forbid", frozen=True)


_MEMORY_RANGE = f"{limits.MEMORY_MIN // 1024**2}m to {limits.MEMORY_MAX // 1024**3}g"


class Limits(Model):
    """Resource limits of one setup's container (hardening: every container has them)."""

    memory: str = Field(default="512m", pattern=r"^[0-9]{1,10}[kmg]$",
                        description=f"Memory as <number>k, m or g, from {_MEMORY_RANGE}.")
    cpus: float = Field(default=1.0, ge=limits.CPUS_MIN, le=limits.CPUS_MAX)
    pids: int = Field(default=256, ge=limits.PIDS_MIN, le=limits.PIDS_MAX)

    @field_validator("memory")
    @classmethod
    def _memory_in_range(cls, value: str) -> str:
        size = limits.memory_bytes(value)
        if not limits.MEMORY_MIN <= size <= limits.MEMORY_MAX:
            raise ValueError(f"{value} is outside {_MEMORY_RANGE} (a container needs some memory to start, "
                             "and Docker reads 0 as no limit at all)")
        return value


class Build(Model):
    """How the fix image is built: a Dockerfile and a build context from the assets folder."""

    context: PathText = Field(default=".", description="Build context, relative to the assets folder.")
    dockerfile: PathText | None = Field(
        default=None, description="Dockerfile path relative to the context (default: Dockerfile)."
    )
    inline: str | None = Field(default=None, max_length=limits.MAX_CONTENT_CHARS,
                               description="An inline Dockerfile instead of a file.")
    packages: list[PackageName] = Field(
        default_factory=list, max_length=limits.MAX_PACKAGES,
        description="Debian packages the image needs: envlab installs them on the Debian base the "
        "Dockerfile's FROM names (the build itself has no network).",
    )

    @model_validator(mode="after")
    def _not_both(self) -> Build:
        if self.dockerfile is not None and self.inline is not None:
            raise ValueError("give 'dockerfile' or 'inline', not both")
        return self
