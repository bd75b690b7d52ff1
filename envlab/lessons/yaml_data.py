"""Give composed YAML nodes their values: the nodes, the errors of reading them, and :func:`construct`.

The first of two passes over the nodes :mod:`envlab.lessons.yaml_compose` composed, in the order envlab
has always applied its rules, so a file with several problems is told about the same one first:
:func:`construct` builds each node once (an alias is the very object its anchor names), merges
``<<: *anchor`` keys and refuses duplicate keys and numbers that cannot be read; then
:class:`envlab.lessons.yaml_plain.Plain` expands that into plain data within bounds.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from envlab.lessons.parse_cache import Loc
from envlab.lessons.yaml_scalars import Version, scalar_value

At = tuple[int, int]


class Node:
    """One node as written: ``kind`` is scalar, sequence or mapping; ``tag`` what an untagged scalar resolved to."""

    __slots__ = ("at", "kind", "tag", "value")

    def __init__(self, kind: str, tag: str, value: Any, at: At) -> None:
        self.kind, self.tag, self.value, self.at = kind, tag, value, at


class Refused(Exception):
    """A rule of the lesson format broken while reading YAML, with where it was broken."""

    def __init__(self, loc: Loc, message: str, at: At | None = None) -> None:
        super().__init__(message)
        self.loc, self.message, self.at = loc, message, at


class Marked(Exception):
    """A YAML error found while composing or building, worded like the parser's own, at a position."""

    def __init__(self, message: str, at: At) -> None:
        super().__init__(message)
        self.message, self.at = message, at


class TaggedScalar:
    """A plain ``=`` or ``<<`` where a value belongs: YAML gives it a kind of its own, which no lesson uses.

    The class keeps the name such a value has always been refused with.
    """

    def __init__(self, value: str) -> None:
        self.value = value


class YamlMap(dict[Any, Any]):
    """A mapping as built: keys in order, merged keys last; ``positions`` has where each written key and value start."""

    def __init__(self) -> None:
        super().__init__()
        self.positions: dict[Any, tuple[At, At]] = {}


class YamlSeq(list[Any]):
    """A sequence as built; ``positions`` holds where each item starts."""

    def __init__(self) -> None:
        super().__init__()
        self.positions: list[At] = []


class _ComplexKey:
    """A key that is a list or a mapping: hashable by identity, refused as a key when converted."""

    def __init__(self, value: Any) -> None:
        self.value = value


def construct(root: Node, version: Version) -> Any:
    """Build the document whose root is ``root``, read as YAML ``version``.

    Raises:
        Marked: A duplicate key, a bad merge, or a value that cannot be read, at its node.
    """
    return _Builder(version).document(root)


class _Builder:
    """Builds each node once, depth first, the way the round-trip loader envlab used before did.

    A collection is created empty and filled by a generator: under the root mapping it is filled at
    once; the root's own children (and a sequence's) wait their turn. An alias to a collection still
    being filled therefore reads as null, and one to the root as the root itself (refused later as a
    value that contains itself), exactly as before.
    """

    def __init__(self, version: Version) -> None:
        self._version = version
        self._done: dict[Node, Any] = {}
        self._open: set[Node] = set()
        self._waiting: list[Iterator[None]] = []
        self._deep = False

    def document(self, root: Node) -> Any:
        data = self._object(root)
        while self._waiting:
            waiting, self._waiting = self._waiting, []
            for filling in waiting:
                for _ in filling:
                    pass
        return data

    def _object(self, node: Node, *, deep: bool = False) -> Any:
        if node in self._done:
            return self._done[node]
        if deep:
            was_deep, self._deep = self._deep, True
        if node in self._open:
            return None
        self._open.add(node)
        data = self._build(node)
        self._done[node] = data
        self._open.discard(node)
        if deep:
            self._deep = was_deep
        return data

    def _build(self, node: Node) -> Any:
        try:
            if node.kind == "scalar":
                if node.tag in ("merge", "value"):
                    return TaggedScalar(node.value)
                return scalar_value(node.tag, node.value, self._version)
            filling = self._fill_mapping(node) if node.kind == "mapping" else self._fill_sequence(node)
            data = next(filling)
            if self._deep:
                for _ in filling:
                    pass
            else:
                self._waiting.append(filling)
            return data
        except Marked:
            raise
        except Exception as exc:  # e.g. an integer of 5000 digits: Python refuses to convert it
            raise Marked(f"cannot read this value: {exc}", node.at) from None

    def _fill_sequence(self, node: Node) -> Iterator[Any]:
        data = YamlSeq()
        yield data
        items = []
        for child in node.value:
            items.append(self._object(child))
            data.positions.append(child.at)
        data.extend(items)

    def _fill_mapping(self, node: Node) -> Iterator[Any]:
        data = YamlMap()
        yield data
        merged = self._merges(node)
        for key_node, value_node in node.value:
            key = self._object(key_node, deep=True)
            if isinstance(key, YamlMap | YamlSeq):
                key = _ComplexKey(key)
            value = self._object(value_node, deep=True)
            if key in data:
                raise Marked("duplicate key: " + str(key).split('"')[0], key_node.at)
            data.positions[key] = (key_node.at, value_node.at)
            data[key] = value
        for source in merged:  # after the written keys, which win over merged ones
            if source is None:  # an alias to this very mapping, which is still being built
                raise Marked("cannot read this value: it merges the mapping that contains it", node.at)
            for key, value in source.items():
                if key not in data:
                    data[key] = value

    def _merges(self, node: Node) -> list[Any]:
        """Take the ``<<`` keys out of ``node`` and build the mappings they merge, in order."""
        merged: list[Any] = []
        pairs: list[tuple[Node, Node]] = node.value
        index = 0
        while index < len(pairs):
            key_node, value_node = pairs[index]
            if key_node.tag == "value":  # a key "=" is the text "="
                key_node.tag = "str"
            if key_node.tag != "merge":
                index += 1
                continue
            if merged:
                raise Marked('while constructing a mapping found duplicate merge key "<<"', key_node.at)
            del pairs[index]
            if value_node.kind == "mapping":
                merged.append(self._merged(value_node))
            elif value_node.kind == "sequence":
                self._merged(value_node)
                for item in value_node.value:
                    if item.kind != "mapping":
                        raise Marked("while constructing a mapping expected a mapping for merging, but found "
                                     f"{item.kind}", item.at)
                    merged.append(self._merged(item))
            else:
                raise Marked("while constructing a mapping expected a mapping or list of mappings for merging, "
                             f"but found {value_node.kind}", value_node.at)
        return merged

    def _merged(self, node: Node) -> Any:
        return self._done[node] if node in self._done else self._object(node, deep=True)
