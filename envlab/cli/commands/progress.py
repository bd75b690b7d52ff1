"""`envlab progress export|import`: carry a learner's progress between machines."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.markup import escape


def run(args: argparse.Namespace, console: Console) -> int:
    from envlab.engine.progress import ProgressStore, data_dir

    # An export only reads: it works from a data folder that cannot be written (a locked-down kiosk).
    exporting = args.progress_command == "export" and (data_dir() / "progress.sqlite3").is_file()
    store = ProgressStore.open_default(args.profile, read_only=exporting)
    if store.kept_aside is not None:
        console.print(f"[yellow]the progress database was damaged:[/] kept aside as {escape(str(store.kept_aside))}; "
                      "a fresh one was started")
    path = Path(args.file)
    if args.progress_command == "export":
        count = store.export_file(path)
        console.print(f"exported {count} lesson record(s) to {escape(str(path))}")
    else:
        count = store.import_file(path)
        console.print(f"merged {count} lesson record(s) from {escape(str(path))} into {escape(str(store.path))}")
    return 0
