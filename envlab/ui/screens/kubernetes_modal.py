"""What ran on Swarm beside the equivalent Kubernetes manifests, and how the two map.

The manifests are lesson data, so the modal shows them before any run; the Swarm side is what the
engine reported once the run's topology was up (:class:`~envlab.engine.scenario.events.KubernetesShown`),
and says so until then. Both sides are YAML, highlighted and wrapped to their column, each scrolling
on its own; the mapping scrolls under them.
"""

from __future__ import annotations

import re
from typing import ClassVar

from rich.syntax import Syntax
from textual import getters
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen

from envlab.engine.describe import visible
from envlab.lessons.text import pick
from envlab.ui.app import EnvlabApp
from envlab.ui.inline import inline_markup
from envlab.ui.strings import t
from envlab.ui.widgets.fit_text import FitText
from envlab.ui.widgets.key_bar import KeyBar


def highlighted(yaml: str) -> Syntax:
    """``yaml`` from a stranger, highlighted and wrapped: control characters shown as symbols, nothing
    read as markup (a :class:`Syntax` draws its text as it is)."""
    return Syntax(visible(yaml), "yaml", theme="ansi_dark", word_wrap=True, background_color="default")


def reflowed(text: str) -> str:
    """Lesson prose as Markdown reads it: a single line break is a space, a blank line starts a paragraph
    (a lesson's ``|`` block keeps the line breaks of its author's editor, not of this screen)."""
    paragraphs = re.split(r"\n\s*\n", text.strip())
    return "\n\n".join(" ".join(line.strip() for line in paragraph.splitlines()) for paragraph in paragraphs)


class KubernetesModal(ModalScreen[None]):
    """A scenario lesson's ``kubernetes`` section beside what ran on Swarm.

    Args:
        manifests: The lesson's manifests file as written (:func:`envlab.engine.scenario.kubernetes.
            kubernetes_manifests`).
        mapping: The lesson's words on how the two map, in every language it has.
        swarm: The Swarm specs the engine reported for the last run, ``""`` when that run had no Swarm
            service, ``None`` before the run reported any.

    The text follows the app's ``lang`` while the modal is open, as the rest of the interface does.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,k", "dismiss", "Close"),
        Binding("l", "app.switch_language", "Language", show=False),
    ]
    envlab = getters.app(EnvlabApp)

    def __init__(self, manifests: str, mapping: str | dict[str, str], swarm: str | None) -> None:
        super().__init__()
        self.manifests = manifests
        self.mapping = mapping
        self.swarm = swarm

    def compose(self) -> ComposeResult:
        with Vertical(id="kubernetes"):
            yield FitText(id="kubernetes-title")
            with Horizontal(id="kubernetes-sides"):
                with Vertical(classes="kubernetes-side"):
                    yield FitText(id="kubernetes-swarm-heading", classes="kubernetes-heading")
                    with VerticalScroll(id="kubernetes-swarm"):
                        yield FitText(id="kubernetes-swarm-yaml")
                with Vertical(classes="kubernetes-side"):
                    yield FitText(id="kubernetes-manifests-heading", classes="kubernetes-heading")
                    with VerticalScroll(id="kubernetes-manifests"):
                        yield FitText(highlighted(self.manifests), id="kubernetes-manifests-yaml")
            with VerticalScroll(id="kubernetes-mapping"):
                yield FitText(id="kubernetes-mapping-text")
        yield KeyBar()  # the lesson below is covered: this modal's own keys, clickable

    def on_mount(self) -> None:
        self._draw(self.envlab.lang)
        self.watch(self.app, "lang", self._draw, init=False)
        self.query_one("#kubernetes-manifests").focus()

    def _draw(self, lang: str) -> None:
        """Every word of the modal's own, and the lesson's mapping, in ``lang``."""
        self.query_one("#kubernetes-title", FitText).update(t("kubernetes_title", lang))
        self.query_one("#kubernetes-swarm-heading", FitText).update(t("kubernetes_swarm", lang))
        self.query_one("#kubernetes-manifests-heading", FitText).update(t("kubernetes_manifests", lang))
        swarm = self.query_one("#kubernetes-swarm-yaml", FitText)
        if self.swarm:
            swarm.update(highlighted(self.swarm))
        else:
            swarm.update(t("kubernetes_not_run" if self.swarm is None else "kubernetes_no_swarm", lang))
        mapping = inline_markup(visible(reflowed(pick(self.mapping, lang))))
        self.query_one("#kubernetes-mapping-text", FitText).update(f"[b]{t('kubernetes_mapping', lang)}[/b] {mapping}")
