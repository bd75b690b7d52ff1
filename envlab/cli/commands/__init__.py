"""One module per headless command; each exposes ``run(args, console) -> exit code``.

:func:`handler` imports only the command asked for, so `envlab list` does not load the Docker SDK.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable

from rich.console import Console

Handler = Callable[[argparse.Namespace, Console], int]

#: Command name → the module under envlab.cli.commands that runs it.
MODULES = {
    "list": "list_lessons", "run": "run", "inspect": "inspect_drift", "validate": "validate",
    "test": "prove", "images": "images", "doctor": "doctor", "clean": "clean", "schema": "schema",
    "progress": "progress", "new": "new", "kiosk": "kiosk",
    "dev": "dev",
}


def handler(command: str) -> Handler:
    """The ``run`` function of ``command``'s module."""
    module = importlib.import_module(f"envlab.cli.commands.{MODULES[command]}")
    run: Handler = module.run
    return run
