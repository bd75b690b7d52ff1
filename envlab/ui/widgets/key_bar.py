"""The keys a screen offers, on one clickable line at its foot: what Textual's Footer shows, drawn as one widget.

Textual's Footer mounts a widget per key and re-mounts them whenever the bindings change; on the
home screen that was about a third of the time to the first frame (docs/performance.md). The bar
draws the same keys as one line of text, each a link that runs its binding's action, so a mouse
reaches everything a keyboard does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.cells import cell_len
from textual import events
from textual.markup import escape
from textual.widgets import Static

if TYPE_CHECKING:
    from textual.dom import DOMNode
    from textual.screen import Screen


@dataclass(frozen=True)
class ShownKey:
    """One key on the bar: what it shows, the action it runs and where it is drawn."""

    key: str  # as displayed: "r", "esc", "^p"
    description: str
    action: str
    node: DOMNode  # where the binding lives: the action runs there
    enabled: bool
    start: int  # first cell of the key on its row of the bar
    end: int  # one past its last cell
    row: int = 0  # the bar's row: keys that do not fit one row go on to the next


class KeyBar(Static):
    """The active screen's keys (bindings with ``show=True``), each clickable; the palette key last.

    Keys that do not fit one row of the screen go on to another, whole: a key is never cut.

    Clicks and hovering are resolved by column against :attr:`keys` (Textual's link styling would
    paint every key one colour).
    """

    DEFAULT_CSS: ClassVar[str] = """
    KeyBar {
        dock: bottom;
        height: auto;
        text-wrap: nowrap;
        background: $footer-background;
        color: $footer-foreground;
    }
    """

    def __init__(self, *, show_command_palette: bool = True, id: str | None = None) -> None:
        super().__init__(id=id, markup=True)
        self.show_command_palette = show_command_palette
        self.keys: list[ShownKey] = []
        self.hovered: int | None = None

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self.draw()

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        if self.is_attached and screen is self.screen:
            self.draw()

    def draw(self) -> None:
        """Lay the keys out from the screen's active bindings, one space apart."""
        active = self.screen.active_bindings
        chosen = {}  # one key per action: the first, as the Footer does
        for node, binding, enabled, _tooltip in active.values():
            if binding.show and binding.action not in chosen:
                chosen[binding.action] = (node, binding, enabled)
        palette = active.get(self.app.COMMAND_PALETTE_BINDING)
        if self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE and palette is not None:
            chosen.setdefault(palette.binding.action, (palette.node, palette.binding, palette.enabled))
        keys, at, row = [], 0, 0
        room = self.size.width or self.app.size.width
        for node, binding, enabled in chosen.values():
            shown, description = self.app.get_key_display(binding), binding.description
            width = cell_len(shown) + 1 + cell_len(description)
            if at and at + width > room:
                at, row = 0, row + 1
            keys.append(ShownKey(shown, description, binding.action, node, enabled, at, at + width, row))
            at += width + 1
        self.keys = keys
        self._paint()

    def _paint(self) -> None:
        parts: list[str] = []
        for index, key in enumerate(self.keys):
            text = f"[b $footer-key-foreground]{escape(key.key)}[/] {escape(key.description)}"
            if not key.enabled:
                text = f"[dim]{text}[/]"
            elif index == self.hovered:
                text = f"[on $block-hover-background]{text}[/]"
            if parts and key.start == 0:
                parts.append("\n")
            elif parts:
                parts.append(" ")
            parts.append(text)
        self.update("".join(parts))

    def on_resize(self) -> None:
        self.draw()
        # Toasts dock at the same edge, above the bar (envlab.tcss): keep them clear of every row it takes.
        for rack in self.screen.query("#textual-toastrack"):
            rack.styles.margin = (0, 0, self.size.height, 0)

    def at(self, x: int, y: int = 0) -> int | None:
        """The index of the key drawn at column ``x`` of row ``y`` of the bar, if any."""
        return next((i for i, key in enumerate(self.keys) if key.row == y and key.start <= x < key.end), None)

    async def on_click(self, event: events.Click) -> None:
        """A click on a key runs its action where its binding lives, as pressing the key would."""
        index = self.at(event.x, event.y)
        if index is not None and self.keys[index].enabled:
            key = self.keys[index]
            await self.app.run_action(key.action, key.node)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        index = self.at(event.x, event.y)
        if index != self.hovered:
            self.hovered = index
            self._paint()

    def on_leave(self) -> None:
        if self.hovered is not None:
            self.hovered = None
            self._paint()

    def key_for(self, action: str) -> ShownKey | None:
        """The shown key that runs ``action``, if any."""
        return next((key for key in self.keys if key.action == action), None)
