"""The envlab Textual app and the one factory that builds it for the CLI and the tests."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Header, Static, Tree

from envlab.lessons.catalog import Catalog, load_catalog
from envlab.lessons.text import detect_language, pick


class EnvlabApp(App[int]):
    """The interactive course."""

    CSS_PATH = "envlab.tcss"
    TITLE = "envlab"
    SUB_TITLE = "why it works on my machine"
    BINDINGS = [Binding("q", "quit", "Quit")]

    def __init__(self, catalog: Catalog, *, lang: str = "en") -> None:
        super().__init__()
        self.catalog = catalog
        self.lang = lang

    def compose(self) -> ComposeResult:
        yield Header()
        tree: Tree[str] = Tree("Curriculum", id="chapters")
        tree.root.expand()
        chapters: dict[int, object] = {}
        for loaded in self.catalog.lessons:
            lesson = loaded.lesson
            if lesson.chapter not in chapters:
                chapters[lesson.chapter] = tree.root.add(f"Chapter {lesson.chapter}", expand=True)
            node = chapters[lesson.chapter]
            node.add_leaf(f"{lesson.id} · {pick(lesson.title, self.lang)}", data=lesson.id)  # type: ignore[attr-defined]
        yield tree
        yield Static("Pick a lesson; run it headless with `envlab run ID`.", id="status")
        yield Footer()


def make_app(*, lessons: Sequence[str | Path] = (), lang: str | None = None,
             catalog: Catalog | None = None) -> EnvlabApp:
    """Build the app: the one factory the CLI and the tests share."""
    return EnvlabApp(catalog or load_catalog(lessons), lang=detect_language(lang))


def run_app(*, lessons: Sequence[str | Path] = (), lang: str | None = None) -> int:
    """Start the TUI and return its exit code."""
    return make_app(lessons=lessons, lang=lang).run() or 0
