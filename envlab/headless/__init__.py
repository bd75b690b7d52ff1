"""The headless face: a run's events as rich text for people, or JSON lines for scripts."""

from __future__ import annotations

from envlab.headless.rich_face import RichRenderer, drift_table, print_drift, print_json, summary_table

__all__ = ["RichRenderer", "drift_table", "print_drift", "print_json", "summary_table"]
