"""The operator's way in: the PIN, then what to do (quit the kiosk, or end the learner's session)."""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from envlab.ui.strings import t

if TYPE_CHECKING:
    from envlab.kiosk.config import KioskConfig

FREE_TRIES = 5  # wrong PINs before each further try waits
LOCK_SECONDS = 30.0  # the first wait; it doubles with each wrong PIN after it, up to MAX_LOCK_SECONDS
MAX_LOCK_SECONDS = 600.0


@dataclass
class PinGuard:
    """Wrong PINs so far, and until when the next try must wait: kept by the app, so closing the modal
    and opening it again does not start the count afresh."""

    failures: int = 0
    locked_until: float = 0.0

    def wait(self) -> float:
        """Seconds until a PIN may be tried again (0 if now)."""
        return max(0.0, self.locked_until - time.monotonic())

    def failed(self) -> None:
        self.failures += 1
        if self.failures >= FREE_TRIES:
            delay = min(MAX_LOCK_SECONDS, LOCK_SECONDS * 2 ** (self.failures - FREE_TRIES))
            self.locked_until = time.monotonic() + delay

    def passed(self) -> None:
        self.failures, self.locked_until = 0, 0.0


class PinModal(ModalScreen[bool]):
    """Asks for the operator's PIN (not echoed); dismisses with ``True`` only for the right one."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Back")]

    def __init__(self, config: KioskConfig, guard: PinGuard, lang: str) -> None:
        super().__init__()
        self.config = config
        self.guard = guard
        self.lang = lang

    def compose(self) -> ComposeResult:
        with Vertical(id="operator-pin"):
            yield Static(f"[b]{t('kiosk_pin_title', self.lang)}[/b]")
            yield Static(t("kiosk_pin_ask", self.lang))
            yield Input(id="pin", password=True, max_length=64)
            yield Static(id="pin-message")

    def on_mount(self) -> None:
        self.query_one("#pin", Input).focus()

    async def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        pin = event.value
        field = self.query_one("#pin", Input)
        field.value = ""
        wait = self.guard.wait()
        if wait:
            self._say(t("kiosk_pin_locked", self.lang, seconds=math.ceil(wait)))
            return
        field.disabled = True
        try:
            ok = await asyncio.to_thread(self.config.pin_matches, pin)  # scrypt: tens of milliseconds
        finally:
            field.disabled = False
            field.focus()
        if ok:
            self.guard.passed()
            self.dismiss(True)
            return
        self.guard.failed()
        wait = self.guard.wait()
        self._say(t("kiosk_pin_locked", self.lang, seconds=math.ceil(wait)) if wait
                  else t("kiosk_pin_wrong", self.lang))

    def _say(self, text: str) -> None:
        self.query_one("#pin-message", Static).update(text)

    def action_cancel(self) -> None:
        self.dismiss(False)


class OperatorModal(ModalScreen[str | None]):
    """What the operator may do: dismisses with ``"quit"``, ``"end"`` (the learner's session), ``"prepare"``
    (the missing images, when there are some) or ``None``."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "choose('quit')", "Quit envlab"),
        Binding("e", "choose('end')", "End the session"),
        Binding("p", "choose('prepare')", "Prepare images"),
        Binding("escape", "choose(None)", "Back"),
    ]

    def __init__(self, *, learner: str | None, lang: str, images_missing: bool = False) -> None:
        super().__init__()
        self.learner = learner
        self.lang = lang
        self.images_missing = images_missing

    def compose(self) -> ComposeResult:
        with Vertical(id="operator-menu"):
            yield Static(f"[b]{t('kiosk_pin_title', self.lang)}[/b]")
            with Horizontal(id="operator-buttons"):
                yield Button(f"{t('kiosk_quit', self.lang)} (q)", id="quit", variant="error")
                if self.learner is not None:
                    yield Button(f"{t('kiosk_end_session', self.lang)} (e)", id="end", variant="warning")
                if self.images_missing:
                    yield Button(f"{t('kiosk_prepare', self.lang)} (p)", id="prepare")
                yield Button(f"{t('kiosk_back', self.lang)} (Esc)", id="back", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#back", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None if event.button.id == "back" else event.button.id)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """A session to end only while a learner is at the kiosk; images to prepare only while some are missing."""
        if action == "choose" and parameters == ("end",):
            return self.learner is not None
        if action == "choose" and parameters == ("prepare",):
            return self.images_missing
        return True

    def action_choose(self, choice: str | None) -> None:
        self.dismiss(choice)
