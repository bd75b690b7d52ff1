"""What several commands share: the catalog with its skipped files said once."""

from __future__ import annotations

import argparse

from rich.console import Console
from rich.markup import escape

from envlab.lessons.catalog import Catalog, load_catalog


def catalog(args: argparse.Namespace, *, quiet: bool = False) -> Catalog:
    """The built-in lessons plus ``--lessons``; a file that does not load is named on stderr."""
    found = load_catalog(args.lessons)
    if found.problems and not quiet:
        err = Console(stderr=True, highlight=False)
        for problem in found.problems:
            err.print(f"[yellow]skipped:[/] {escape(str(problem))}")
    return found
