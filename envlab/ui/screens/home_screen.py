"""Home: the chapters and their lessons with the learner's progress, and where to resume."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from textual import getters, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.markup import escape
from textual.screen import Screen
from textual.widgets import Header, Static
from textual.worker import Worker, WorkerState

from envlab.errors import EnvlabError
from envlab.lessons.text import pick
from envlab.ui.app import EnvlabApp
from envlab.ui.inline import inline_markup
from envlab.ui.messages import ImagesChecked, NetworkProbed
from envlab.ui.strings import duration_text, size_text, t
from envlab.ui.widgets.fit_text import FitText
from envlab.ui.widgets.key_bar import KeyBar

if TYPE_CHECKING:
    from textual.widgets import Tree
    from textual.widgets.tree import TreeNode

    from envlab.engine.readiness import Reach
    from envlab.lessons.cards import Cards, LessonCard
    from envlab.lessons.catalog import Catalog
    from envlab.ui.app import EnvlabApp

#: How each lesson state reads in the curriculum tree.
STATE_MARK = {"new": "○", "in-progress": "◐", "done": "✓"}


def chapter_label(titles: Cards | Catalog | None, chapter: int, lang: str) -> str:
    """``Chapter N: its title`` (as markup) when a pack titles it (as the lessons or their cards say), else
    ``Chapter N``."""
    title = titles.chapter_title(chapter) if titles is not None else None
    if title is None:
        return t("chapter", lang, n=chapter)
    return t("chapter_titled", lang, n=chapter, title=inline_markup(pick(title, lang)))


class HomeScreen(Screen[None]):
    """Chapters and lessons, each with its state; an overall progress bar; resume."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open", show=True),
        Binding("c", "resume", "Continue"),
        Binding("l", "app.switch_language", "Language"),
        Binding("x", "forget", "Reset progress"),
        Binding("u", "profiles", "Learner"),
        Binding("e", "app.connect", "Reconnect Docker", show=False),
        Binding("P", "prepare_images", "Prepare images"),
        Binding("q", "app.quit", "Quit"),
    ]

    envlab = getters.app(EnvlabApp)

    def __init__(self) -> None:
        super().__init__()
        #: The chapter each chapter header of the tree stands for, by the header's node id.
        self.chapter_nodes: dict[int, int] = {}
        #: Chapters the learner folded (kept when the tree is drawn again: a language switch, a return).
        self.folded: set[int] = set()
        #: The last look at the engine's images (``None`` until the engine and the lessons are both ready).
        self.images: ImagesChecked | None = None
        #: Whether a registry or Debian's archive answers (asked once, when images are first found missing).
        self.reach: Reach | None = None

    def compose(self) -> ComposeResult:
        # The first frame holds what is known at once; the curriculum tree and the progress bar are
        # mounted into #home-left when the lessons have loaded (docs/performance.md: first paint).
        yield Header()
        with Horizontal(id="home"):
            yield Vertical(id="home-left")
            with VerticalScroll(id="home-detail"):
                # Static, not Markdown: the Markdown widget alone costs more to import than a first paint.
                yield FitText(id="lesson-detail")
        yield FitText(id="images-notice")
        yield FitText(id="engine-status")
        yield KeyBar()

    def on_mount(self) -> None:
        self.watch(self.app, "lang", self._language_changed, init=False)
        self.watch(self.app, "engine_state", self._show_engine)
        self.watch(self.app, "lessons_listed", self._lessons_listed)
        self.watch(self.app, "lessons_ready", self._lessons_ready)
        self.call_after_refresh(self.envlab.start_background_work)

    @property
    def curriculum(self) -> Tree[str]:
        """The curriculum (there once the lessons have loaded)."""
        return cast("Tree[str]", self.query_one("#curriculum"))

    async def _mount_curriculum(self) -> None:
        from textual.widgets import Label, ProgressBar

        from envlab.ui.widgets.curriculum_tree import CurriculumTree

        tree = CurriculumTree(t("curriculum", self.envlab.lang), id="curriculum")
        tree.show_root = False
        # Enter (or a click) on a chapter header opens the chapter; only Space or the arrow folds it.
        tree.auto_expand = False
        overall = Horizontal(Label(t("progress_label", self.envlab.lang), id="overall-label"),
                             ProgressBar(id="overall-bar", show_eta=False), id="overall")
        await self.query_one("#home-left").mount_all([tree, overall])
        tree.focus()

    def _lessons_ready(self, ready: bool) -> None:
        if ready:
            self._check_images()

    async def _lessons_listed(self, listed: bool) -> None:
        """List the lessons: from their saved cards at first, again once they have loaded."""
        if not listed:
            self.query_one("#lesson-detail", Static).update(t("loading_lessons", self.envlab.lang))
            return
        if self.query("#curriculum"):
            self._refresh()  # the loaded lessons after their cards: the cursor stays where it is
            return
        await self._mount_curriculum()
        self._refresh()
        tree = self.curriculum
        # The cursor starts where c would go on: the first unfinished lesson (else the last one opened).
        target = self._first_unfinished()
        wanted = target.id if target is not None else self.envlab.store.last_lesson()
        nodes = self._lesson_nodes()
        resume = next((n for n in nodes if n.data == wanted), nodes[0] if nodes else None)
        if resume is not None:
            # Lines exist only after the tree is laid out.
            self.call_after_refresh(tree.move_cursor, resume)

    def _language_changed(self) -> None:
        self._show_engine(self.envlab.engine_state)
        self._show_images()
        if self.query("#curriculum"):
            self._refresh()

    def on_screen_resume(self) -> None:
        if self.query("#curriculum"):
            self._refresh()
        self._check_images()  # back from preparing them, or from a lesson

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
        self.chapter_nodes.clear()
        for lesson in app.cards.lessons:
            record = progress.get(lesson.id)
            state = record.state(lesson) if record else "new"
            steps = lesson_steps(lesson)
            total += len(steps)
            done += len(set(steps) & set(record.steps_done)) if record else 0
            if lesson.chapter not in chapters:
                header = tree.root.add(self._chapter_label(lesson.chapter), expand=lesson.chapter not in self.folded)
                chapters[lesson.chapter] = header
                self.chapter_nodes[header.id] = lesson.chapter
            title = inline_markup(pick(lesson.title, app.lang))
            label = f"{STATE_MARK[state]} {title}"
            if lesson.pack is not None and not lesson.pack.builtin:  # a stranger's lesson says whose it is
                label += f" [dim]· {escape(lesson.pack.id)}[/]"
            node = chapters[lesson.chapter].add_leaf(label, data=lesson.id)
            if lesson.id == cursor:
                self.call_after_refresh(tree.move_cursor, node)
        self.query_one("#overall-bar", ProgressBar).update(total=max(total, 1), progress=done)
        self.query_one("#overall-label", Label).update(t("steps_count", app.lang, done=done, total=total))
        self._show_highlighted()

    def _chapter_label(self, chapter: int) -> str:
        return chapter_label(self.envlab.cards, chapter, self.envlab.lang)

    def _highlighted(self) -> LessonCard | None:
        if not self.query("#curriculum"):
            return None
        node = self.curriculum.cursor_node
        if node is None or node.data is None:
            return None
        return self.envlab.cards.get(node.data)

    def _show_highlighted(self) -> None:
        node = self.curriculum.cursor_node if self.query("#curriculum") else None
        chapter = self.chapter_nodes.get(node.id) if node is not None else None
        if chapter is not None:
            self._describe_chapter(chapter)
        else:
            self._describe(self._highlighted())

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted[str]) -> None:
        self._show_highlighted()

    def on_tree_node_selected(self, event: Tree.NodeSelected[str]) -> None:
        self._open_node(event.node)

    def on_tree_node_collapsed(self, event: Tree.NodeCollapsed[str]) -> None:
        if event.node.id in self.chapter_nodes:
            self.folded.add(self.chapter_nodes[event.node.id])

    def on_tree_node_expanded(self, event: Tree.NodeExpanded[str]) -> None:
        if event.node.id in self.chapter_nodes:
            self.folded.discard(self.chapter_nodes[event.node.id])

    def _open_node(self, node: TreeNode[str]) -> None:
        """Open a lesson; a chapter header opens the chapter's first unfinished lesson (else its first)."""
        if node.data:
            self.envlab.open_lesson(node.data, resume=True)
            return
        chapter = self.chapter_nodes.get(node.id)
        lessons = self._chapter_lessons(chapter) if chapter is not None else []
        target = self._first_unfinished(lessons) or (lessons[0] if lessons else None)
        if target is not None:
            self.envlab.open_lesson(target.id, resume=True)

    def _chapter_lessons(self, chapter: int) -> list[LessonCard]:
        return [card for card in self.envlab.cards.lessons if card.chapter == chapter]

    def _first_unfinished(self, lessons: list[LessonCard] | None = None) -> LessonCard | None:
        """The first lesson not done yet, in curriculum order, of ``lessons`` (default: the whole course)."""
        from envlab.engine.progress import first_unfinished

        course = lessons if lessons is not None else list(self.envlab.cards.lessons)
        return first_unfinished(course, self.envlab.store.all())

    def _describe_chapter(self, chapter: int) -> None:
        """A chapter header: how much of it is done, and what Enter opens."""
        lang, lessons = self.envlab.lang, self._chapter_lessons(chapter)
        target = self._first_unfinished(lessons)
        records = self.envlab.store.all()
        done = sum(1 for lesson in lessons if lesson.id in records and records[lesson.id].state(lesson) == "done")
        lines = [f"[b $primary]{self._chapter_label(chapter)}[/]", "",
                 t("chapter_done", lang, done=done, total=len(lessons)), ""]
        if target is None and lessons:
            lines.append(t("chapter_finished", lang, title=inline_markup(pick(lessons[0].title, lang))))
        elif target is not None:
            lines.append(t("chapter_opens", lang, title=inline_markup(pick(target.title, lang))))
        self.query_one("#lesson-detail", Static).update("\n".join(lines))

    def _describe(self, lesson: LessonCard | None) -> None:
        detail = self.query_one("#lesson-detail", Static)
        if lesson is None:
            detail.update(t("choose_lesson", self.envlab.lang))
            return
        lang = self.envlab.lang
        record = self.envlab.store.get(lesson.id)
        state = record.state(lesson)
        lines = [f"[b $primary]{inline_markup(pick(lesson.title, lang))}[/]", "",
                 inline_markup(pick(lesson.summary, lang)), ""]
        pack = lesson.pack
        if pack is not None and not pack.builtin:
            source = t("from_pack", lang, title=inline_markup(pick(pack.title, lang)),
                       id=escape(pack.id), version=escape(pack.version))
            lines[1:1] = [f"[i]{source}[/i]"]
        if lesson.goals:
            goals = (f" • {inline_markup(pick(goal, lang))}" for goal in lesson.goals)
            lines += [f"[b]{t('goals', lang)}[/b]", *goals, ""]
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
        if state == "ready":
            self._check_images()

    # images still to prepare -----------------------------------------------------------------
    def _check_images(self) -> None:
        """Look for missing images in a worker, once the engine answers and the lessons are loaded."""
        if self.envlab.engine_state == "ready" and self.envlab.lessons_ready:
            self.check_images()

    @work(thread=True, exclusive=True, exit_on_error=False, group="images")
    def check_images(self) -> None:
        """Compare what the lessons need with the engine; if something is missing, ask who answers."""
        from envlab.engine.images import image_needs
        from envlab.engine.readiness import built_from, estimate, missing_needs

        runtime = self.envlab.runtime
        assert runtime is not None, "checked only once the engine is ready"
        try:
            needs = image_needs(self.envlab.lessons)
            missing = missing_needs(runtime, needs)
            after = built_from(missing)
            self.post_message(ImagesChecked(needs, missing, estimate(missing, after=after), after))
        except EnvlabError as exc:
            self.post_message(ImagesChecked([], [], None, {}, exc.message, exc.hint))
            return
        if missing and self.reach is None:
            self.post_message(NetworkProbed(self.envlab.network_probe()))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            self.envlab.report_bug(event.worker)

    def on_images_checked(self, message: ImagesChecked) -> None:
        self.images = message
        self._show_images()
        self.refresh_bindings()

    def on_network_probed(self, message: NetworkProbed) -> None:
        self.reach = message.reach
        self._show_images()

    def _show_images(self) -> None:
        """Say plainly how many images are missing and what preparing them takes; nothing when none are."""
        notice = self.query_one("#images-notice", Static)
        checked, lang = self.images, self.envlab.lang
        notice.display = checked is not None and bool(checked.missing or checked.error)
        if checked is None or not notice.display:
            return
        notice.set_class(bool(checked.error), "-error")
        if checked.error:
            hint = checked.hint or t("prep_no_hint", lang)
            notice.update(t("images_unreadable", lang, message=escape(checked.error), hint=escape(hint)))
            return
        reach = self.reach
        said = ("reach_checking" if reach is None else "reach_registry" if reach.registry
                else "reach_debian" if reach.debian else "reach_offline")
        assert checked.estimate is not None
        notice.update(t("images_missing", lang, missing=len(checked.missing), total=len(checked.needs),
                        size=size_text(checked.estimate.bytes, lang),
                        time=duration_text(checked.estimate.seconds, lang), reach=t(said, lang)))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Offer to prepare images only while some are missing (on a kiosk, only to the operator: Ctrl+O)."""
        if action == "prepare_images":
            return self.images is not None and bool(self.images.missing) and self.envlab.kiosk is None
        if action == "profiles":
            return self.envlab.kiosk is None  # on a kiosk each learner starts their own from the start screen
        return True

    def action_profiles(self) -> None:
        """Switch to another learner profile, or make a new one and switch to it."""
        from envlab.engine.progress_db import ProgressError
        from envlab.ui.screens.profile_modal import ProfileModal

        store, lang = self.envlab.store, self.envlab.lang

        def make(name: str) -> str | None:
            try:
                store.create_profile(name)
            except ProgressError as exc:
                return exc.message
            return None

        def chosen(name: str | None) -> None:
            if name is None or name == store.profile:
                return
            store.switch_profile(name)
            self.envlab.use_profile_language()  # each learner's own language, if they chose one
            self._refresh()
            self.notify(t("profiles_switched", lang, name=escape(name)))

        self.app.push_screen(ProfileModal(store.profiles(), store.profile, lang, make), chosen)

    def action_prepare_images(self) -> None:
        """Prepare what is missing, with a row per image (opening it again goes on from what is done)."""
        from envlab.ui.screens.prepare_screen import PrepareScreen

        if self.images is not None and self.images.missing and self.envlab.runtime is not None:
            self.app.push_screen(PrepareScreen(self.images.missing, built_from=self.images.built_from))

    def action_open(self) -> None:
        if not self.query("#curriculum"):
            return  # the lessons are still loading
        node = self.curriculum.cursor_node
        if node is not None:
            self._open_node(node)

    def action_resume(self) -> None:
        """Go on at the first lesson not done yet, in curriculum order, at its first step not done."""
        if not self.envlab.lessons_listed:
            return
        target = self._first_unfinished()
        if target is None:
            self.notify(t("course_finished", self.envlab.lang), title=t("course_done_title", self.envlab.lang))
        else:
            self.envlab.open_lesson(target.id, resume=True)

    def action_forget(self) -> None:
        """Ask, then forget the learner's progress in the highlighted lesson."""
        lesson = self._highlighted()
        if lesson is None:
            return
        lesson_id = lesson.id
        title = inline_markup(pick(lesson.title, self.envlab.lang))

        from envlab.ui.screens.confirm_modal import ConfirmModal

        def answered(yes: bool | None) -> None:
            if yes:
                self.envlab.store.reset(lesson_id)
                self.notify(t("progress_reset", self.envlab.lang, title=title))
                self._refresh()

        self.app.push_screen(ConfirmModal(t("forget_progress", self.envlab.lang, title=title)), answered)
