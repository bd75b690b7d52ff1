"""Text that breaks its lines where a reader expects: Japanese between phrases, never before ``。``."""

from __future__ import annotations

from textual.visual import VisualType
from textual.widgets import Static

from envlab.ui.linebreak import phrased


class FitText(Static):
    """A :class:`Static` whose Japanese text breaks as :mod:`envlab.ui.linebreak` says (other text as Textual does)."""

    def render(self) -> VisualType:
        return phrased(super().render())
