"""docs/authoring.md and the schemas say the same: every field of the lesson schema and of pack.yaml's is a row of
the field table of its section, and every row of those tables names a field the schema has."""

from __future__ import annotations

import json
import re

from envlab.lessons.pack import pack_schema
from envlab.lessons.schema import lesson_schema
from tests.helpers import REPO

DOC = REPO / "docs" / "authoring.md"
SETUP = "Fields every setup has (hosts and the fix)"
#: Which sections' tables document which models: (models, sections, the check type a grouped table is read for).
DOCUMENTED: list[tuple[tuple[str, ...], tuple[str, ...], str | None]] = [
    (("DriftLesson", "ScenarioLesson"), ("The lesson (top level)",), None),
    (("Host",), (SETUP, "Host"), None),
    (("Fix",), (SETUP, "Fix"), None),
    (("FileSpec",), ("File",), None),
    (("Step",), ("Step",), None),
    (("Probe",), ("Probe",), None),
    (("Expect",), ("Expect",), None),
    (("Limits",), ("Limits",), None),
    (("Build",), ("Build",), None),
    (("CommandCheck",), ("Checks",), "command"),
    (("FileCheck",), ("Checks",), "file"),
    (("EnvCheck",), ("Checks",), "env"),
    (("HttpCheck",), ("Checks",), "http"),
    (("Challenge",), ("Challenge",), None),
    (("QuizQuestion",), ("Quiz question",), None),
    (("Inspect",), ("Inspect",), None),
    (("Topology",), ("Topology",), None),
    (("Server",), ("Server",), None),
    (("Autoscaler",), ("Autoscaler",), None),
    (("Service",), ("Service",), None),
    (("HealthCheck",), ("Health check",), None),
    (("UpdateConfig",), ("Update config",), None),
    (("Balancer",), ("Balancer",), None),
    (("Phase",), ("Phase",), None),
    (("Change",), ("Change",), None),
    (("Traffic",), ("Traffic",), None),
    (("Fault",), ("Fault",), None),
    (("Expectation",), ("Expectation",), None),
    (("Kubernetes",), ("Kubernetes side by side",), None),
    (("ConsoleChallenge",), ("Console challenge",), None),
    (("pack.yaml",), ("Packs and `pack.yaml`",), None),
]
NAMES = re.compile(r"`([a-z_]+)`")


def field_tables() -> dict[str, dict[str | None, set[str]]]:
    """Section heading → (check type or ``None``) → the field names its field tables' rows give."""
    found: dict[str, dict[str | None, set[str]]] = {}
    heading = ""
    header: list[str] | None = None
    group: str | None = None
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            heading = line.lstrip("#").strip()
        if not line.startswith("|"):
            header = None
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if header is None:
            header = cells
            continue
        if set(line) <= set("|-: "):
            continue
        if header[0] == "Field":
            found.setdefault(heading, {}).setdefault(None, set()).update(NAMES.findall(cells[0]))
        elif header[:2] == ["`type`", "Field"]:  # the check types: each type's own fields under it
            group = NAMES.findall(cells[0])[0] if cells[0] else group
            found.setdefault(heading, {}).setdefault(group, set()).update(NAMES.findall(cells[1]))
    return found


def schema_fields() -> dict[str, set[str]]:
    defs = {name: set(model.get("properties", {})) for name, model in lesson_schema()["$defs"].items()}
    return {**defs, "pack.yaml": set(pack_schema()["properties"])}


def test_every_schema_field_is_a_row_of_its_table_and_every_row_is_a_field() -> None:
    tables = field_tables()
    fields = schema_fields()
    for models, sections, check_type in DOCUMENTED:
        wanted = set().union(*(fields[model] for model in models))
        rows: set[str] = set()
        for section in sections:
            assert section in tables, f"docs/authoring.md has no field table under '{section}'"
            rows |= tables[section].get(None, set())
            if check_type is not None:
                rows |= tables[section][check_type]
        assert sorted(wanted - rows) == [], f"{models}: fields missing from the tables of {sections}"
        assert sorted(rows - wanted) == [], f"{models}: rows of {sections} that name no field"


def test_every_model_and_every_field_table_is_in_the_mapping() -> None:
    mapped = {model for models, _sections, _type in DOCUMENTED for model in models}
    assert mapped == set(schema_fields()), "a model of the schema has no section of docs/authoring.md"
    sections = {section for _models, names, _type in DOCUMENTED for section in names}
    assert set(field_tables()) == sections, "a field table of docs/authoring.md documents no model"
    assert json.loads((REPO / "schema" / "lesson.schema.json").read_text(encoding="utf-8")) == lesson_schema()
