"""`envlab schema`: the lesson JSON Schema."""

from __future__ import annotations

import argparse

from rich.console import Console

from envlab.lessons.schema import schema_json


def run(args: argparse.Namespace, console: Console) -> int:
    console.out(schema_json(), end="", highlight=False)
    return 0
