"""The lesson guide's Markdown, breaking Japanese lines as :mod:`envlab.ui.linebreak` says.

Apart from :mod:`envlab.ui.widgets.fit_text`: the Markdown widget costs more to import than the home
screen's first paint, and only a lesson needs it.
"""

from __future__ import annotations

from textual.visual import VisualType
from textual.widgets import Markdown
from textual.widgets._markdown import MarkdownBlock, MarkdownH1, MarkdownH2, MarkdownH3, MarkdownParagraph

from envlab.ui.linebreak import phrased


class FitParagraph(MarkdownParagraph):
    """A Markdown paragraph whose Japanese text breaks between phrases."""

    def render(self) -> VisualType:
        return phrased(super().render())


class FitH1(MarkdownH1):
    def render(self) -> VisualType:
        return phrased(super().render())


class FitH2(MarkdownH2):
    def render(self) -> VisualType:
        return phrased(super().render())


class FitH3(MarkdownH3):
    def render(self) -> VisualType:
        return phrased(super().render())


class GuideMarkdown(Markdown):
    """The lesson guide's Markdown: its paragraphs (in lists too) are :class:`FitParagraph`."""

    BLOCKS: dict[str, type[MarkdownBlock]] = {  # noqa: RUF012 - Textual declares it so; read, never changed
        **Markdown.BLOCKS, "paragraph_open": FitParagraph, "h1": FitH1, "h2": FitH2, "h3": FitH3}
