"""The published JSON Schemas of the lesson format and of a pack's ``pack.yaml``, generated from the models."""

from __future__ import annotations

import json
from typing import Any

from envlab.lessons.model import LESSON_ADAPTER
from envlab.lessons.pack import pack_schema


def lesson_schema() -> dict[str, Any]:
    """The JSON Schema editors use to check and complete lesson files."""
    schema = LESSON_ADAPTER.json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema, "title": "envlab lesson"}


def schema_json() -> str:
    """The schema as published by ``envlab schema`` and committed as ``schema/lesson.schema.json``."""
    return json.dumps(lesson_schema(), indent=2, ensure_ascii=False) + "\n"


def pack_schema_json() -> str:
    """``pack.yaml``'s schema as published by ``envlab schema --pack`` and committed as ``schema/pack.schema.json``."""
    return json.dumps(pack_schema(), indent=2, ensure_ascii=False) + "\n"
