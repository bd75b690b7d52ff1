"""`envlab schema`: the lesson JSON Schema, or with ``--pack`` the schema of ``pack.yaml``."""

from __future__ import annotations

import argparse

from rich.console import Console

from envlab.lessons.schema import pack_schema_json, schema_json


def run(args: argparse.Namespace, console: Console) -> int:
    console.out(pack_schema_json() if getattr(args, "pack", False) else schema_json(), end="", highlight=False)
    return 0
