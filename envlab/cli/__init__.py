"""The `envlab` command: the composition root (:mod:`envlab.cli.root`), argument parsing, and one
module per headless command under :mod:`envlab.cli.commands`."""

from __future__ import annotations

from envlab.cli.main import main

__all__ = ["main"]
