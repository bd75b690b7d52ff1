"""Benchmark validating lesson files a stranger wrote: a large valid lesson, and hostile ones refused.

Each case is a file generated into a temporary folder and validated cold (no parse cache), as
``envlab validate FILE`` does; medians of N rounds (goal: under 1 s each):

* **3 MB lesson, block scalars**: a valid lesson just under 3 MB, its texts and inline files written
  as ``|`` blocks, as lessons are written.
* **3 MB lesson, flow scalars**: the same content as plain and double-quoted one-line scalars, the
  slowest way for the pure-Python YAML scanner to read the same bytes.
* **alias bomb**: a billion laughs (nine aliases of nine aliases..., 387 million values once expanded),
  refused at the first alias that would go over the bound.
* **4 MiB of tiny values**: a file at the size bound made of one-character list items, refused when
  the parser reaches the bound on values.

    python bench/validate_bench.py [--rounds N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from envlab.lessons.catalog import load_checked
from envlab.lessons.limits import MAX_FILE_BYTES
from envlab.lessons.loader import LessonFileError

TARGET = 3_000_000
PROSE = ("A runbook is a promise that the same steps give the same server; drift is every way that "
         "promise breaks without anyone noticing. ")


def _block(text: str, indent: int) -> str:
    pad = " " * indent
    return "|\n" + "".join(f"{pad}{line}\n" for line in text.splitlines())


def _flow(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"\n'


def lesson(style: str) -> str:
    """A valid lesson of about :data:`TARGET` bytes whose long values are written in ``style``."""
    scalar = (lambda text, indent: _block(text, indent)) if style == "block" else (lambda text, _indent: _flow(text))
    prose = "\n".join(PROSE * 6 for _ in range(120))  # ~92,000 characters: under the 100,000 of one text
    parts = ["id: big-lesson\nchapter: 9\norder: 1\ntitle: A large lesson\nsummary: Many long texts.\n",
             f"narrative:\n  en: {scalar(prose, 4)}  ja: {scalar(prose, 4)}",
             "goals:\n" + "".join(f"  - {scalar(prose[:20_000], 4)}" for _ in range(12)),
             "hosts:\n  - name: box\n    image: debian:bookworm-slim\n    files:\n"]
    size = sum(map(len, parts))
    index = 0
    while size < TARGET - 200_000:
        entry = f"      - path: /opt/notes/{index}.txt\n        content: {scalar(prose, 10)}"
        parts.append(entry)
        size += len(entry)
        index += 1
    parts.append('    probe: {run: "true", expect: {outcome: pass}}\n')
    parts.append("quiz:\n" + "".join(
        f"  - question: q{n}\n    choices: [a, b]\n    answer: 0\n    explanation: {scalar(prose[:3_000], 6)}"
        for n in range(30)))
    return "".join(parts)


def alias_bomb() -> str:
    rows = [f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9 if i else ["lol"] * 9) + "]" for i in range(9)]
    return "id: bomb\n" + "\n".join(rows) + "\n"


def tiny_values() -> str:
    return "id: tiny\ngoals:\n" + "- x\n" * ((MAX_FILE_BYTES - 20) // 4)


def measure(path: Path, expect_valid: bool) -> float:
    started = time.monotonic()
    try:
        load_checked(path)
        valid = True
    except LessonFileError:
        valid = False
    elapsed = time.monotonic() - started
    if valid != expect_valid:
        raise SystemExit(f"{path.name}: expected {'valid' if expect_valid else 'refused'}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    cases: list[tuple[str, Callable[[], str], bool]] = [
        ("3 MB lesson, block scalars", lambda: lesson("block"), True),
        ("3 MB lesson, flow scalars", lambda: lesson("flow"), True),
        ("alias bomb (387 M values)", alias_bomb, False),
        ("4 MiB of tiny values", tiny_values, False),
    ]
    print(f"{'case':30} {'size':>10} {'median':>9} {'min':>9} {'max':>9}   ({args.rounds} rounds, no parse cache)")
    with tempfile.TemporaryDirectory() as folder:
        for name, make, valid in cases:
            path = Path(folder) / "lesson.yaml"
            path.write_text(make(), encoding="utf-8")
            times = [measure(path, valid) for _ in range(args.rounds)]
            size = path.stat().st_size
            print(f"{name:30} {size / 1e6:8.2f}MB {statistics.median(times):8.3f}s "
                  f"{min(times):8.3f}s {max(times):8.3f}s")


if __name__ == "__main__":
    main()
