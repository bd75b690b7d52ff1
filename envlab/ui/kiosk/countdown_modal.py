"""The idle countdown: the learner seems gone; any key (or a click) says they are not."""

from __future__ import annotations

import math
import time

from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from envlab.ui.strings import t


class CountdownModal(ModalScreen[bool]):
    """Counts ``seconds`` down where everyone can see it; dismisses with ``True`` when it reaches zero,
    ``False`` at the first key or click (which does nothing else)."""

    def __init__(self, seconds: float, lang: str) -> None:
        super().__init__()
        self.seconds = seconds
        self.lang = lang
        self.deadline = time.monotonic() + seconds

    def compose(self) -> ComposeResult:
        with Vertical(id="countdown"):
            yield Static(t("kiosk_still_there", self.lang), id="countdown-title")
            yield Static(self._text(), id="countdown-text")

    def on_mount(self) -> None:
        self.set_interval(min(0.25, self.seconds / 4), self._tick)

    @property
    def left(self) -> float:
        """Seconds until the session ends."""
        return max(0.0, self.deadline - time.monotonic())

    def _text(self) -> str:
        return t("kiosk_countdown", self.lang, seconds=math.ceil(self.left))

    def _tick(self) -> None:
        self.query_one("#countdown-text", Static).update(self._text())
        if self.left <= 0 and self.is_current:
            self.dismiss(True)

    def on_key(self, event: events.Key) -> None:
        event.stop()
        event.prevent_default()
        self.dismiss(False)

    def on_mouse_down(self, event: events.MouseDown) -> None:
        event.stop()
        self.dismiss(False)
