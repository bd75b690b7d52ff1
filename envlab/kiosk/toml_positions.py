"""Where each key and value of a TOML document is, for messages about a document ``tomllib`` has read.

``tomllib`` gives data without positions, and no well-kept TOML library for Python reports them
(tomlkit keeps the text for round-trips, not line numbers), so this is a small scan of the text. It
runs only on a document ``tomllib`` has already accepted, so it never has to judge TOML: it follows
keys, strings (the four kinds), arrays, inline tables and table headers, and skips everything else.

Positions are keyed as :mod:`envlab.lessons.problems` keys those of YAML: a value by its path
(``("lessons", 1)``), a key by its parent's path and ``"\\0key:NAME"``.
"""

from __future__ import annotations

import bisect
import re
import tomllib

Loc = tuple[str | int, ...]

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_SCALAR_END = re.compile(r"[,\]}#\n]")


def key_of(name: str) -> str:
    """The entry under which the position of the key ``name`` (not its value) is kept."""
    return f"\0key:{name}"


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0
        self.positions: dict[Loc, tuple[int, int]] = {}
        self._line_starts = [0, *(m.end() for m in re.finditer("\n", text))]
        self._array_tables: dict[Loc, int] = {}

    def at(self, index: int) -> tuple[int, int]:
        """The 1-based line and column of ``index``."""
        line = bisect.bisect_right(self._line_starts, index)
        return line, index - self._line_starts[line - 1] + 1

    def peek(self, token: str) -> bool:
        return self.text.startswith(token, self.i)

    def skip(self, *, newlines: bool) -> None:
        """Skip blanks and comments (and line ends, where the grammar allows them)."""
        text, blanks = self.text, " \t\r\n" if newlines else " \t"
        while self.i < len(text):
            if text[self.i] in blanks:
                self.i += 1
            elif text[self.i] == "#" and newlines:
                end = text.find("\n", self.i)
                self.i = len(text) if end < 0 else end
            else:
                return

    def document(self) -> None:
        table: Loc = ()
        while True:
            self.skip(newlines=True)
            if self.i >= len(self.text):
                return
            if self.peek("["):
                table = self.header()
            else:
                self.key_value(table)
            self.skip(newlines=False)
            if self.peek("#"):
                self.skip(newlines=True)

    def header(self) -> Loc:
        start, many = self.i, self.peek("[[")
        self.i += 2 if many else 1
        self.skip(newlines=False)
        name = self.key(())
        self.skip(newlines=False)
        self.i += 2 if many else 1
        if many:  # each [[name]] is the next element of the array of tables
            index = self._array_tables.get(name, 0)
            self._array_tables[name] = index + 1
            self.positions.setdefault(name, self.at(start))
            name = (*name, index)
        self.positions.setdefault(name, self.at(start))
        if len(name) == 1 or many:
            self.positions.setdefault((*name[:-1], key_of(str(name[-1]))), self.at(start))
        return name

    def key(self, parent: Loc) -> Loc:
        """Read a (dotted) key; remember where each of its parts is."""
        parts: list[str | int] = []
        while True:
            start = self.i
            if self.peek('"') or self.peek("'"):
                end = self.string_end()
                part: str = tomllib.loads(f"k = {self.text[start:end]}")["k"]
                self.i = end
            else:
                match = _BARE_KEY.match(self.text, self.i)
                part = match.group() if match else ""
                self.i = match.end() if match else self.i + 1
            self.positions.setdefault((*parent, *parts, key_of(part)), self.at(start))
            parts.append(part)
            self.skip(newlines=False)
            if not self.peek("."):
                return tuple(parts)
            self.i += 1
            self.skip(newlines=False)

    def key_value(self, table: Loc) -> None:
        path = (*table, *self.key(table))
        self.skip(newlines=False)
        self.i += 1  # "="
        self.skip(newlines=False)
        self.value(path)

    def value(self, path: Loc) -> None:
        self.positions.setdefault(path, self.at(self.i))
        if self.peek("["):
            self.collection(path, "]")
        elif self.peek("{"):
            self.collection(path, "}")
        elif self.peek('"') or self.peek("'"):
            self.i = self.string_end()
        else:
            match = _SCALAR_END.search(self.text, self.i)
            self.i = match.start() if match else len(self.text)

    def collection(self, path: Loc, close: str) -> None:
        """An array (elements by index) or an inline table (entries by key)."""
        self.i += 1
        index = 0
        while True:
            self.skip(newlines=True)
            if self.i >= len(self.text) or self.peek(close):
                self.i += 1
                return
            if close == "]":
                self.value((*path, index))
                index += 1
            else:
                self.key_value(path)
            self.skip(newlines=True)
            if self.peek(","):
                self.i += 1

    def string_end(self) -> int:
        """Where the string starting at the cursor ends (one past its closing quote)."""
        text, i = self.text, self.i
        quote = text[i]
        if text.startswith(quote * 3, i):
            if quote == "'":
                end = text.find("'''", i + 3) + 3
            else:
                end = i + 3
                while not text.startswith('"""', end):
                    end += 2 if text[end] == "\\" else 1
                end += 3
            for _ in range(2):  # up to two quotes may end the string's text, just before its closing three
                if end < len(text) and text[end] == quote:
                    end += 1
            return end
        if quote == "'":
            return text.find("'", i + 1) + 1
        end = i + 1
        while text[end] != '"':
            end += 2 if text[end] == "\\" else 1
        return end + 1


def positions(text: str) -> dict[Loc, tuple[int, int]]:
    """The 1-based line and column of every key and value of ``text``, a document tomllib accepts."""
    scanner = _Scanner(text)
    scanner.document()
    return scanner.positions
