"""The key labels of the key bar (and Textual's key panel) in the learner's language.

The key bar draws from its screen's ``active_bindings``, and a ``Binding`` is a frozen dataclass whose
``description`` is set once, in ``BINDINGS``. Textual 8 has no hook to translate a description when the footer
asks for it (overriding ``Screen.active_bindings`` would need one base class under every screen), so the app
re-binds instead: :func:`localize_bindings` swaps a node's bindings for copies whose descriptions are in the
learner's language (:data:`envlab.ui.strings.KEY_LABELS`, looked up by action), and the app then calls
``refresh_bindings()``, which makes the key bar redraw. The copies are always made from the node's own
English bindings, so switching back restores exactly what ``BINDINGS`` says.
"""

from __future__ import annotations

import dataclasses
from weakref import WeakKeyDictionary

from textual.binding import BindingsMap
from textual.dom import DOMNode

from envlab.ui.strings import key_label

#: Each node's bindings as Textual built them, before any were translated.
_ORIGINAL: WeakKeyDictionary[DOMNode, BindingsMap] = WeakKeyDictionary()


def localize_bindings(node: DOMNode, lang: str) -> None:
    """Give ``node`` (the app or a screen) its key bindings with descriptions in ``lang``.

    Only the descriptions change: keys, actions and everything else stay as bound. Call the screen's
    ``refresh_bindings()`` afterwards to redraw a footer that is already on screen.
    """
    # ``_bindings`` is private, but it is where Textual keeps a node's bindings (``App.bind`` adds to it too),
    # and every look-up (key presses, Footer, key panel) starts from a fresh copy of it, so a swap shows at once.
    original = _ORIGINAL.setdefault(node, node._bindings)
    node._bindings = BindingsMap.from_keys({
        key: [dataclasses.replace(binding, description=key_label(binding.action, lang, binding.description))
              for binding in bindings]
        for key, bindings in original.key_to_bindings.items()
    })
