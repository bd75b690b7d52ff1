"""Finds text the screen cuts without saying so: the measure behind tests/ui/test_geometry.py.

A widget's text is *cut* when some of it cannot be seen and nothing shows that it is there:

- **Clipped lines**: a widget that does not scroll needs more rows (or, when it does not wrap, more
  columns) than it has, measured as Textual lays it out (``get_content_height`` at its width), and its
  last visible cell is not ``…``.
- **Hidden overflow**: a scrolling widget holds more than it shows and cannot be scrolled there by a
  learner: no scrollbar on that axis, or it cannot take focus (so neither keys nor a scrollbar say so).
  Text wider than its widget is a cut whatever the scrollbar: lines a learner reads must wrap or end in ``…``.
- **Clipped by a container**: a widget reaches outside what its containers show, and the container
  that clips it cannot be scrolled by a learner.
- **Covered**: a notification (a toast) lies over a widget that shows text.
- **Broken at its punctuation**: a line of Japanese starts with ``。``, ``、``, ``」``… or ends with ``「``….

Each finding names the widget and what was lost, so a failing test says where to look.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.geometry import Region
from textual.screen import Screen
from textual.scrollbar import ScrollBar, ScrollBarCorner
from textual.widget import Widget
from textual.widgets import Log, Static
from textual.widgets._toast import Toast, ToastHolder, ToastRack

from envlab.ui.linebreak import NO_LINE_END, NO_LINE_START, is_japanese

ELLIPSIS = "…"


@dataclass(frozen=True)
class Cut:
    """One place where text is lost without a sign."""

    widget: str
    what: str

    def __str__(self) -> str:
        return f"{self.widget}: {self.what}"


def name(widget: Widget) -> str:
    """``Static#checks`` or ``Log`` under its nearest named ancestor: enough to find it."""
    own = f"{type(widget).__name__}{f'#{widget.id}' if widget.id else ''}"
    if widget.id:
        return own
    parent = widget.parent
    while isinstance(parent, Widget) and not parent.id:
        parent = parent.parent
    return f"{own} in #{parent.id}" if isinstance(parent, Widget) and parent.id else own


def scrolls_for_a_learner(widget: Widget, *, vertical: bool) -> bool:
    """Whether a learner can reach what ``widget`` holds beyond its edge: a scrollbar shows it is there
    and the widget takes focus, so keys (and the wheel) move it."""
    shown = widget.show_vertical_scrollbar if vertical else widget.show_horizontal_scrollbar
    return bool(shown) and widget.focusable


def visible_text(screen: Screen[object], region: Region) -> str:
    """What the screen shows in ``region``, as text (the last cell tells whether a line ends in ``…``)."""
    strips = screen._compositor.render_strips()  # the composed screen, as the terminal gets it
    return "\n".join(strip.crop(region.x, region.right).text for strip in strips[region.y:region.bottom])


def shown_region(screen: Screen[object], widget: Widget) -> Region:
    """The part of ``widget``'s content the screen shows (its containers may clip it)."""
    geometry = screen._compositor.full_map.get(widget)  # where the compositor put it, and its clip
    region = widget.content_region
    return region.intersection(geometry.clip) if geometry is not None else region


def _ends_marked(screen: Screen[object], widget: Widget) -> bool:
    lines = visible_text(screen, shown_region(screen, widget)).splitlines()
    return any(line.rstrip().endswith(ELLIPSIS) for line in lines)


def _clipped_lines(screen: Screen[object], widget: Widget) -> list[Cut]:
    """A widget that draws text and does not scroll: does the text need more than the widget has?"""
    if widget.is_scrollable or not isinstance(widget, Static):
        return []
    size = widget.content_region.size
    if size.width <= 0 or size.height <= 0:
        return []
    cuts = []
    nowrap = widget.styles.text_wrap == "nowrap"
    needed = widget.get_content_height(screen.size, screen.size, size.width)
    if not nowrap and needed > size.height and not _ends_marked(screen, widget):
        cuts.append(Cut(name(widget), f"needs {needed} rows, shows {size.height}, with no … "))
    if nowrap:
        wide = widget.get_content_width(screen.size, screen.size)
        if wide > size.width and not _ends_marked(screen, widget):
            cuts.append(Cut(name(widget), f"a line needs {wide} columns, shows {size.width}, with no …"))
    return cuts


def _hidden_overflow(widget: Widget) -> list[Cut]:
    """A scrolling widget with more in it than it shows: can a learner get there?"""
    if not widget.is_scrollable:
        return []
    cuts = []
    inside = widget.scrollable_content_region.size
    virtual = widget.virtual_size
    if virtual.width > inside.width:
        cuts.append(Cut(name(widget), f"lines {virtual.width} columns wide in {inside.width}: neither wrapped nor …"))
    if virtual.height > inside.height and not scrolls_for_a_learner(widget, vertical=True):
        cuts.append(Cut(name(widget), f"{virtual.height} rows in {inside.height}, and no way to scroll there"))
    return cuts


def _clipped_by_container(screen: Screen[object], widget: Widget) -> list[Cut]:
    """A widget partly outside what its containers show: the container that hides it must scroll."""
    geometry = screen._compositor.full_map.get(widget)  # where the compositor put it
    if geometry is None or widget.region.area == 0:
        return []
    region, clip = geometry.region, geometry.clip
    if clip.contains_region(region):
        return []
    parent = widget.parent
    while isinstance(parent, Widget):
        if parent.is_scrollable and (parent.max_scroll_y or parent.max_scroll_x):
            vertical = bool(parent.max_scroll_y)
            if scrolls_for_a_learner(parent, vertical=vertical):
                return []
            break
        parent = parent.parent
    hidden = region.height - region.intersection(clip).height
    wide = region.width - region.intersection(clip).width
    return [Cut(name(widget), f"{hidden} rows and {wide} columns of it lie outside what the screen shows")]


def _covered(screen: Screen[object], readable: list[Widget]) -> list[Cut]:
    """Text under a toast: what the screen shows of a widget (not what its container scrolls away)."""
    toasts = [w for w in screen.query(Toast) if w.display and w.region.area]
    shown = {widget: screen._compositor.full_map[widget].visible_region
             for widget in readable if widget in screen._compositor.full_map}
    return [Cut(name(widget), f"covered by a notification at {toast.region}")
            for toast in toasts for widget, region in shown.items()
            if region.area and toast.region.intersection(region).area]


def _readable(widget: Widget, *, toasts: bool = False) -> bool:
    """Widgets that draw text for a learner (not the scaffolding around them); toasts too if ``toasts``."""
    system = (ToastHolder, ToastRack, ScrollBar, ScrollBarCorner, *(() if toasts else (Toast,)))
    if isinstance(widget, system) or any(isinstance(a, system) for a in widget.ancestors):
        return False
    return widget.display and widget.visible and widget.region.area > 0


def bad_breaks(screen: Screen[object]) -> list[Cut]:
    """Lines of Japanese text that start with closing punctuation or end with opening punctuation."""
    found = []
    for widget in screen.walk_children(with_self=False):
        # Leaves only: a container's region may start inside a double-width character of its children.
        if not isinstance(widget, Static | Log) or widget.is_container or not _readable(widget):
            continue
        for line in visible_text(screen, shown_region(screen, widget)).splitlines():
            text = line.strip()
            if not is_japanese(text):
                continue
            if text[0] in NO_LINE_START or text[-1] in NO_LINE_END:
                found.append(Cut(name(widget), f"a line breaks at its punctuation: {text!r}"))
    return found


def cuts(screen: Screen[object]) -> list[Cut]:
    """Every unmarked cut on ``screen`` as it is drawn now."""
    widgets = [w for w in screen.walk_children(with_self=False) if isinstance(w, Widget) and _readable(w)]
    found: list[Cut] = []
    for widget in widgets:
        found += _clipped_lines(screen, widget)
        found += _hidden_overflow(widget)
        found += _clipped_by_container(screen, widget)
    leaves = [w for w in widgets if not w.is_container]
    found += _covered(screen, leaves)
    found += bad_breaks(screen)
    found += [cut for toast in screen.query(Toast) if _readable(toast, toasts=True)
              for cut in _clipped_lines(screen, toast)]
    return list(dict.fromkeys(found))
