"""Read a lesson file's YAML into plain data and the position of every value in it.

Three passes, each in its own module: :mod:`~envlab.lessons.yaml_compose` composes the parser's
events into nodes, refusing tags, deep nesting and too many values at the event that breaks the rule;
:mod:`~envlab.lessons.yaml_data` gives each node its value (merge keys, duplicate keys, numbers read
as YAML 1.2); :mod:`~envlab.lessons.yaml_plain` expands aliases into plain data within bounds.

The parser is libyaml (PyYAML's C parser), fast enough for a 3 MB lesson in a fraction of a second.
A file libyaml does not read to the end as lessons have always been read (a YAML 1.2 parser, ruamel.yaml)
goes to that parser instead; such files are rare and are nearly always refused, so they pay its cost.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from envlab.lessons.limits import MAX_FILE_BYTES
from envlab.lessons.parse_cache import Loc, ParseCache, Parsed, digest
from envlab.lessons.problems import LessonFileError, Problem, dotted, nearest
from envlab.lessons.yaml_compose import LibyamlDiffers, Lookahead, compose
from envlab.lessons.yaml_data import Marked, Node, Refused, construct
from envlab.lessons.yaml_plain import Plain
from envlab.lessons.yaml_scalars import Version


def read_yaml(path: Path, display: str | None = None, *, cache: ParseCache | None = None) -> Parsed:
    """Parse ``path`` and return plain data plus a map from data path to (line, col).

    A file larger than :data:`~envlab.lessons.limits.MAX_FILE_BYTES` is refused before it is parsed.
    With a ``cache``, a file whose content was parsed before is not parsed again.

    Raises:
        LessonFileError: The file cannot be read, is too large, or is not well-formed UTF-8 YAML.
    """
    name = display or str(path)
    text = _decode(_read_bounded(path, name), name)
    if cache is None:
        return parse_yaml(text, name)
    key = digest(text)
    parsed = cache.get(key)
    if parsed is None:
        parsed = parse_yaml(text, name)
        cache.put(key, parsed)
    return parsed


def _read_bounded(path: Path, name: str) -> bytes:
    too_large = f"the file is larger than a lesson file may be ({MAX_FILE_BYTES // 1024**2} MiB)"
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise LessonFileError([Problem(name, 1, 1, too_large)])
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)  # a file that grew after stat() is still bounded
    except OSError as exc:
        raise LessonFileError([Problem(name, 1, 1, f"cannot read the file: {exc.strerror or exc}")]) from None
    if len(data) > MAX_FILE_BYTES:
        raise LessonFileError([Problem(name, 1, 1, too_large)])
    return data


def _decode(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = len(data[data.rfind(b"\n", 0, exc.start) + 1 : exc.start].decode("utf-8", "replace")) + 1
        message = f"not UTF-8 text: byte 0x{data[exc.start]:02x} cannot be read ({exc.reason})"
        raise LessonFileError([Problem(name, line, col, message)]) from None


def parse_yaml(text: str, name: str) -> Parsed:
    """Parse lesson text (``name`` is used in messages); see :func:`read_yaml`."""
    positions: dict[Loc, tuple[int, int]] = {(): (1, 1)}
    try:
        root, version = _compose(text)
        raw = None if root is None else construct(root, version)
    except Refused as refused:
        raise LessonFileError([_refusal(name, refused, positions)]) from None
    except Marked as marked:
        raise LessonFileError([Problem(name, *marked.at, marked.message)]) from None
    except Exception as exc:  # a value that cannot be built outside any node, e.g. nested too far by merges
        raise LessonFileError([Problem(name, 1, 1, f"not valid YAML: {exc}")]) from None
    try:
        return Plain(positions).convert(raw, ()), positions
    except Refused as refused:
        raise LessonFileError([_refusal(name, refused, positions)]) from None


def _refusal(name: str, refused: Refused, positions: dict[Loc, tuple[int, int]]) -> Problem:
    line, col = refused.at or nearest(positions, refused.loc)
    field = dotted(refused.loc)
    return Problem(name, line, col, f"{field}: {refused.message}" if field else refused.message)


# What YAML allows in a file at all: no C0 control but tab and line breaks, no DEL, no C1 control but NEL.
_UNPRINTABLE = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _refuse_unprintable(text: str) -> None:
    # The whole file is checked before anything is said about its YAML, as the reader of before did.
    # libyaml refuses the same characters, but only once its buffer reaches them.
    found = _UNPRINTABLE.search(text)
    if found is not None:
        index = found.start()
        line_start = text.rfind("\n", 0, index) + 1
        message = (f"character U+{ord(found.group()):04X} is not allowed in a lesson file (control characters "
                   "and lone surrogates)")
        raise Marked(message, (text.count("\n", 0, index) + 1, index - line_start + 1))


def _compose(text: str) -> tuple[Node | None, Version]:
    """The root node of the file's one document (None for an empty file) and the YAML version it is read as."""
    if any(char in text for char in "\x85\u2028\u2029") or text.find("\ufeff", 1) >= 0:
        # NEL, LS and PS end a line in YAML 1.1, which libyaml reads, and are characters of a line in
        # 1.2; a byte order mark past the first character takes a column for libyaml only.
        return _compose_as_before(text)
    try:
        return compose(yaml.CSafeLoader(text), text, libyaml=True)
    except (yaml.YAMLError, LibyamlDiffers, Refused, Marked):
        return _compose_as_before(text)


def _compose_as_before(text: str) -> tuple[Node | None, Version]:
    """:func:`_compose` with ruamel.yaml's parser, for a file libyaml does not read to the end as YAML 1.2 would.

    libyaml reads YAML 1.1 and words its errors its own way. A file it refuses (a syntax error, a
    character no YAML file may hold, a YAML 1.2 anchor name such as ``&probe.v1``), reads otherwise
    (see :class:`~envlab.lessons.yaml_compose.LibyamlDiffers`) or that breaks a rule of the format
    while composed is read again by the YAML 1.2 parser lessons were always read with: slower, but
    read, refused and worded exactly as before, whichever of its problems that parser meets first.
    Only such files import it.
    """
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError

    _refuse_unprintable(text)
    try:
        return compose(Lookahead(YAML(typ="rt").parse(text)), text, libyaml=False)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        at = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise Marked(" ".join(str(part) for part in (exc.context, exc.problem) if part).strip(), at) from None
