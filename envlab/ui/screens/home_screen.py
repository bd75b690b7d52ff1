"""Home: the chapters and their lessons with the learner's progress, and where to resume."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from textual import getters
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.markup import escape
from textual.screen import Screen
from textual.widgets import Header, Static

from envlab.lessons.text import pick
from envlab.ui.app import EnvlabApp
from envlab.ui.strings import t
from envlab.ui.widgets.key_bar import KeyBar

if TYPE_CHECKING:
    from textual.widgets import Tree
    from textual.widgets.tree import TreeNode

    from envlab.lessons.loader import LoadedLesson
    from envlab.ui.app import EnvlabApp

#: How each lesson state reads in the curriculum tree.
STATE_MARK = {"new": "○", "in-progress": "◐", "done": "✓"}


class HomeScreen(Screen[None]):
    """Chapters and lessons, each with its state; an overall progress bar; resume."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open", show=True),
        Binding("c", "resume", "Continue"),
        Binding("l", "app.switch_language", "Language"),
        Binding("x", "forget", "Reset progress"),
        Binding("e", "app.connect", "Reconnect Docker", show=False),
        Binding("q", "app.quit", "Quit"),
    ]

    envlab = getters.app(EnvlabApp)

    def compose(self) -> ComposeResult:
        # The first frame holds what is known at once; the curriculum tree and the progress bar are
        # mounted into #home-left when the lessons have loaded (docs/performance.md: first paint).
        yield Header()
        with Horizontal(id="home"):
            yield Vertical(id="home-left")
            with VerticalScroll(id="home-detail"):
                # Static, not Markdown: the Markdown widget alone costs more to import than a first paint.
                yield Static(id="lesson-detail")
        yield Static(id="engine-status")
        yield KeyBar()

    def on_mount(self) -> None:
        self.watch(self.app, "lang", self._language_changed, init=False)
        self.watch(self.app, "engine_state", self._show_engine)
        self.watch(self.app, "lessons_ready", self._lessons_ready)
        self.call_after_refresh(self.envlab.start_background_work)

    @property
    def curriculum(self) -> Tree[str]:
        """The curriculum (there once the lessons have loaded)."""
        return cast("Tree[str]", self.query_one("#curriculum"))

    async def _mount_curriculum(self) -> None:
        from textual.widgets import Label, ProgressBar, Tree

        tree: Tree[str] = Tree("Curriculum", id="curriculum")
        tree.show_root = False
        overall = Horizontal(Label("Progress", id="overall-label"), ProgressBar(id="overall-bar", show_eta=False),
                             id="overall")
        await self.query_one("#home-left").mount_all([tree, overall])
        tree.focus()

    async def _lessons_ready(self, ready: bool) -> None:
        if not ready:
            self.query_one("#lesson-detail", Static).update(t("loading_lessons", self.envlab.lang))
            return
        if not self.query("#curriculum"):
            await self._mount_curriculum()
        self._refresh()
        tree = self.curriculum
        last = self.envlab.store.last_lesson()
        nodes = self._lesson_nodes()
        resume = next((n for n in nodes if n.data == last), nodes[0] if nodes else None)
        if resume is not None:
            # Lines exist only after the tree is laid out.
            self.call_after_refresh(tree.move_cursor, resume)  # resume where the learner left off

    def _language_changed(self) -> None:
        self._show_engine(self.envlab.engine_state)
        if self.query("#curriculum"):
            self._refresh()

    def on_screen_resume(self) -> None:
        if self.query("#curriculum"):
            self._refresh()

    def _lesson_nodes(self) -> list[TreeNode[str]]:
        tree = self.curriculum
        return [leaf for chapter in tree.root.children for leaf in chapter.children]

    def _refresh(self) -> None:
        """Rebuild the tree labels and the progress bar from the store, in the current language."""
        from textual.widgets import Label, ProgressBar

        from envlab.engine.progress import lesson_steps

        app = self.envlab
        tree = self.curriculum
        cursor = tree.cursor_node.data if tree.cursor_node else None
        tree.clear()
        tree.root.label = t("curriculum", app.lang)
        tree.root.expand()
        progress = app.store.all()
        done = total = 0
        chapters: dict[int, TreeNode[str]] = {}
        for loaded in app.lessons:
            lesson = loaded.lesson
            record = progress.get(lesson.id)
            state = record.state(lesson) if record else "new"
            steps = lesson_steps(lesson)
            total += len(steps)
            done += len(set(steps) & set(record.steps_done)) if record else 0
            if lesson.chapter not in chapters:
                chapters[lesson.chapter] = tree.root.add(t("chapter", app.lang, n=lesson.chapter), expand=True)
            title = escape(pick(lesson.title, app.lang))
            node = chapters[lesson.chapter].add_leaf(f"{STATE_MARK[state]} {title}", data=lesson.id)
            if lesson.id == cursor:
                self.call_after_refresh(tree.move_cursor, node)
        self.query_one("#overall-bar", ProgressBar).update(total=max(total, 1), progress=done)
        self.query_one("#overall-label", Label).update(t("steps_count", app.lang, done=done, total=total))
        self._describe(self._highlighted())

    def _highlighted(self) -> LoadedLesson | None:
        if not self.query("#curriculum"):
            return None
        node = self.curriculum.cursor_node
        if node is None or node.data is None:
            return None
        return self.envlab.lesson(node.data)

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted[str]) -> None:
        self._describe(self.envlab.lesson(event.node.data) if event.node.data else None)

    def on_tree_node_selected(self, event: Tree.NodeSelected[str]) -> None:
        if event.node.data:
            self.envlab.open_lesson(event.node.data)

    def _describe(self, loaded: LoadedLesson | None) -> None:
        detail = self.query_one("#lesson-detail", Static)
        if loaded is None:
            detail.update(t("choose_lesson", self.envlab.lang))
            return
        lesson, lang = loaded.lesson, self.envlab.lang
        record = self.envlab.store.get(lesson.id)
        state = record.state(lesson)
        lines = [f"[b $primary]{escape(pick(lesson.title, lang))}[/]", "", escape(pick(lesson.summary, lang)), ""]
        if lesson.goals:
            lines += [f"[b]{t('goals', lang)}[/b]", *(f" • {escape(pick(goal, lang))}" for goal in lesson.goals), ""]
        done = ", ".join(record.steps_done) or t("nothing_yet", lang)
        status = f"[i]{t('state_' + state, lang)}[/i] · {escape(t('steps_done', lang, steps=done))}"
        if record.quiz_score is not None:
            status += " · " + t("quiz_score", lang, score=record.quiz_score, total=record.quiz_total)
        detail.update("\n".join([*lines, status]))

    def _show_engine(self, state: str) -> None:
        status = self.query_one("#engine-status", Static)
        status.set_class(state == "failed", "-error")
        error = self.envlab.engine_error
        lang = self.envlab.lang
        if state == "failed" and error is not None:
            status.update(t("docker_failed", lang, message=escape(error.message),
                            hint=escape(error.hint or "see `envlab doctor`")))
        elif state in ("connecting", "ready"):
            status.update(t(f"docker_{state}", lang))

    def action_open(self) -> None:
        if not self.query("#curriculum"):
            return  # the lessons are still loading
        node = self.curriculum.cursor_node
        if node is not None and node.data:
            self.envlab.open_lesson(node.data)
        elif node is not None:
            node.toggle()

    def action_resume(self) -> None:
        last = self.envlab.store.last_lesson()
        if last and self.envlab.lesson(last):
            self.envlab.open_lesson(last)
        elif self.envlab.lessons:
            self.envlab.open_lesson(self.envlab.lessons[0].lesson.id)

    def action_forget(self) -> None:
        """Ask, then forget the learner's progress in the highlighted lesson."""
        loaded = self._highlighted()
        if loaded is None:
            return
        lesson_id = loaded.lesson.id
        title = escape(pick(loaded.lesson.title, self.envlab.lang))

        from envlab.ui.screens.confirm_modal import ConfirmModal

        def answered(yes: bool | None) -> None:
            if yes:
                self.envlab.store.reset(lesson_id)
                self.notify(f"Progress in {title} reset.")
                self._refresh()

        self.app.push_screen(ConfirmModal(f"Forget your progress in [b]{title}[/b]?"), answered)
