"""Expand built YAML data into plain dicts, lists and scalars, with the position of every value, within bounds.

The second pass over a lesson file's YAML (the first is :func:`envlab.lessons.yaml_data.construct`):
every string is checked for what no lesson may hold (NUL, lone surrogates, control characters in
keys), and every alias is counted as the size of what it expands to before it is expanded.
"""

from __future__ import annotations

import re
from typing import Any

from envlab.lessons.limits import MAX_EXPANDED_CHARS, MAX_YAML_DEPTH, MAX_YAML_NODES
from envlab.lessons.parse_cache import Loc
from envlab.lessons.text import SURROGATE
from envlab.lessons.yaml_data import At, Refused, YamlMap, YamlSeq


class Plain:
    """Turns built data into plain dicts, lists and scalars, recording where each one was written.

    Nothing is expanded until here. Every value counts, and an alias counts as the size of what it
    points to, checked before it is expanded: an alias bomb is refused at its first alias that would
    go over the bound, having cost a few thousand steps rather than billions.
    """

    def __init__(self, positions: dict[Loc, At]) -> None:
        self.positions = positions
        self.nodes = 0
        self.chars = 0
        self._expanded: set[int] = set()
        self._open: set[int] = set()
        self._sizes: dict[int, tuple[int, int]] = {}

    def convert(self, node: Any, loc: Loc) -> Any:
        """The plain value of ``node`` found at ``loc``, positions of everything below it recorded.

        Raises:
            Refused: A bound or a rule of the lesson format is broken.
        """
        self.nodes += 1
        if self.nodes > MAX_YAML_NODES or self.chars > MAX_EXPANDED_CHARS:
            raise Refused(loc, f"the lesson holds more than {MAX_YAML_NODES} values or {MAX_EXPANDED_CHARS} "
                          "characters once its aliases are expanded")
        if len(loc) > MAX_YAML_DEPTH:
            raise Refused(loc, f"nested more than {MAX_YAML_DEPTH} levels deep once its aliases are expanded")
        if isinstance(node, YamlMap | YamlSeq):
            return self._container(node, loc)
        if isinstance(node, str):
            self.chars += len(node)
            _plain_text(node, loc)
            return node
        if node is None or isinstance(node, int | float):
            return node  # bool is an int
        raise Refused(loc, f"a value of a kind lessons do not use ({type(node).__name__})")

    def _container(self, node: YamlMap | YamlSeq, loc: Loc) -> Any:
        key = id(node)
        if key in self._open:
            raise Refused(loc, "this alias refers to a value that contains it")
        if key in self._expanded:  # an alias of something already converted: check its size first
            nodes, chars = self._size(node)
            if self.nodes - 1 + nodes > MAX_YAML_NODES or self.chars + chars > MAX_EXPANDED_CHARS:
                raise Refused(loc, f"this alias expands to {nodes} values and {chars} characters; a lesson may "
                              f"hold at most {MAX_YAML_NODES} values and {MAX_EXPANDED_CHARS} characters in all")
        self._expanded.add(key)
        self._open.add(key)
        try:
            return self._mapping(node, loc) if isinstance(node, YamlMap) else self._sequence(node, loc)
        finally:
            self._open.discard(key)

    def _mapping(self, node: YamlMap, loc: Loc) -> dict[str, Any]:
        out: dict[str, Any] = {}
        here = self.positions.get(loc, (1, 1))
        for key, value in node.items():
            if not isinstance(key, str | int | float) and key is not None:
                raise Refused(loc, "a key must be a plain name, not a mapping or a list")
            name = str(key)
            # A key merged in with `<<: *anchor` has no position of its own here.
            key_at, value_at = node.positions.get(key, (here, here))
            self.positions[(*loc, f"\0key:{name}")] = key_at
            if name in out:
                raise Refused((*loc, name), "duplicate key", key_at)
            _plain_text(name, (*loc, name), key=True, at=key_at)
            self.chars += len(name)
            self.positions[(*loc, name)] = value_at
            out[name] = self.convert(value, (*loc, name))
        return out

    def _sequence(self, node: YamlSeq, loc: Loc) -> list[Any]:
        items = []
        for index, value in enumerate(node):
            self.positions[(*loc, index)] = node.positions[index]
            items.append(self.convert(value, (*loc, index)))
        return items

    def _size(self, node: Any) -> tuple[int, int]:
        """(values, characters) of ``node`` with every alias below it expanded; memoised per object."""
        known = self._sizes.get(id(node))
        if known is not None:
            return known
        nodes, chars = 1, len(node) if isinstance(node, str) else 0
        if isinstance(node, YamlMap):
            for key, value in node.items():
                inner = self._size(value)
                nodes, chars = nodes + inner[0], chars + inner[1] + len(str(key))
        elif isinstance(node, YamlSeq):
            for value in node:
                inner = self._size(value)
                nodes, chars = nodes + inner[0], chars + inner[1]
        self._sizes[id(node)] = (nodes, chars)
        return nodes, chars


def _plain_text(text: str, loc: Loc, *, key: bool = False, at: At | None = None) -> None:
    """Refuse what no lesson string may hold: NUL, lone surrogates, and in a key any control character."""
    if not key and text.isascii() and "\0" not in text:
        return  # most texts, told apart without a scan by regular expression
    found = (_KEY_FORBIDDEN if key else _FORBIDDEN).search(text)
    if found is None:
        return
    char = found.group()
    kind = "a NUL character" if char == "\0" else "a lone surrogate" if SURROGATE.match(char) else "a control character"
    where = f"{kind} (U+{ord(char):04X}) at character {found.start() + 1}"
    raise Refused(loc, f"this key holds {where}" if key else f"{where}: no value in a lesson may hold one", at)


_FORBIDDEN = re.compile("[\\x00\\ud800-\\udfff]")
_KEY_FORBIDDEN = re.compile("[\\x00-\\x1f\\x7f-\\x9f\\ud800-\\udfff]")
