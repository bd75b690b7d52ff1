"""What containers print, bounded: lines cut, floods stopped, output kept head and tail, in linear work."""

from __future__ import annotations

import time
import tracemalloc

from envlab.runtime.bounds import KEPT_CHARS, LINE_CHARS, STREAM_LINES, MiB
from envlab.runtime.docker.output import LineSplitter


def split(*chunks: bytes, **bounds: int) -> tuple[list[str], LineSplitter]:
    seen: list[str] = []
    splitter = LineSplitter(seen.append, **bounds)
    for chunk in chunks:
        splitter.feed(chunk)
    splitter.close()
    return seen, splitter


def test_lines_are_whole_whatever_the_chunks() -> None:
    seen, splitter = split(b"one\ntw", b"o\r", b"\nthr", b"ee\n\nla", b"st")
    assert seen == ["one", "two", "three", "", "last"]
    assert splitter.output() == "one\ntwo\nthree\n\nlast"


def test_a_carriage_return_starts_the_line_over_like_a_terminal() -> None:
    seen, _ = split(b"10%\r", b"50%\r100%\n", b"done\r\n", b"bar\r")
    assert seen == ["100%", "done", "bar"]


def test_utf8_split_between_chunks_and_invalid_bytes() -> None:
    euro = "€".encode()
    seen, _ = split(b"price " + euro[:1], euro[1:] + b"\n\xff\xfeok\n")
    assert seen == ["price €", "\ufffd\ufffdok"]


def test_a_long_line_is_cut_and_marked_and_the_next_one_is_whole() -> None:
    seen, splitter = split(b"x" * 100, b"y" * 100 + b"\nnext\n", line_chars=50)
    assert seen == ["x" * 50 + "… [line cut at 50 characters]", "next"]
    assert splitter.output().splitlines() == seen


def test_a_line_of_exactly_the_limit_is_not_marked() -> None:
    seen, _ = split("é".encode() * 50 + b"\n", line_chars=50)
    assert seen == ["é" * 50]


def test_the_default_cut_is_at_4096_characters() -> None:
    seen, _ = split(b"z" * 10_000)
    assert LINE_CHARS == 4096
    assert seen == ["z" * 4096 + "… [line cut at 4096 characters]"]


def test_output_without_newlines_costs_one_line_of_memory() -> None:
    """20 MB without a newline: the old splitter held (and re-split) all of it on every chunk."""
    chunk = b"x" * 8192
    tracemalloc.start()
    started = time.monotonic()
    seen, _ = split(*(chunk for _ in range(20 * MiB // len(chunk))))
    elapsed = time.monotonic() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert seen == ["x" * LINE_CHARS + f"… [line cut at {LINE_CHARS} characters]"]
    assert peak < 1 * MiB, f"held {peak} bytes"
    assert elapsed < 5, f"took {elapsed:.1f}s"


def test_a_flood_streams_up_to_the_budget_then_one_note() -> None:
    seen, splitter = split(b"".join(b"%d\n" % i for i in range(1, 11)), stream_lines=4)
    assert seen[:4] == ["1", "2", "3", "4"]
    assert len(seen) == 5 and "more than 4 lines" in seen[4] and "not shown" in seen[4]
    assert splitter.output().splitlines() == [str(i) for i in range(1, 11)], "lines not shown are still kept"
    assert not splitter.cut


def test_kept_output_is_head_and_tail_with_a_marker_between() -> None:
    lines = [f"line {i:03d}" for i in range(200)]  # 8 characters and a newline each
    _, splitter = split("\n".join(lines).encode(), kept_chars=400)
    kept = splitter.output().splitlines()
    marker = next(i for i, line in enumerate(kept) if "cut here" in line)
    head, tail = kept[:marker], kept[marker + 1:]
    assert head == lines[: len(head)] and tail == lines[-len(tail):]
    assert len(head) == len(tail) == 200 // 9
    cut = 200 - len(head) - len(tail)
    assert kept[marker].startswith(f"… [{cut:,} lines ({cut * 9:,} characters) cut here")
    assert splitter.cut and splitter.lines == 200


def test_the_defaults_keep_a_mebibyte_and_stream_twenty_thousand_lines() -> None:
    body = b"".join(b"line number %06d of a long build log\n" % i for i in range(60_000))  # ~2.2 MB
    seen, splitter = split(body)
    assert MiB == KEPT_CHARS and STREAM_LINES == 20_000
    assert len(seen) == STREAM_LINES + 1 and seen[-2] == "line number 019999 of a long build log"
    text = splitter.output()
    assert KEPT_CHARS - 16_384 < len(text) <= KEPT_CHARS + 200
    assert text.startswith("line number 000000") and text.endswith("line number 059999 of a long build log")


def test_a_flood_of_tiny_lines_is_kept_in_bounded_memory_and_linear_time() -> None:
    """300,000 two-character lines: kept as separate strings they would cost ~17 MB; packed, about what
    their characters cost."""
    chunk = b"yz\n" * 4096
    tracemalloc.start()
    started = time.monotonic()
    _, splitter = split(*(chunk for _ in range(300_000 // 4096)), stream_lines=0)
    elapsed = time.monotonic() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert splitter.lines == (300_000 // 4096) * 4096
    assert splitter.output().count("yz") == splitter.lines
    assert peak < 3 * MiB, f"held {peak} bytes"
    assert elapsed < 30, f"took {elapsed:.1f}s"
