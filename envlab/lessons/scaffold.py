"""`envlab new`: a lesson of either kind, or a pack of both, that validates and proves as written out.

The templates are package data (``envlab/lessons/templates``): a lesson file with every field commented in
English and Japanese, and its assets, and a pack's ``pack.yaml``. Writing one replaces the tokens ``{{id}}``,
``{{schema}}`` (the path of the pack's JSON Schema from the file, for the editor's modeline) and
``{{envlab}}`` (the envlab versions a new pack needs: this one's minor release), and drops a ``.tmpl``
suffix, which keeps template sources from being read as a lesson or a module of envlab. Nothing is ever
overwritten: every target is checked before the first file is written, and each is created exclusively.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from envlab import __version__
from envlab.errors import EnvlabError
from envlab.lessons.assets import PACK_FILE, pack_root
from envlab.lessons.base import NAME_PATTERN
from envlab.lessons.schema import pack_schema_json, schema_json

TEMPLATES = Path(__file__).resolve().parent / "templates"
KINDS = ("drift", "scenario", "pack")
#: The id each kind gets when none is given.
DEFAULT_IDS = {"drift": "my-drift", "scenario": "my-scenario", "pack": "my-pack"}
SCHEMA = Path("schema") / "lesson.schema.json"
PACK_SCHEMA = Path("schema") / "pack.schema.json"


class ScaffoldRefused(EnvlabError):
    """`envlab new` would overwrite a file, or was given an id no lesson may have."""

    exit_code = 73  # EX_CANTCREAT


@dataclass(frozen=True)
class Written:
    """What `envlab new` wrote.

    Attributes:
        lessons: The lesson files, by id.
        files: Every file written, lesson files included, in the order written.
        kept: Files that were there already and left as they were (a pack's schema).
    """

    lessons: dict[str, Path]
    files: list[Path]
    kept: list[Path]


def scaffold(kind: str, dest: Path, *, lesson_id: str | None = None) -> Written:
    """Write a ``drift`` or ``scenario`` lesson into the folder ``dest``, or a ``pack`` of both at ``dest``.

    A lesson goes to ``dest/<id>.yaml`` with its assets in ``assets/<id>/`` of its pack (beside the
    file, or beside ``dest`` when ``dest`` is a pack's ``lessons/`` folder). A pack is ``pack.yaml``,
    ``schema/lesson.schema.json``, ``schema/pack.schema.json`` and one lesson of each kind, ``<id>-drift`` and
    ``<id>-scenario``.

    Raises:
        ScaffoldRefused: A file to write exists already, or the id is not a valid name.
    """
    chosen = lesson_id or DEFAULT_IDS[kind]
    suffix = max(len("-drift"), len("-scenario")) if kind == "pack" else 0
    if not re.fullmatch(NAME_PATTERN, chosen) or len(chosen) + suffix > 40:
        room = f"{40 - suffix} characters, so that its lessons' ids fit" if suffix else "40 characters"
        raise ScaffoldRefused(f"{chosen!r} is not an id envlab accepts", hint="lower-case letters, digits and '-', "
                              f"starting with a letter or digit, at most {room}")
    plan: dict[Path, str] = {}
    if kind == "pack":
        plan[dest / PACK_FILE] = _render(TEMPLATES / "pack" / f"{PACK_FILE}.tmpl", chosen, PACK_SCHEMA.as_posix())
        ids = {f"{chosen}-{lesson_kind}": lesson_kind for lesson_kind in ("drift", "scenario")}
        root = dest
    else:
        ids = {chosen: kind}
        root = pack_root(dest / f"{chosen}.yaml")[0]
    schemas = [_plan_lesson(plan, lesson_kind, dest, lesson_id, root=root) for lesson_id, lesson_kind in ids.items()]
    lessons = {lesson_id: dest / f"{lesson_id}.yaml" for lesson_id in ids}
    existing = sorted(str(path) for path in plan if os.path.lexists(path))
    if existing:
        raise ScaffoldRefused(f"refusing to overwrite {', '.join(existing)}",
                              hint="choose another folder, or another id with --id")
    kept = []
    for schema, text in ((schemas[0], schema_json()), (root / PACK_SCHEMA, pack_schema_json())):
        if kind != "pack" and schema.name == PACK_SCHEMA.name:
            continue  # a lesson alone needs only the lesson schema
        if os.path.lexists(schema):
            kept.append(schema)
        else:
            plan[schema] = text
    for path, text in plan.items():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ScaffoldRefused(f"cannot write {path}: {exc.strerror or exc}",
                                  hint="a folder on the way is a file, or cannot be made") from None
        try:
            with path.open("x", encoding="utf-8", newline="\n") as handle:  # never over a file made meanwhile
                handle.write(text)
        except FileExistsError:
            raise ScaffoldRefused(f"refusing to overwrite {path}",
                                  hint="it appeared while envlab was writing") from None
        except OSError as exc:
            raise ScaffoldRefused(f"cannot write {path}: {exc.strerror or exc}",
                                  hint="choose a folder you can write to") from None
    return Written(lessons, list(plan), kept)


def _plan_lesson(plan: dict[Path, str], kind: str, dest: Path, lesson_id: str, *, root: Path) -> Path:
    """Plan ``dest/<id>.yaml`` and its assets; return the pack's schema file its modeline names.

    ``root`` is ``dest`` or its parent (see :func:`envlab.lessons.assets.pack_root`); the assets folder
    and the schema sit at that top, where the default ``assets/<id>`` or ``../assets/<id>`` finds them.
    """
    below = Path(os.path.realpath(dest)) != Path(os.path.realpath(root))
    top = dest.parent if below else dest
    modeline = ("../" if below else "") + SCHEMA.as_posix()
    plan[dest / f"{lesson_id}.yaml"] = _render(TEMPLATES / kind / "lesson.yaml.tmpl", lesson_id, modeline)
    source = TEMPLATES / kind / "assets"
    for path in sorted(p for p in source.rglob("*") if p.is_file()):
        target = top / "assets" / lesson_id / path.relative_to(source)
        plan[target.with_name(target.name.removesuffix(".tmpl"))] = _render(path, lesson_id, modeline)
    return top / SCHEMA


def new_pack_requirement() -> str:
    """The envlab versions a new pack needs: this envlab's minor release and later ones of it."""
    major, minor = __version__.split(".")[:2]
    return f">={major}.{minor},<{major}.{int(minor) + 1}"


def _render(template: Path, lesson_id: str, schema: str) -> str:
    text = template.read_text(encoding="utf-8").replace("{{id}}", lesson_id).replace("{{schema}}", schema)
    return text.replace("{{envlab}}", new_pack_requirement())
