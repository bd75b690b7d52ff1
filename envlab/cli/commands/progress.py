"""`envlab progress export|import`: carry a learner's progress between machines."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.markup import escape


def run(args: argparse.Namespace, console: Console) -> int:
    from envlab.engine.progress import ProgressStore

    store = ProgressStore.open_default(args.profile)
    path = Path(args.file)
    if args.progress_command == "export":
        count = store.export_file(path)
        console.print(f"exported {count} lesson record(s) to {escape(str(path))}")
    else:
        count = store.import_file(path)
        console.print(f"merged {count} lesson record(s) from {escape(str(path))} into {escape(str(store.path))}")
    return 0
