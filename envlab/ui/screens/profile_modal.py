"""Choose whose progress the course shows: switch to a learner profile, or make a new one."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from envlab.engine.progress import ProfileSummary
from envlab.ui.strings import t

#: Makes a new profile of that name; returns what is wrong with the name, or ``None`` once it is made.
MakeProfile = Callable[[str], "str | None"]


class ProfileModal(ModalScreen[str | None]):
    """Dismisses with the profile to use (an existing one, or one just made), or ``None``.

    Args:
        profiles: Every profile of this machine.
        current: The profile in use.
        lang: The interface's language.
        make: Makes a new profile (see :data:`MakeProfile`).
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", "Back")]

    def __init__(self, profiles: list[ProfileSummary], current: str, lang: str, make: MakeProfile) -> None:
        super().__init__()
        self.profiles, self.current, self.lang, self.make = profiles, current, lang, make

    def compose(self) -> ComposeResult:
        with Vertical(id="profiles"):
            yield Static(t("profiles_title", self.lang, current=escape(self.current)), id="profiles-title")
            yield OptionList(*(Option(self._line(p), id=p.name) for p in self.profiles), id="profiles-list")
            yield Input(placeholder=t("profiles_new", self.lang), id="profiles-new", max_length=64)
            yield Static(id="profiles-problem")

    def _line(self, profile: ProfileSummary) -> str:
        mark = "●" if profile.name == self.current else " "
        done = t("profiles_done", self.lang, done=profile.completed, touched=profile.lessons)
        return f"{mark} {escape(profile.name)}  [dim]{done}[/dim]"

    def on_mount(self) -> None:
        names = [p.name for p in self.profiles]
        listing = self.query_one(OptionList)
        if self.current in names:
            listing.highlighted = names.index(self.current)
        listing.focus()

    def action_back(self) -> None:
        self.dismiss(None)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        name = event.value.strip()
        problem = self.make(name)
        if problem is None:
            self.dismiss(name)
            return
        self.query_one("#profiles-problem", Static).update(f"[b]✗[/b] {escape(problem)}")


