"""Compose YAML parser events into nodes, applying the lesson format's rules at the event that breaks them.

Every rule is checked before anything is built: a tag is refused as written (``!!set``, ``!!binary``
or ``!!python/...`` would otherwise become Python objects, and a bare ``!`` would silently turn
``run: ! cmd`` into its opposite), nesting stops well before Python's recursion limit, and a file
holding more values than a lesson may is refused at the value that goes over.

The events come from libyaml, or from ruamel.yaml's parser for a file libyaml does not read to the
end as YAML 1.2 would (see :mod:`envlab.lessons.yaml_reader`). Both name their event classes alike,
which is all this module asks of them.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from typing import Any, Protocol

from envlab.lessons.limits import MAX_YAML_DEPTH, MAX_YAML_NODES
from envlab.lessons.yaml_data import At, Marked, Node, Refused
from envlab.lessons.yaml_scalars import DEFAULT_VERSION, Version, resolve


class Events(Protocol):
    """What the composer asks of a parser."""

    def get_event(self) -> Any: ...
    def peek_event(self) -> Any: ...


class Lookahead:
    """A parser's events from an iterator, with one of look-ahead (ruamel.yaml yields its events)."""

    def __init__(self, events: Iterator[Any]) -> None:
        self._events = events
        self._next: Any = None

    def peek_event(self) -> Any:
        if self._next is None:
            self._next = next(self._events)
        return self._next

    def get_event(self) -> Any:
        event, self._next = self.peek_event(), None
        return event


class LibyamlDiffers(Exception):
    """libyaml read a file it accepts otherwise than the YAML 1.2 parser lessons were always read with.

    An anchor name that goes on with a character libyaml stops at (``&step:1`` names "step:1" in
    YAML 1.2), a tab outside a quoted or block scalar (``key:<tab>value``) and a comment right after a
    block scalar's indicator (``|#``), which that parser refuses.
    """


def compose(events: Events, text: str, *, libyaml: bool) -> tuple[Node | None, Version]:
    """The root node of the one document ``events`` hold (None for an empty stream), and its YAML version.

    Args:
        events: The parser's events for ``text``.
        text: The file, to tell where libyaml's reading differs.
        libyaml: The events are libyaml's: its reading is checked against YAML 1.2, its positions of
            empty values are brought to those lessons were always told, and a rule broken is only
            raised as :class:`Refused` for the caller to read the file again.

    Raises:
        Refused: A rule of the lesson format is broken.
        Marked: An alias names no anchor, or the stream holds more than one document.
        LibyamlDiffers: See :class:`LibyamlDiffers`.
    """
    return _Composer(events, text, libyaml=libyaml).single()


def _kind(event: Any) -> str:
    return type(event).__name__


class _Composer:
    def __init__(self, events: Events, text: str, *, libyaml: bool) -> None:
        self._events = events
        self._text = text
        self._libyaml = libyaml
        # Where quoted and block scalars lie, to tell a tab inside one from a tab libyaml reads otherwise.
        self._quoted: list[tuple[int, int]] | None = [] if libyaml and "\t" in text else None
        self._path: list[str | int | None] = []
        self._nodes = 0
        self._anchors: dict[str, Node] = {}
        self._version = DEFAULT_VERSION
        self._last_end: Any = None  # where the last event taken ends: after a key, its ':' is looked for there

    def single(self) -> tuple[Node | None, Version]:
        self._take()  # the stream's start
        document = None
        if _kind(self._events.peek_event()) != "StreamEndEvent":
            document = self._document()
        if _kind(self._events.peek_event()) != "StreamEndEvent":
            raise Marked("expected a single document in the stream but found another document", _at(self._take()))
        if self._quoted is not None:
            self._tabs_only_in(self._quoted)
        return document, self._version

    def _take(self) -> Any:
        event = self._events.get_event()
        self._last_end = event.end_mark
        return event

    def _document(self) -> Node:
        # Both parsers refuse a %YAML directive of another version than 1.1 and 1.2.
        self._version = self._take().version or self._version
        node = self._node(None)
        self._take()  # the document's end
        return node

    def _node(self, part: str | int | None, at: At | None = None) -> Node:
        self._path.append(part)
        try:
            event = self._events.peek_event()
            at = at or _at(event)
            self._check(event, at)
            self._take()
            kind = _kind(event)
            if kind == "AliasEvent":
                if event.anchor not in self._anchors:
                    raise Marked(f"found undefined alias {event.anchor!r}", at)
                return self._anchors[event.anchor]
            if kind == "ScalarEvent":
                node = self._scalar(event, at)
            else:
                node = Node("sequence" if kind == "SequenceStartEvent" else "mapping", "", [], at)
            if event.anchor is not None:  # before the children: an alias inside may name its parent
                self._anchors[event.anchor] = node
            if node.kind == "sequence":
                while _kind(self._events.peek_event()) != "SequenceEndEvent":
                    node.value.append(self._node(len(node.value)))
                self._take()
            elif node.kind == "mapping":
                self._pairs(node, event)
            return node
        finally:
            self._path.pop()

    def _scalar(self, event: Any, at: At) -> Node:
        value = event.value
        if not self._libyaml:
            # ruamel.yaml marks where a folded scalar was folded with BEL, which no file may hold.
            value = value.replace("\a", "") if event.style == ">" else value
        elif event.style:  # libyaml's style of a plain scalar is ""
            if self._quoted is not None:
                self._quoted.append((event.start_mark.index, event.end_mark.index))
            if event.style in "|>" and _UNSPACED_HEADER.match(self._text, _after_anchor(self._text, event)):
                raise LibyamlDiffers
        return Node("scalar", resolve(value, self._version) if event.implicit[0] else "str", value, at)

    def _pairs(self, node: Node, start: Any) -> None:
        while _kind(self._events.peek_event()) != "MappingEndEvent":
            key = self._node(None)
            at = None
            if self._libyaml:
                at = _EmptyValue(self._text, self._last_end).at(self._events.peek_event(), start,
                                                                (node.value[0][0] if node.value else key).at[1])
            # The value's place in messages is the key as written; a key that is itself a list or
            # mapping (never valid in a lesson) is named "?".
            node.value.append((key, self._node(key.value if key.kind == "scalar" else "?", at)))
        self._take()

    def _check(self, event: Any, at: At) -> None:
        loc = tuple(part for part in self._path if part is not None)
        self._nodes += 1  # an alias counts too: it is a value written in the file
        if self._nodes > MAX_YAML_NODES:
            raise Refused(loc, f"the file holds more than {MAX_YAML_NODES} values; a lesson may hold at most that", at)
        if self._libyaml and event.anchor is not None:
            self._anchor_read_alike(event)
        if _kind(event) == "AliasEvent":
            return
        if len(self._path) > MAX_YAML_DEPTH:
            raise Refused(loc, f"nested more than {MAX_YAML_DEPTH} levels deep", at)
        if event.tag is not None:  # None unless a tag is written: an untagged scalar's kind is resolved later
            raise Refused(loc, f"YAML tags are not allowed in lessons (found {_written(event)}): a lesson is "
                          "plain data; quote a value that should be text", at)

    def _anchor_read_alike(self, event: Any) -> None:
        # libyaml ends a name at the first character that is not a letter, digit, - or _; YAML 1.2 goes
        # on to the first space or flow indicator.
        index = event.start_mark.index
        if self._text[index : index + 1] not in ("&", "*"):
            return  # a tag comes first: the tag is refused, whatever the anchor
        after = self._text[index + 1 + len(event.anchor) : index + 2 + len(event.anchor)]
        if after and not after.isspace() and after not in ",[]{}":
            raise LibyamlDiffers

    def _tabs_only_in(self, quoted: list[tuple[int, int]]) -> None:
        starts = [start for start, _end in quoted]
        for tab in _TAB.finditer(self._text):
            inside = bisect.bisect_right(starts, tab.start()) - 1
            if inside < 0 or tab.start() >= quoted[inside][1]:
                raise LibyamlDiffers


def _written(event: Any) -> str:
    """The tag of one of ruamel.yaml's events as its author wrote it (libyaml's are only refused)."""
    tag = getattr(event, "ctag", None)
    if tag is None:
        return str(event.tag)
    return f"{tag.handle}{tag.suffix}" if getattr(tag, "handle", None) else str(tag)


class _EmptyValue:
    """Where the parser of before placed an empty value of a mapping, worked out from libyaml's events.

    libyaml places it right after the ``:`` in a block mapping and at what follows in a flow mapping;
    the parser lessons were read with did the opposite, and messages must not move.
    """

    def __init__(self, text: str, key_end: Any) -> None:
        self._text, self._key_end = text, key_end

    def at(self, event: Any, mapping: Any, keys_column: int) -> At | None:
        """The position for ``event`` as the value of ``mapping``, or None if it is not an empty value."""
        if _kind(event) != "ScalarEvent" or event.value or not event.implicit[0] or event.anchor or event.tag:
            return None
        text = self._text
        if mapping.flow_style:
            colon = _skip_blank(text, self._key_end.index)
            return self._position(colon + 1) if text[colon : colon + 1] == ":" else None
        after_colon = event.start_mark.index  # or, with no ':', where libyaml found the next token
        next_token = _skip_blank(text, after_colon)
        at = self._position(next_token)
        commented = text[_skip_spaces(text, after_colon) : next_token].startswith("#")
        if commented and at[1] == keys_column and next_token < len(text) and not _MARKER.match(text, next_token):
            return _at(event)  # a comment after the ':', then the next key of the same mapping: right after ':'
        return at

    def _position(self, index: int) -> At:
        """The 1-based line and column of ``index``, counted from the key's end (before it) to stay cheap."""
        text, mark = self._text, self._key_end
        start = mark.index
        breaks = text.count("\n", start, index) + text.count("\r", start, index) - text.count("\r\n", start, index)
        if not breaks:
            return mark.line + 1, mark.column + index - start + 1
        line_start = max(text.rfind("\n", start, index), text.rfind("\r", start, index)) + 1
        return mark.line + breaks + 1, index - line_start + 1


def _skip_spaces(text: str, index: int) -> int:
    while text[index : index + 1] in (" ", "\t"):
        index += 1
    return index


def _skip_blank(text: str, index: int) -> int:
    """The index of the first character at or after ``index`` that is not a space, a line break or a comment."""
    found = _BLANK.match(text, index)
    return found.end() if found else index


def _after_anchor(text: str, event: Any) -> int:
    anchor = _ANCHOR.match(text, event.start_mark.index)
    return anchor.end() if anchor else event.start_mark.index


def _at(event: Any) -> At:
    return event.start_mark.line + 1, event.start_mark.column + 1


_TAB = re.compile("\t")
_BLANK = re.compile(r"(?:[ \t]|#[^\r\n]*|\r\n?|\n)*")
_MARKER = re.compile(r"(?:---|\.\.\.)(?:[ \t\r\n]|$)")  # a document's start or end
_ANCHOR = re.compile(r"&[^\s,\[\]{}]*[ \t]*")
_UNSPACED_HEADER = re.compile(r"[|>][-+1-9]{0,2}[#\t]")
