"""The envlab Textual app and the one factory that builds it for the CLI and the tests."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, cast

from textual import work
from textual.app import App, SuspendNotSupported, SystemCommand
from textual.binding import Binding, BindingType
from textual.notifications import SeverityLevel
from textual.reactive import reactive
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from envlab import heap
from envlab.errors import EnvlabError
from envlab.lessons.text import SUPPORTED_LANGUAGES, detect_language, pick
from envlab.runtime.labels import Session
from envlab.ui.inline import inline_plain
from envlab.ui.key_labels import localize_bindings
from envlab.ui.messages import CatalogLoaded, LessonTornDown, RuntimeConnected, RuntimeFailed
from envlab.ui.runs import RunRegistry
from envlab.ui.strings import STRINGS, t

# The lesson models, the runner and the Docker SDK take longer to import than Textual itself: they
# load in workers after the first paint (see docs/performance.md), so here they are only types.
if TYPE_CHECKING:
    from envlab.engine.progress import ProgressStore
    from envlab.engine.readiness import Reach
    from envlab.kiosk.config import KioskConfig
    from envlab.lessons.cards import Cards
    from envlab.lessons.catalog import Catalog
    from envlab.lessons.loader import LoadedLesson
    from envlab.runtime.contract import Runtime
    from envlab.ui.runs import Run

#: Builds the runtime for a session; called once, in a thread worker (connecting may take a while).
RuntimeFactory = Callable[[Session], "Runtime"]
#: Opens an interactive shell in a container (the terminal is the learner's meanwhile); returns its exit code.
Shell = Callable[[str, str], int]
#: Says whether a registry and Debian's archive answer; called in a thread worker, returns within seconds.
NetworkProbe = Callable[[], "Reach"]
SIGNALS = (signal.SIGTERM, signal.SIGHUP)
#: Home, erase the screen, erase the scrollback (xterm's E3, which tmux and the Linux console honour too).
CLEAR_TERMINAL = "\x1b[H\x1b[2J\x1b[3J"
HANG_UP_GRACE = 20.0  # seconds a hung-up app waits for its runs to stop before it leaves
TOAST_EDGE = 5  # a toast's coloured edge and padding, and the scrollbar column its rack keeps (envlab.tcss)


def docker_shell(container: str, setup: str, *, idle: float | None = None) -> int:
    """``docker exec -it`` a shell into ``container``: bash if it has one, else sh. The shell never
    leaves the container, so a kiosk stays locked to the lesson. With ``idle``, the shell ends after
    that many seconds at its prompt with nothing typed (``TMOUT``: bash and most ash honour it)."""
    docker = shutil.which("docker")
    if docker is None:
        raise EnvlabError("the docker command is not installed, so envlab cannot open a shell",
                          hint="install the Docker CLI, then press f again")
    script = "command -v bash >/dev/null 2>&1 && exec bash -l || exec sh -l"
    timeout = ["-e", f"TMOUT={max(1, round(idle))}"] if idle else []
    return subprocess.call([docker, "exec", "-it", *timeout, "-w", "/", container, "/bin/sh", "-c", script])


class EnvlabApp(App[int]):
    """The interactive course: chapters, lessons on real containers, the learner's progress."""

    CSS_PATH = "envlab.tcss"
    TITLE = "envlab"
    SUB_TITLE = STRINGS["app_subtitle"]["en"]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1,question_mark", "help", "Help"),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True),
    ]

    lang: reactive[str] = reactive("en")
    #: ``False`` until the lessons are loaded (they load in a worker unless given to :func:`make_app`).
    lessons_ready: reactive[bool] = reactive(False)
    #: ``True`` once home can list the lessons: from the cards the last load left, or from the loaded ones.
    lessons_listed: reactive[bool] = reactive(False)
    #: ``connecting``, ``ready`` or ``failed`` (then :attr:`engine_error` says why).
    engine_state: reactive[str] = reactive("connecting")

    def __init__(self, catalog: Catalog | None, *, lang: str, runtime_factory: RuntimeFactory,
                 store: ProgressStore | None = None, lessons: Sequence[str | Path] = (),
                 shell: Shell = docker_shell, network_probe: NetworkProbe | None = None,
                 kiosk: KioskConfig | None = None, dev: LoadedLesson | None = None,
                 lang_given: bool = False) -> None:
        super().__init__()
        #: What the kiosk offers, in kiosk mode (:class:`envlab.ui.kiosk.app.KioskApp`); ``None`` otherwise.
        self.kiosk = kiosk
        #: The lesson under edit, in author mode (``envlab dev``); ``None`` otherwise.
        self.dev = dev
        self.catalog = catalog
        self.lesson_dirs = list(lessons)
        self.set_reactive(EnvlabApp.lang, lang)
        self.sub_title = t("app_subtitle", lang)
        #: Whether ``--lang`` or ``ENVLAB_LANG`` chose the language: then no profile's own choice overrides it.
        self.lang_given = lang_given
        self.runtime_factory = runtime_factory
        self._store = store
        self.shell = shell
        self._network_probe = network_probe
        self.session = Session()
        self.runtime: Runtime | None = None
        self.engine_error: RuntimeFailed | None = None
        #: Every live run and its teardown.
        self.runs = RunRegistry(self.session)
        self._quitting = False
        #: The lessons as home lists them (:mod:`envlab.lessons.cards`); ``None`` until known.
        self._cards: Cards | None = None
        #: A lesson asked for before the lessons loaded, and whether to resume it: opened once they have.
        self._opening: tuple[str, bool] | None = None

    def on_mount(self) -> None:
        self._install_signal_handlers()
        localize_bindings(self, self.lang)
        # Immediate: a new screen gets its key labels before its footer is first drawn.
        self.screen_change_signal.subscribe(self, self._screen_changed, immediate=True)
        self.push_screen(self.first_screen())

    def first_screen(self) -> Screen[None]:
        """The screen the app opens on: home (kiosk mode opens on its start screen, author mode on its lesson)."""
        if self.dev is not None:
            from envlab.ui.screens.dev_screen import DevLessonScreen  # the watcher loads only in author mode

            return DevLessonScreen(self.dev)
        from envlab.ui.screens.home_screen import HomeScreen  # it reads the app's type: import it here

        return HomeScreen()

    @property
    def store(self) -> ProgressStore:
        """The learner's progress; the default store opens on first use, after the first frame."""
        if self._store is None:
            from envlab.engine.progress import ProgressStore

            self._store = ProgressStore.open_default()
        return self._store

    def network_probe(self) -> Reach:
        """Whether a registry and Debian's archive answer (blocks for up to a few seconds: call it in a worker)."""
        if self._network_probe is None:
            from envlab.engine.readiness import probe_network, registry_address

            registry = registry_address(self.runtime.engine_info()) if self.runtime is not None else None
            return probe_network(registry)
        return self._network_probe()

    def start_background_work(self) -> None:
        """Open the progress store, load the lessons (unless given) and connect to Docker; the home
        screen calls this once it is drawn, so none of it delays the first paint."""
        heap.settle()
        try:
            store = self.store  # opened here so that a store that cannot open ends the app plainly
        except EnvlabError as exc:
            hint = f"\n  hint: {exc.hint}" if exc.hint else ""
            self.exit(return_code=exc.exit_code, message=f"error: {exc.message}{hint}")
            return
        self.use_profile_language()
        if store.kept_aside is not None:
            self.notify(t("progress_kept_aside", self.lang, path=str(store.kept_aside)),
                        title=t("progress_damaged", self.lang), severity="warning", timeout=20)
        if self.catalog is not None:
            self.on_catalog_loaded(CatalogLoaded(self.catalog))
        elif self._list_saved_cards():
            # Listed from the cards: draw them before the load and Docker's SDK take the interpreter's time.
            self.call_after_refresh(self._load_and_connect)
            return
        self._load_and_connect()

    def _load_and_connect(self) -> None:
        if self.catalog is None:
            self.load_lessons()
        self.action_connect()

    def _list_saved_cards(self) -> bool:
        """List the lessons from the cards their last load left, if their files are unchanged (a few ms:
        no model is built), so home lists them while they load again; whether there were such cards."""
        from envlab.lessons.cards import saved_cards, source_key

        self._cards = saved_cards(source_key(self.lesson_dirs))
        if self._cards is not None:
            self.lessons_listed = True
        return self._cards is not None

    @work(thread=True, exclusive=True, exit_on_error=False, group="lessons")
    def load_lessons(self) -> None:
        """Find and validate the lessons; a broken file becomes a problem, never a crash."""
        from envlab.engine.progress import lesson_steps
        from envlab.lessons.cards import cards_of, save_cards, source_key
        from envlab.lessons.catalog import load_catalog

        key = source_key(self.lesson_dirs)  # of the files as they are before they are read
        catalog = load_catalog(self.lesson_dirs)
        save_cards(key, cards_of(catalog, lesson_steps))  # for the next start's home
        self.post_message(CatalogLoaded(catalog))

    def on_catalog_loaded(self, message: CatalogLoaded) -> None:
        from envlab.engine.progress import lesson_steps
        from envlab.lessons.cards import cards_of

        self.catalog = message.catalog
        self._cards = cards_of(message.catalog, lesson_steps)
        for problem in message.catalog.problems:
            self.notify(str(problem), title=t("lesson_skipped", self.lang), severity="warning", timeout=10)
        self.lessons_ready = True
        if self.lessons_listed:
            self.mutate_reactive(EnvlabApp.lessons_listed)  # listed from saved cards: home lists the loaded ones
        else:
            self.lessons_listed = True
        heap.settle()
        if self._opening is not None:
            lesson_id, resume = self._opening
            self._opening = None
            self.open_lesson(lesson_id, resume=resume)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker that failed with an unexpected error is shown, never silently dropped."""
        if event.state == WorkerState.ERROR:
            self.report_bug(event.worker)

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = True) -> None:
        """A toast, as Textual shows it; Japanese text is broken between phrases for the toast's width
        (a toast spans the screen, envlab.tcss: its width less its edge and padding)."""
        from envlab.ui.linebreak import is_japanese

        if markup and is_japanese(message):
            from textual.content import Content

            from envlab.ui.linebreak import fit

            message = fit(Content.from_markup(message), self.size.width - TOAST_EDGE).markup
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    def report_bug(self, worker: Worker[object]) -> None:
        """Show the unexpected error ``worker`` ended with. A screen's workers tell their screen, not the
        app (Textual's ``Worker.StateChanged`` does not bubble), so a screen with workers calls this too."""
        error = worker.error
        self.notify(t("bug_body", self.lang, error=f"{type(error).__name__}: {error}"),
                    title=t("bug_title", self.lang, worker=worker.name), severity="error", timeout=30)

    # the engine --------------------------------------------------------------------------------
    def action_connect(self) -> None:
        """Connect to Docker in the background (again, after a failure)."""
        if self.engine_state != "ready":
            self.engine_state = "connecting"
            self.connect()

    @work(thread=True, exclusive=True, exit_on_error=False, group="runtime")
    def connect(self) -> None:
        try:
            runtime = self.runtime_factory(self.session)
        except EnvlabError as exc:
            self.post_message(RuntimeFailed(exc.message, exc.hint))
            return
        self.post_message(RuntimeConnected(runtime))

    def on_runtime_connected(self, message: RuntimeConnected) -> None:
        self.runtime, self.engine_error = message.runtime, None
        self.engine_state = "ready"
        heap.settle()

    def on_runtime_failed(self, message: RuntimeFailed) -> None:
        self.engine_error = message
        self.engine_state = "failed"
        self.notify(f"{message.message}\n{message.hint}", title=t("docker_unavailable", self.lang),
                    severity="error", timeout=15)

    # lessons -----------------------------------------------------------------------------------
    @property
    def lessons(self) -> list[LoadedLesson]:
        """The lessons offered, in curriculum order (none until they are loaded)."""
        chapters = set(self.offered_chapters())
        lessons = self.catalog.lessons if self.catalog is not None else []
        return [loaded for loaded in lessons if not chapters or loaded.lesson.chapter in chapters]

    @property
    def cards(self) -> Cards:
        """The lessons offered as home lists them, in curriculum order (none until they are known)."""
        from envlab.lessons.cards import Cards, offered

        return offered(self._cards, self.offered_chapters()) if self._cards is not None else Cards()

    def offered_chapters(self) -> Sequence[int]:
        """The chapters offered; none named means every one (a kiosk offers those of its configuration)."""
        return ()

    def lesson(self, lesson_id: str) -> LoadedLesson | None:
        """The loaded lesson with ``lesson_id``, if the catalog has it."""
        return next((ll for ll in self.lessons if ll.lesson.id == lesson_id), None)

    def open_lesson(self, lesson_id: str, *, resume: bool = False) -> None:
        """Show a lesson (from any screen); with ``resume``, a lesson under way opens at its first step not done."""
        loaded = self.lesson(lesson_id)
        if loaded is not None:
            from envlab.ui.screens.lesson_screen import LessonScreen  # brings in the runner

            self.push_screen(LessonScreen(loaded, resume=resume))
        elif self.catalog is None:
            self._opening = (lesson_id, resume)  # listed from its card, still loading: it opens once loaded

    def action_switch_language(self) -> None:
        """Cycle through the languages lessons are written in; the profile remembers the choice."""
        index = SUPPORTED_LANGUAGES.index(self.lang) if self.lang in SUPPORTED_LANGUAGES else -1
        self.lang = SUPPORTED_LANGUAGES[(index + 1) % len(SUPPORTED_LANGUAGES)]
        self.remember_language()
        self.notify(t("language_now", self.lang))

    def remember_language(self) -> None:
        """Keep the language in use as the profile's own, to open in it next time."""
        self.store.set_language(self.lang)

    def use_profile_language(self) -> None:
        """Switch to the language the profile in use chose last, unless ``--lang`` or ``ENVLAB_LANG`` gave one."""
        chosen = self.store.language()
        if not self.lang_given and chosen in SUPPORTED_LANGUAGES:
            self.lang = chosen

    def watch_lang(self, lang: str) -> None:
        """The key labels follow the language on the app and every open screen, footers included."""
        self.sub_title = t("app_subtitle", lang)
        localize_bindings(self, lang)
        for screen in self.screen_stack:
            localize_bindings(screen, lang)
            screen.refresh_bindings()

    def _screen_changed(self, screen: Screen[object]) -> None:
        """A screen just pushed (or shown again) gets its key labels in the current language."""
        localize_bindings(screen, self.lang)

    def action_help(self) -> None:
        from envlab.ui.screens.help_modal import HelpModal  # Markdown: imported when first needed

        if not isinstance(self.screen, HelpModal):
            self.push_screen(HelpModal())

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        lang = self.lang
        yield SystemCommand(t("cmd_help", lang), t("cmd_help_about", lang), self.action_help)
        yield SystemCommand(t("cmd_language", lang), t("cmd_language_about", lang), self.action_switch_language)
        yield SystemCommand(t("cmd_reconnect", lang), t("cmd_reconnect_about", lang), self.action_connect)
        for loaded in self.lessons:
            lesson = loaded.lesson
            yield SystemCommand(t("cmd_open_lesson", lang, title=inline_plain(pick(lesson.title, lang))),
                                inline_plain(pick(lesson.summary, lang)),
                                lambda lesson_id=lesson.id: self.open_lesson(lesson_id))

    # the learner's shell -----------------------------------------------------------------------
    def open_shell(self, container: str, setup: str, *, banner: str = "") -> int | None:
        """Hand the terminal to a shell inside ``container``; return its exit code, ``None`` if none ran.

        The terminal is cleared first (screen and scrollback: nothing of an earlier shell or lesson shows),
        then ``banner`` says where the learner is and what they have, wrapped to the terminal's width as
        the TUI wraps text (a Japanese line breaks between phrases, not inside a word)."""
        from envlab.ui.linebreak import wrap

        width = max(20, shutil.get_terminal_size().columns - 3)  # two columns of indent, and the last one free
        lines = [row for line in banner.splitlines() for row in wrap(line, width)]
        try:
            try:
                with self.suspend():
                    sys.stdout.write(CLEAR_TERMINAL + "".join(f"\n  {line}" for line in lines) + "\n\n")
                    sys.stdout.flush()
                    return self.shell(container, setup)
            except SuspendNotSupported:
                if not self.is_headless:
                    raise
                return self.shell(container, setup)  # no terminal to hand over (tests, automation)
        except (EnvlabError, SuspendNotSupported, OSError) as exc:
            hint = getattr(exc, "hint", "") or t("no_shell_hint", self.lang, container=container)
            self.notify(f"{getattr(exc, 'message', exc)}\n{hint}", title=t("no_shell", self.lang), severity="error")
            return None

    # teardown ----------------------------------------------------------------------------------
    # Not exclusive: leaving two lessons quickly gives two teardowns, and neither may be cancelled.
    @work(thread=True, exclusive=False, exit_on_error=False, group="teardown")
    def tear_down(self, run: Run) -> None:
        """Remove what ``run`` started, in the background."""
        run.cancelled.set()
        removed = self.runs.tear_down(run)
        self.post_message(LessonTornDown(run.lesson_id, removed))

    def on_lesson_torn_down(self, message: LessonTornDown) -> None:
        if self._quitting and not self.runs:
            self.exit(0)

    async def action_quit(self) -> None:
        """Quit once every container this session started is gone."""
        if not self.runs:
            self.exit(0)
            return
        self._quitting = True
        self.notify(t("quitting_body", self.lang), title=t("quitting", self.lang))
        await asyncio.to_thread(self.runs.tear_down_all)
        self.exit(0)

    # signals -----------------------------------------------------------------------------------
    def _install_signal_handlers(self) -> None:
        """Textual leaves SIGTERM and SIGHUP alone on Linux; a kiosk shutting down sends them."""
        loop = asyncio.get_running_loop()
        self._previous_handlers = {sig: signal.getsignal(sig) for sig in SIGNALS}
        try:
            for sig in SIGNALS:
                loop.add_signal_handler(sig, self._signalled, sig)
        except (ValueError, RuntimeError, NotImplementedError):
            self._previous_handlers = {}  # not the main thread, or no signals on this platform

    @property
    def signals_handled(self) -> bool:
        """Whether SIGTERM and SIGHUP end the app cleanly (handlers need the main thread's loop)."""
        return bool(getattr(self, "_previous_handlers", {}))

    def _signalled(self, sig: signal.Signals) -> None:
        """Runs on the event loop (add_signal_handler), so exiting here is safe.

        On SIGTERM the terminal is still there: exit normally, and run_app removes the containers
        once the loop has ended. On SIGHUP the terminal is gone: Textual's shutdown would block on
        writing to it, so clean up here and leave at once.
        """
        if sig == signal.SIGHUP:
            self._hang_up()
        self.exit(return_code=128 + int(sig))

    def _hang_up(self) -> None:
        # Blocking the loop is harmless now: nobody can see or type into this UI any more.
        self.runs.tear_down_all(wait=HANG_UP_GRACE)  # a setup may be starting a container
        os._exit(128 + signal.SIGHUP)  # skip the terminal restore that would block

    def on_unmount(self) -> None:
        loop = asyncio.get_running_loop()
        for sig, previous in getattr(self, "_previous_handlers", {}).items():
            loop.remove_signal_handler(sig)
            signal.signal(sig, previous)


def make_app(*, runtime: Runtime | RuntimeFactory, lessons: Sequence[str | Path] = (), lang: str | None = None,
             catalog: Catalog | None = None, store: ProgressStore | None = None,
             shell: Shell | None = None, network: NetworkProbe | None = None,
             kiosk: KioskConfig | None = None, dev: LoadedLesson | None = None) -> EnvlabApp:
    """Build the app: the one factory the CLI and the tests share.

    Args:
        runtime: Where lessons run: a runtime, or a function that opens one for the app's session
            (the CLI's composition root passes Docker's; it is called in a thread worker, never on
            the UI thread, so the first frame does not wait for the engine).
        lessons: Extra lesson folders (``--lessons``).
        lang: ``--lang``; otherwise ``ENVLAB_LANG``, then the language the profile in use chose last (once
            the store opens, after the first paint), then the locale decides.
        catalog: The lessons to offer (default: the built-in curriculum plus ``lessons``, loaded
            in a thread worker once the home screen is up).
        store: Where progress is kept (default: the user data folder, or ``ENVLAB_DATA_DIR``).
        shell: Opens the learner's shell in a container (default: ``docker exec -it``).
        network: Says whether a registry and Debian's archive answer, when images are missing (default:
            :func:`envlab.engine.readiness.probe_network`, a TCP connection to each with a short timeout).
        kiosk: Run in kiosk mode, as this configuration says (``envlab kiosk CONFIG``).
        dev: Run in author mode on this lesson (``envlab dev LESSON``): the app opens on it, watches its
            folders and takes every save at once; the catalog is this lesson alone.
    """
    factory = _factory(runtime)
    lang_given = bool(lang or os.environ.get("ENVLAB_LANG"))
    if dev is not None and catalog is None:
        from envlab.lessons.catalog import Catalog

        catalog = Catalog(lessons=[dev])
    app_class = EnvlabApp
    if kiosk is not None:
        from envlab.ui.kiosk.app import KioskApp  # the kiosk's screens load only in kiosk mode

        app_class = KioskApp
    return app_class(
        catalog,
        lang=detect_language(lang),
        runtime_factory=factory,
        store=store,
        lessons=lessons,
        shell=shell or docker_shell,
        network_probe=network,
        kiosk=kiosk,
        dev=dev,
        lang_given=lang_given,
    )


def _factory(runtime: Runtime | RuntimeFactory) -> RuntimeFactory:
    """A function that gives the runtime: a factory as it is, a ready runtime wrapped."""
    if callable(runtime) and not hasattr(runtime, "list_resources"):
        return runtime
    ready = cast("Runtime", runtime)
    return lambda _session: ready


def run_app(*, runtime: Runtime | RuntimeFactory, lessons: Sequence[str | Path] = (), lang: str | None = None,
            kiosk: KioskConfig | None = None, dev: LoadedLesson | None = None) -> int:
    """Start the TUI (in kiosk mode with ``kiosk``, in author mode with ``dev``); when it ends, however it
    ends, remove what it started. Return its exit code."""
    app = make_app(runtime=runtime, lessons=lessons, lang=lang, kiosk=kiosk, dev=dev)
    try:
        code = app.run()
    finally:
        removed = app.runs.tear_down_all()
        if removed:
            print(f"envlab: removed {len(removed)} container(s) and network(s)", file=sys.stderr)
    return code or app.return_code or 0
