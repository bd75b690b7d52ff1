"""`python -m envlab` does what the `envlab` command does."""

from __future__ import annotations

from envlab.cli import main

raise SystemExit(main())
