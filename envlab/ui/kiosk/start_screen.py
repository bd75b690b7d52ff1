"""The kiosk's start screen: each learner names their own progress profile (or starts without a name)."""

from __future__ import annotations

import time
from typing import ClassVar

from textual import getters
from textual.app import ComposeResult
from textual.containers import Center, Horizontal, Vertical
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Button, Input, Static

from envlab.errors import EnvlabError
from envlab.ui.kiosk.app import KioskApp
from envlab.ui.strings import t
from envlab.ui.widgets.key_bar import KeyBar


class KioskStartScreen(Screen[None]):
    """Waits for the next learner: a name or seat number and Enter, or a start without a name.

    A name already known opens that learner's profile again (a learner coming back after a break);
    a start without a name always gets a fresh profile, ``guest`` and the time.
    """

    AUTO_FOCUS: ClassVar[str] = "#learner-name"

    #: True while the last learner's containers are being removed: nobody starts until they are gone.
    getting_ready: reactive[bool] = reactive(False)

    envlab = getters.app(KioskApp)

    def compose(self) -> ComposeResult:
        with Center(id="kiosk-start"), Vertical(id="kiosk-card"):
            yield Static(id="kiosk-welcome")
            yield Static(id="kiosk-tagline")
            yield Static(id="kiosk-ask")
            yield Input(id="learner-name", max_length=64)
            with Horizontal(id="kiosk-buttons"):
                yield Button(id="anonymous", variant="primary")
                yield Button(id="language")
            yield Static(id="kiosk-status")
        yield KeyBar()

    def on_mount(self) -> None:
        self.watch(self.app, "lang", self._show_texts)
        self.query_one("#language", Button).display = len(self.envlab.config.languages) > 1
        self.call_after_refresh(self.envlab.start_background_work)

    def _show_texts(self) -> None:
        lang = self.envlab.lang
        self.query_one("#kiosk-welcome", Static).update(t("kiosk_welcome", lang))
        self.query_one("#kiosk-tagline", Static).update(t("kiosk_tagline", lang))
        self.query_one("#kiosk-ask", Static).update(t("kiosk_ask_name", lang))
        self.query_one("#learner-name", Input).placeholder = t("kiosk_name_placeholder", lang)
        self.query_one("#anonymous", Button).label = t("kiosk_anonymous", lang)
        self.query_one("#language", Button).label = t("kiosk_language", lang)

    def watch_getting_ready(self, busy: bool) -> None:
        for widget in self.query("#learner-name, #kiosk-buttons Button"):
            widget.disabled = busy
        self._say(t("kiosk_cleaning" if busy else "kiosk_ready", self.envlab.lang))
        if not busy:
            self.forget_typing()
            self.query_one("#learner-name", Input).focus()

    def forget_typing(self) -> None:
        """Clear what was typed (the last learner's name, or half of one by someone who walked away)."""
        self.query_one("#learner-name", Input).value = ""

    def _say(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#kiosk-status", Static)
        status.set_class(error, "-error")
        status.update(text)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self._start(event.value.strip() or None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "anonymous":
            self._start(None)
        elif event.button.id == "language":
            self.envlab.action_switch_language()

    def _start(self, name: str | None) -> None:
        """Open the learner's profile (made if new) and begin their session."""
        if self.getting_ready:
            return
        try:
            profile = self._profile(name)
        except EnvlabError as exc:
            self._say(f"{exc.message}\n{exc.hint}", error=True)
            return
        self._say("")
        self.envlab.begin(profile)

    def _profile(self, name: str | None) -> str:
        from envlab.engine.progress import DEFAULT_PROFILE
        from envlab.engine.progress_db import check_profile_name

        store = self.envlab.store
        known = store.profile_names() | {DEFAULT_PROFILE}
        if name is None:  # a guest: always a fresh profile
            base = f"guest {time.strftime('%Y-%m-%d %H:%M:%S')}"
            name = next(n for n in (base, *(f"{base} ({i})" for i in range(2, 1000))) if n not in known)
        check_profile_name(name)
        if name not in known:
            store.create_profile(name)
        return name
