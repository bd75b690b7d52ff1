"""Preparing the images the lessons need, inside the TUI: a live row per image, cancellable and resumable.

Progress notes come from prepare's worker threads, at times thousands a second (debootstrap's lines, build
output). They never touch a widget there: :class:`LatestNotes` keeps each image's latest note under a lock,
and a timer on the event loop takes them every ``FLUSH_SECONDS``, so a row repaints a few times a second
however fast its notes come; each row is a :class:`~envlab.ui.widgets.row_line.RowLine` that redraws only
itself, only when it changed (docs/performance.md).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Set
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Literal

from rich.text import Text
from textual import getters, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.markup import escape
from textual.screen import Screen
from textual.widgets import Header, Static
from textual.worker import Worker, WorkerState

from envlab.engine.describe import visible
from envlab.errors import EnvlabError
from envlab.ui.app import EnvlabApp
from envlab.ui.messages import ImagePrepared, PreparationEnded
from envlab.ui.strings import duration_text, size_text, t
from envlab.ui.widgets.key_bar import KeyBar
from envlab.ui.widgets.row_line import RowLine

if TYPE_CHECKING:
    from envlab.engine.images import ImageNeed
    from envlab.engine.prepare import Prepared

FLUSH_SECONDS = 0.25  # how often notes reach the table: four repaints a second per row at most

RowState = Literal["waiting", "running", "done", "failed", "cancelled"]
#: The step an image's result says was taken.
STEP_OF_ACTION = {"present": "present", "pulled": "pull", "bootstrapped": "bootstrap", "built": "build"}
MARK: dict[RowState, str] = {"waiting": "○", "running": "●", "done": "✓", "failed": "✗", "cancelled": "–"}
#: The table's columns and their widths (the latest note takes what is left).
COLUMNS = (("image", 26), ("kind", 7), ("step", 9), ("state", 11), ("time", 5), ("note", 0))
WIDTHS = tuple(width for _key, width in COLUMNS)


class LatestNotes:
    """Each image's latest progress note, and when its first came; written from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._latest: dict[str, tuple[str, float]] = {}
        self._first: dict[str, float] = {}

    def put(self, need: ImageNeed, text: str, fraction: float | None) -> None:
        """Keep ``text`` as ``need``'s latest note (the signature of prepare's progress callback)."""
        note = f"{fraction:.0%} {text}" if fraction is not None else text
        with self._lock:
            first = self._first.setdefault(need.tag, time.monotonic())
            self._latest[need.tag] = (note, first)

    def take(self) -> dict[str, tuple[str, float]]:
        """The notes that came since the last call, by tag, each with when that image's first note came."""
        with self._lock:
            taken, self._latest = self._latest, {}
        return taken


@dataclass
class ImageRow:
    """What the table shows of one image."""

    need: ImageNeed
    state: RowState = "waiting"
    step: str = ""
    note: str = ""
    started: float | None = None
    ended: float | None = None
    message: str = ""
    hint: str = ""
    size: int | None = None  # bytes on the engine, once it is there

    def noted(self, note: str, first: float) -> None:
        """A progress note came: the image is under way (from when its first note came)."""
        self.note = visible(note)
        if self.state == "waiting":
            self.state, self.started = "running", first
        if not self.step:
            pulling = self.need.kind == "base" and note.startswith("pulling")
            self.step = "build" if self.need.kind != "base" else "pull" if pulling else "bootstrap"

    def finished(self, result: Prepared, size: int | None, now: float) -> None:
        """Its result came: done (by one step), failed (with the real error and its hint) or cancelled."""
        self.ended = now
        if result.action in STEP_OF_ACTION:
            self.state, self.step = "done", STEP_OF_ACTION[result.action]
            self.note, self.size = "", size
        else:
            self.state = "failed" if result.action == "failed" else "cancelled"
            self.note = self.message = visible(result.message)
            self.hint = visible(result.hint)

    def elapsed(self, now: float) -> float | None:
        """Seconds it has been (or was) under way; ``None`` if it never began."""
        if self.started is None:
            return None
        return (self.ended or now) - self.started


class PrepareScreen(Screen[None]):
    """Prepare ``needs`` (the missing images), a live row per image; Esc or c cancels, Esc leaves once done.

    ``built_from`` is :func:`envlab.engine.readiness.built_from` of ``needs``, read in a worker beforehand:
    the ETA is worked out a few times a second, and must not read Dockerfiles on the event loop.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("c", "cancel", "Cancel"),
    ]

    envlab = getters.app(EnvlabApp)

    def __init__(self, needs: list[ImageNeed], *, built_from: Mapping[str, Set[str]]) -> None:
        super().__init__()
        self.built_from = built_from
        self.rows = {need.tag: ImageRow(need) for need in needs}
        self.notes = LatestNotes()
        #: Set to cancel: what runs finishes, nothing new starts.
        self.cancel = threading.Event()
        self.ended = False
        self.began = time.monotonic()
        self.lines = {tag: RowLine(WIDTHS, classes="prepare-row") for tag in self.rows}
        self._summary = ""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="prepare-summary")
        yield RowLine(WIDTHS, self._headings(), id="prepare-headings")
        with VerticalScroll(id="prepare-table"):
            yield from self.lines.values()
        yield Static(id="prepare-failures")
        yield KeyBar()

    def on_mount(self) -> None:
        self.sub_title = t("prep_title", self.envlab.lang)
        for row in self.rows.values():
            self._show_row(row)
        self.query_one("#prepare-failures").display = False
        self.watch(self.app, "lang", self._language_changed, init=False)
        self.set_interval(FLUSH_SECONDS, self._flush)
        self._show_summary()
        self.query_one("#prepare-table").focus()
        self.prepare()

    def on_unmount(self) -> None:
        self.cancel.set()  # the app is quitting: start nothing more

    # the work, in a thread -------------------------------------------------------------------
    @work(thread=True, exclusive=True, exit_on_error=False, group="prepare")
    def prepare(self) -> None:
        """Prepare every image, each as soon as what it is built from is ready; post each result."""
        from envlab.engine.prepare import prepare_all

        runtime = self.envlab.runtime
        assert runtime is not None, "opened only once the engine is ready"
        needs = [row.need for row in self.rows.values()]
        for result in prepare_all(runtime, needs, self.notes.put, cancel=self.cancel):
            size = None
            if result.action in STEP_OF_ACTION:
                try:
                    size = runtime.image_size(result.need.tag)
                except EnvlabError:
                    size = None  # the size is a courtesy: the image itself is there
            self.post_message(ImagePrepared(result, size))
        self.post_message(PreparationEnded())

    def on_image_prepared(self, message: ImagePrepared) -> None:
        self._flush()  # its last notes first: when it began, and by which step
        row = self.rows[message.result.need.tag]
        row.finished(message.result, message.size, time.monotonic())
        self._show_row(row)
        if row.state == "failed":
            self._show_failures()
        self._show_summary()

    def on_preparation_ended(self, _message: PreparationEnded) -> None:
        self.ended = True
        self._flush()
        self.refresh_bindings()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A bug in the work ends it too (the app shows the error), so Esc can still leave."""
        if event.state == WorkerState.ERROR:
            self.envlab.report_bug(event.worker)
            self.cancel.set()
            self.on_preparation_ended(PreparationEnded())

    # drawing ---------------------------------------------------------------------------------
    def _flush(self) -> None:
        """Bring the latest notes into the table, and the running rows' times up to date."""
        for tag, (note, first) in self.notes.take().items():
            row = self.rows.get(tag)
            if row is not None and row.ended is None:
                row.noted(note, first)
        for row in self.rows.values():
            if row.state == "running":
                self._show_row(row)
        self._show_summary()

    def _headings(self) -> list[Text]:
        return [Text(t(f"prep_{key}", self.envlab.lang), style="bold") for key, _width in COLUMNS]

    def _cells(self, row: ImageRow, colours: dict[str, str]) -> list[Text]:
        lang = self.envlab.lang
        elapsed = row.elapsed(time.monotonic())
        note = size_text(row.size, lang) if row.size is not None else row.note
        return [
            Text(row.need.tag),
            Text(row.need.kind, style="dim"),
            Text(row.step or "—"),
            Text(f"{MARK[row.state]} {t('prep_' + row.state, lang)}", style=colours.get(row.state, "")),
            Text(("—" if elapsed is None else f"{elapsed:.0f}s").rjust(WIDTHS[4])),
            Text(note, style=colours["failed"] if row.state == "failed" else "dim"),
        ]

    def _show_row(self, row: ImageRow) -> None:
        """Show ``row`` as it is now (its line redraws only if something changed)."""
        theme = self.app.theme_variables
        colours = {"running": theme["accent"], "done": theme["success"], "failed": theme["error"]}
        self.lines[row.need.tag].show(self._cells(row, colours))

    def _counts(self) -> dict[RowState, int]:
        counts: dict[RowState, int] = dict.fromkeys(MARK, 0)
        for row in self.rows.values():
            counts[row.state] += 1
        return counts

    def _show_summary(self) -> None:
        from envlab.engine.readiness import estimate

        lang, counts, total = self.envlab.lang, self._counts(), len(self.rows)
        if self.ended and counts["done"] == total:
            text = t("prep_all_done", lang, total=total, time=duration_text(time.monotonic() - self.began, lang))
        elif self.ended:
            text = t("prep_ended", lang, done=counts["done"], total=total, failed=counts["failed"],
                     cancelled=counts["cancelled"])
        elif self.cancel.is_set():
            text = t("prep_cancelling", lang, running=counts["running"])
        else:
            now = time.monotonic()
            left = [row for row in self.rows.values() if row.state in ("waiting", "running")]
            spent = {row.need.tag: row.elapsed(now) or 0.0 for row in left}
            eta = estimate([row.need for row in left], spent=spent, after=self.built_from).seconds
            text = t("prep_progress", lang, done=counts["done"], total=total, running=counts["running"],
                     waiting=counts["waiting"], failed=counts["failed"], eta=duration_text(eta, lang))
        if text != self._summary:  # an update lays the screen out again: only when it says something new
            self._summary = text
            self.query_one("#prepare-summary", Static).update(text)

    def _show_failures(self) -> None:
        lang = self.envlab.lang
        failures = self.query_one("#prepare-failures", Static)
        lines = [t("prep_failure", lang, tag=escape(row.need.tag), message=escape(row.message),
                   hint=escape(row.hint or t("prep_no_hint", lang)))
                 for row in self.rows.values() if row.state == "failed"]
        failures.display = bool(lines)
        failures.update("\n".join(lines))

    def _language_changed(self) -> None:
        self.query_one("#prepare-headings", RowLine).show(self._headings())
        self.sub_title = t("prep_title", self.envlab.lang)
        for row in self.rows.values():
            self._show_row(row)
        self._show_failures()
        self._show_summary()

    # keys ------------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Cancel is offered only while images are still being prepared."""
        if action == "cancel":
            return not self.ended and not self.cancel.is_set()
        return True

    def action_cancel(self) -> None:
        """Start nothing new; what runs finishes, and the images not begun are marked cancelled."""
        self.cancel.set()
        self.refresh_bindings()
        self._show_summary()

    def action_back(self) -> None:
        """Leave once nothing runs any more; while images are still under way, cancel first."""
        if self.ended:
            self.dismiss()
        elif not self.cancel.is_set():
            self.action_cancel()
        else:
            self.notify(t("prep_wait_to_leave", self.envlab.lang, running=self._counts()["running"]))
