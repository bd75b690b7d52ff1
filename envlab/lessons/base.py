"""The building blocks every lesson model shares: the strict base model, names, builds and limits."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

#: A lesson text: ``"plain"`` or ``{"en": "...", "ja": "..."}``; a missing language falls back to en.
Text = Annotated[
    str | dict[str, str],
    Field(
        description="A string, or a map of language code (en, ja) to string; missing languages fall back to en."
    ),
]

NAME_PATTERN = r"^[a-z0-9][a-z0-9-]{0,39}$"
Name = Annotated[str, Field(pattern=NAME_PATTERN, description="Lower-case letters, digits and dashes.")]


class Model(BaseModel):
    """Base for every lesson model: strict about unknown keys, immutable once loaded."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Limits(Model):
    """Resource limits of one setup's container (hardening: every container has them)."""

    memory: str = Field(default="512m", pattern=r"^[0-9]+[kmg]$")
    cpus: float = Field(default=1.0, gt=0, le=4)
    pids: int = Field(default=256, ge=16, le=4096)


class Build(Model):
    """How the fix image is built: a Dockerfile and a build context from the assets folder."""

    context: str = Field(default=".", description="Build context, relative to the assets folder.")
    dockerfile: str | None = Field(
        default=None, description="Dockerfile path relative to the context (default: Dockerfile)."
    )
    inline: str | None = Field(default=None, description="An inline Dockerfile instead of a file.")

    @model_validator(mode="after")
    def _not_both(self) -> Build:
        if self.dockerfile is not None and self.inline is not None:
            raise ValueError("give 'dockerfile' or 'inline', not both")
        return self
