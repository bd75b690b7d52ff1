"""Kiosk mode: the course for a room of learners, one at a time, with the way out behind a PIN.

The kiosk is the same app with the same screens; :class:`KioskApp` only adds a start screen where each
learner names their own progress profile, the end of a learner's session (when they say so or have
been idle too long), and a lock on every key that would leave the course.

The lock has two lines. Textual's driver clears the terminal's ISIG flag (unless
``TEXTUAL_ALLOW_SIGNALS`` is set, which ``envlab kiosk`` unsets), so Ctrl+C, Ctrl+Z and Ctrl+\\ arrive as
keys, and :meth:`KioskApp.check_action` refuses every action that quits, suspends or opens the command
palette. Should the signals come anyway (from a terminal that keeps ISIG, or from ``kill``), SIGINT,
SIGQUIT and SIGTSTP are ignored while the kiosk runs. SIGTERM and SIGHUP still end it cleanly: that is
how its service is stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import signal
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.screen import Screen

from envlab.errors import EnvlabError
from envlab.runtime.cleanup import remove_all
from envlab.runtime.labels import KIND, LEASE, SESSION
from envlab.ui.app import EnvlabApp, docker_shell
from envlab.ui.kiosk.messages import LearnerLeft, LearnerStarted
from envlab.ui.kiosk.operator_modal import PinGuard
from envlab.ui.strings import t

if TYPE_CHECKING:
    from envlab.kiosk.config import KioskConfig
    from envlab.ui.kiosk.countdown_modal import CountdownModal
    from envlab.ui.kiosk.start_screen import KioskStartScreen

#: Seconds the end of a session waits for a lesson that is starting containers right now to stop.
TEARDOWN_GRACE = 20.0
#: The signals a terminal sends for Ctrl+C, Ctrl+\ and Ctrl+Z.
LEAVING_SIGNALS = (signal.SIGINT, signal.SIGQUIT, signal.SIGTSTP)
#: Actions no learner's key may run in kiosk mode: each leaves or hides the course.
LOCKED_ACTIONS = frozenset({"quit", "help_quit", "command_palette", "suspend_process"})

_Handler = Callable[[int, Any], Any] | int | None


def ignore_leaving_signals() -> dict[signal.Signals, _Handler]:
    """Ignore SIGINT, SIGQUIT and SIGTSTP; return the handlers they had (to restore)."""
    previous: dict[signal.Signals, _Handler] = {}
    for sig in LEAVING_SIGNALS:
        # Only the main thread may set handlers; an app run in another thread has no terminal to guard.
        with contextlib.suppress(ValueError):
            previous[sig] = signal.signal(sig, signal.SIG_IGN)
    return previous


class KioskApp(EnvlabApp):
    """The course in kiosk mode, as :attr:`kiosk` says: offered lessons and languages, an idle timeout,
    the operator's PIN. Built by :func:`envlab.ui.app.make_app` when it is given a kiosk configuration.

    Attributes:
        learner: The profile of the learner using the kiosk now; ``None`` on the start screen.
        last_input: When the last key or mouse event came (``time.monotonic()``).
    """

    CSS_PATH = "../envlab.tcss"  # the app's one stylesheet (Textual reads it relative to this module)
    ENABLE_COMMAND_PALETTE: ClassVar[bool] = False
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+d", "done", "I'm done", priority=True),
        Binding("ctrl+o", "operator", "Operator", show=False, priority=True),
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        assert self.kiosk is not None, "make_app builds a KioskApp only with a kiosk configuration"
        self.config: KioskConfig = self.kiosk
        offered = self.config.languages
        self.start_lang = self.lang if self.lang in offered else offered[0]
        self.set_reactive(EnvlabApp.lang, self.start_lang)
        self.learner: str | None = None
        self.last_input = time.monotonic()
        self.leaving = False
        self._countdown: CountdownModal | None = None
        self._background_started = False
        self._ignored: dict[signal.Signals, _Handler] = {}
        if self.shell is docker_shell:  # a learner who walks away from the shell does not hold the kiosk
            self.shell = functools.partial(docker_shell, idle=self.config.idle_timeout)
        #: Wrong operator PINs so far (each try after a few waits longer).
        self.pin_guard = PinGuard()

    # the mode ----------------------------------------------------------------------------------
    def on_mount(self) -> None:
        # Textual's driver has put its own SIGTSTP handler in place by now (it suspends the app).
        self._ignored = ignore_leaving_signals()
        self.set_interval(min(1.0, self.config.idle_timeout / 5), self._check_idle)

    def on_unmount(self) -> None:
        for sig, previous in self._ignored.items():
            if previous is not None:
                signal.signal(sig, previous)

    def first_screen(self) -> Screen[None]:
        return self._start_screen_type()()

    @staticmethod
    def _start_screen_type() -> type[KioskStartScreen]:
        from envlab.ui.kiosk.start_screen import KioskStartScreen  # it reads the app's type: import it here

        return KioskStartScreen

    @property
    def start_screen(self) -> KioskStartScreen:
        """The start screen, at the bottom of the stack for the whole life of the kiosk."""
        return next(s for s in self.screen_stack if isinstance(s, self._start_screen_type()))

    def start_background_work(self) -> None:
        """Once: the start screen begins it, so the course is ready when the first learner arrives."""
        if not self._background_started:
            self._background_started = True
            super().start_background_work()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """No key quits, suspends or opens the palette; "I'm done" only while a learner is here."""
        if action in LOCKED_ACTIONS:
            return False
        if action == "switch_language":
            return len(self.config.languages) > 1
        if action == "done":
            return self.learner is not None and not self.leaving
        return True

    def offered_chapters(self) -> Sequence[int]:
        """The chapters the kiosk's configuration offers (none named: every one)."""
        return self.config.chapters

    def action_switch_language(self) -> None:
        """Cycle through the languages the kiosk offers; a learner's profile remembers the choice."""
        offered = self.config.languages
        index = offered.index(self.lang) if self.lang in offered else -1
        self.lang = offered[(index + 1) % len(offered)]
        self.remember_language()
        self.notify(t("language_now", self.lang))

    def remember_language(self) -> None:
        """Only a learner's choice is kept: on the start screen nobody's profile is in use."""
        if self.learner is not None:
            super().remember_language()

    def use_profile_language(self) -> None:
        """A learner's own language, if the kiosk offers it; the start screen keeps the operator's.

        ``--lang`` and ``ENVLAB_LANG`` choose the start screen's language here, not each learner's.
        """
        chosen = self.store.language()
        if self.learner is not None and chosen in self.config.languages:
            self.lang = chosen

    def action_help(self) -> None:
        """The help less the keys the kiosk has locked."""
        from envlab.ui.kiosk.help_modal import KioskHelpModal

        if not isinstance(self.screen, KioskHelpModal):
            self.push_screen(KioskHelpModal())

    def open_url(self, url: str, *, new_tab: bool = True) -> None:
        """A kiosk opens no browser: the learner is shown the link instead."""
        self.notify(t("kiosk_no_link", self.lang, url=url), timeout=15)

    def open_shell(self, container: str, setup: str, *, banner: str = "") -> int | None:
        """The fix-it shell, if the kiosk offers it; the time in it does not count as idle."""
        if not self.config.fix_it_shell:
            self.notify(t("kiosk_no_shell", self.lang), severity="warning")
            return None
        try:
            return super().open_shell(container, setup, banner=banner)
        finally:
            self.touched()

    # a learner's session -----------------------------------------------------------------------
    def begin(self, profile: str) -> None:
        """Start ``profile``'s session (the start screen made or found the profile) and show home."""
        from envlab.ui.screens.home_screen import HomeScreen

        self.store.switch_profile(profile)
        self.learner = profile
        if self.lang != self.start_lang:  # chosen on the start screen just now: it is this learner's choice
            self.remember_language()
        else:
            self.use_profile_language()
        self.touched()
        self.post_message(LearnerStarted(profile))
        self.push_screen(HomeScreen())
        self.notify(t("kiosk_hello", self.lang, name=profile), timeout=8)

    def action_done(self) -> None:
        """The learner is done: end their session at once."""
        self.end_session("done")

    def end_session(self, reason: str) -> None:
        """Remove everything of the learner's from the engine and go back to the start screen."""
        if self.learner is not None and not self.leaving:
            self.leaving = True
            self.run_worker(self._leave(self.learner, reason), exclusive=True, group="kiosk-leave")

    async def _leave(self, profile: str, reason: str) -> None:
        start = self.start_screen
        while self.screen is not start:  # a lesson screen adds its time to the profile as it goes
            await self.pop_screen()
        self._countdown = None
        start.getting_ready = True
        try:
            removed = await asyncio.to_thread(self._tear_down_learner)
        finally:
            self.learner = None
            self.leaving = False
            self.lang = self.start_lang
            start.getting_ready = False
            self.touched()
        self.post_message(LearnerLeft(profile, reason, removed))

    def _tear_down_learner(self) -> list[str]:
        """Tear every run down, then whatever else of this session is on the engine but its lease
        (a teardown that failed half-way leaves nothing for the next learner to meet)."""
        removed = self.runs.tear_down_all(wait=TEARDOWN_GRACE)
        runtime = self.runtime
        if runtime is None:
            return removed
        try:
            left = [r for r in runtime.list_resources({SESSION: self.session.id}) if r.labels.get(KIND) != LEASE]
            removal = remove_all(runtime, left)
        except EnvlabError as exc:
            self.call_from_thread(self.notify, f"{exc.message}\n{exc.hint}", severity="error", timeout=30)
            return removed
        for resource, why in removal.failed:
            self.call_from_thread(self.notify, f"{resource.name}: {why}", severity="error", timeout=30)
        return removed + [r.name for r in removal.removed]

    # idleness ----------------------------------------------------------------------------------
    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.InputEvent) and not event.is_forwarded:
            self.touched()
        await super().on_event(event)

    def touched(self) -> None:
        """Someone is at the kiosk: the idle clock starts again."""
        self.last_input = time.monotonic()

    def _check_idle(self) -> None:
        if self.leaving or self._countdown is not None or time.monotonic() - self.last_input < self.config.idle_timeout:
            return
        if self.learner is None:
            for screen in self.screen_stack:  # none while the app is still starting or already ending
                if isinstance(screen, self._start_screen_type()):
                    screen.forget_typing()  # a name half typed by someone who walked away
            self.touched()
            return
        from envlab.ui.kiosk.countdown_modal import CountdownModal

        self._countdown = CountdownModal(self.config.countdown, self.lang)
        self.push_screen(self._countdown, self._countdown_over)

    def _countdown_over(self, timed_out: bool | None) -> None:
        self._countdown = None
        if timed_out:
            self.end_session("idle")
        else:
            self.touched()

    # the operator ------------------------------------------------------------------------------
    def action_operator(self) -> None:
        """Ask for the operator's PIN, then what to do: quit, end the learner's session, or prepare the
        images home found missing (a learner's home does not offer that)."""
        from envlab.ui.kiosk.operator_modal import OperatorModal, PinModal

        if isinstance(self.screen, PinModal | OperatorModal):
            return

        def chosen(choice: str | None) -> None:
            if choice == "quit":
                # A group of its own: quitting must not cancel a session's end that is under way.
                self.run_worker(self._operator_quit(), group="kiosk-quit")
            elif choice == "end":
                self.end_session("operator")
            elif choice == "prepare" and home is not None:
                home.action_prepare_images()

        def unlocked(ok: bool | None) -> None:
            if ok:
                missing = home is not None and home.images is not None and bool(home.images.missing)
                self.push_screen(OperatorModal(learner=self.learner, lang=self.lang, images_missing=missing), chosen)

        from envlab.ui.screens.home_screen import HomeScreen

        home = next((s for s in self.screen_stack if isinstance(s, HomeScreen)), None)

        self.push_screen(PinModal(self.config, self.pin_guard, self.lang), unlocked)

    async def _operator_quit(self) -> None:
        await EnvlabApp.action_quit(self)  # the learner's quit is locked (check_action); this is not
