"""Turn what a container prints into lines, within envlab's output bounds (:mod:`envlab.runtime.bounds`)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from envlab.runtime.bounds import KEPT_CHARS, LINE_CHARS, STREAM_LINES
from envlab.runtime.contract import LineSink


@dataclass
class _Lines:
    """Whole lines packed into blocks of about ``block`` characters.

    Memory then follows the characters kept: as separate strings, a flood of one-letter lines would
    cost some fifty bytes a line.
    """

    block: int
    blocks: deque[tuple[str, int, int]] = field(default_factory=deque)  # (text, lines, characters)
    chars: int = 0  # including one newline per line
    lines: int = 0
    _open: list[str] = field(default_factory=list)
    _open_chars: int = 0

    def add(self, line: str) -> None:
        self._open.append(line)
        self._open_chars += len(line) + 1
        self.chars += len(line) + 1
        self.lines += 1
        if self._open_chars >= self.block:
            self.blocks.append(("\n".join(self._open), len(self._open), self._open_chars))
            self._open, self._open_chars = [], 0

    def drop_oldest(self) -> tuple[int, int]:
        """Forget the oldest sealed block; return its (lines, characters), (0, 0) if there is none."""
        if not self.blocks:
            return 0, 0
        _text, lines, chars = self.blocks.popleft()
        self.lines -= lines
        self.chars -= chars
        return lines, chars

    def parts(self) -> list[str]:
        return [text for text, _, _ in self.blocks] + (["\n".join(self._open)] if self._open else [])


class LineSplitter:
    """Turn a byte stream into text lines (UTF-8, invalid bytes replaced), bounded three ways.

    - Each line keeps at most ``line_chars`` characters and is marked when cut; the rest of it is
      dropped as it arrives, so a stream without newlines costs no more than one such line.
    - Lines stream to ``sink`` up to ``stream_lines``; then one note, and nothing more.
    - :meth:`output` keeps the first and the last ``kept_chars / 2`` characters of the lines (an error
      is usually at the end), with a line saying what was cut between them.

    Each chunk is searched once and never joined to what came before, so the work is linear in the
    bytes fed. A carriage return starts the line over, as on a terminal: a progress bar's last state is
    the line.
    """

    def __init__(self, sink: LineSink, *, line_chars: int = LINE_CHARS, kept_chars: int = KEPT_CHARS,
                 stream_lines: int = STREAM_LINES) -> None:
        self._sink = sink
        self._line_chars = line_chars
        # A UTF-8 character is at most 4 bytes, so more bytes than this always make more characters.
        self._line_bytes = 4 * line_chars + 1
        self._stream_lines = stream_lines
        self._half = kept_chars // 2
        self._head = _Lines(block=max(1, self._half // 128))
        self._tail = _Lines(block=max(1, self._half // 128))
        self._in_tail = False  # the head is full: every later line goes to the tail
        self._cut_lines = 0
        self._cut_chars = 0
        self.lines = 0  # every line seen, kept or not
        # the line being read
        self._parts: list[bytes] = []
        self._size = 0
        self._full = False  # past the byte cap: drop the rest of this line
        self._restart = False  # a carriage return came: what follows replaces the line

    @property
    def cut(self) -> bool:
        """Whether :meth:`output` lost lines between its head and its tail."""
        return self._cut_lines > 0

    def feed(self, chunk: bytes) -> None:
        """Add bytes; emit every completed line."""
        *ended, rest = chunk.split(b"\n")
        for piece in ended:
            self._add(piece)
            self._end_line()
        self._add(rest)

    def close(self) -> None:
        """Emit what is left as a last line."""
        if self._parts:
            self._end_line()

    def output(self) -> str:
        """The kept lines, joined by newlines; a marker line stands where lines were cut."""
        parts = self._head.parts()
        if self._cut_lines:
            parts.append(f"… [{self._cut_lines:,} lines ({self._cut_chars:,} characters) cut here: envlab keeps "
                         f"the first and last {self._half:,} characters of a command's output]")
        return "\n".join(parts + self._tail.parts())

    def _add(self, piece: bytes) -> None:
        first, *restarts = piece.split(b"\r") if b"\r" in piece else (piece,)
        self._append(first)
        for segment in restarts:
            self._restart = True
            self._append(segment)

    def _append(self, data: bytes) -> None:
        if not data:
            return
        if self._restart:
            self._parts, self._size, self._full, self._restart = [], 0, False, False
        if self._full:
            return
        room = self._line_bytes - self._size
        if len(data) > room:
            data, self._full = data[:room], True
        self._parts.append(data)
        self._size += len(data)

    def _end_line(self) -> None:
        line = b"".join(self._parts).decode("utf-8", errors="replace")
        self._parts, self._size, self._full, self._restart = [], 0, False, False
        if len(line) > self._line_chars:
            line = line[: self._line_chars] + f"… [line cut at {self._line_chars} characters]"
        self.lines += 1
        self._keep(line)
        if self.lines <= self._stream_lines:
            self._sink(line)
        elif self.lines == self._stream_lines + 1:
            self._sink(f"[envlab] more than {self._stream_lines:,} lines: the rest of this command's output "
                       "is not shown (its end is kept for the checks)")

    def _keep(self, line: str) -> None:
        if not self._in_tail and self._head.chars + len(line) + 1 <= self._half:
            self._head.add(line)
            return
        self._in_tail = True
        self._tail.add(line)
        while self._tail.chars > self._half:
            lines, chars = self._tail.drop_oldest()
            if not lines:
                break
            self._cut_lines += lines
            self._cut_chars += chars
