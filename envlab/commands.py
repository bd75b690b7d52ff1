"""The headless commands behind `envlab list|run|validate|test|images|doctor|clean|schema`."""

from __future__ import annotations

import argparse
import signal
import threading
import time
from collections.abc import Generator, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager, nullcontext
from pathlib import Path

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from envlab.engine.events import CleanupFinished, ErrorRaised, Event, InspectionFinished
from envlab.engine.images import ImageNeed, image_needs
from envlab.engine.prepare import Prepared, prepare_one
from envlab.engine.prove import prove
from envlab.engine.runner import LessonRun
from envlab.errors import EnvlabError, LessonError
from envlab.headless import RichRenderer, print_json
from envlab.lessons.catalog import Catalog, find_lesson, lesson_files, load_catalog, load_checked
from envlab.lessons.loader import LessonFileError, Problem
from envlab.lessons.schema import schema_json
from envlab.lessons.text import detect_language, pick
from envlab.runtime.cleanup import clean_everything
from envlab.runtime.client import connect, endpoint
from envlab.runtime.docker_runtime import DockerRuntime, open_runtime
from envlab.runtime.labels import Session
from envlab.runtime.services import ServiceRuntime


def _catalog(args: argparse.Namespace, console: Console, *, quiet: bool = False) -> Catalog:
    catalog = load_catalog(args.lessons)
    if catalog.problems and not quiet:
        err = Console(stderr=True, highlight=False)
        for problem in catalog.problems:
            err.print(f"[yellow]skipped:[/] {escape(str(problem))}")
    return catalog


# list, schema, validate ----------------------------------------------------------------------------
def cmd_list(args: argparse.Namespace, console: Console) -> int:
    lang = detect_language(args.lang)
    catalog = _catalog(args, console)
    table = Table(title="envlab lessons", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("chapter", justify="right", no_wrap=True)
    table.add_column("id", no_wrap=True)
    table.add_column("title", overflow="fold")
    chapter = None
    for loaded in catalog.lessons:
        lesson = loaded.lesson
        if chapter is not None and lesson.chapter != chapter:
            table.add_section()
        chapter = lesson.chapter
        table.add_row(str(lesson.chapter), lesson.id, pick(lesson.title, lang))
    console.print(table)
    return 0


def cmd_schema(args: argparse.Namespace, console: Console) -> int:
    console.out(schema_json(), end="", highlight=False)
    return 0


def cmd_validate(args: argparse.Namespace, console: Console) -> int:
    if args.paths:
        files: list[Path] = []
        problems: list[Problem] = []
        for raw in args.paths:
            path = Path(raw)
            if path.is_dir():
                files += lesson_files([path])
            elif path.is_file():
                files.append(path)
            else:
                problems.append(Problem(raw, 1, 1, "no such file or folder"))
        count = 0
        for path in files:
            try:
                load_checked(path)
                count += 1
            except LessonFileError as exc:
                problems += exc.problems
    else:
        catalog = load_catalog(args.lessons)
        problems, count = catalog.problems, len(catalog.lessons)
    for problem in problems:
        console.out(str(problem), highlight=False)
    if problems:
        console.print(f"[red]{len(problems)} problem(s)[/]; {count} lesson file(s) valid")
        return 1
    console.print(f"[green]{count} lesson file(s) valid[/]")
    return 0


# run and test --------------------------------------------------------------------------------------
def cmd_run(args: argparse.Namespace, console: Console) -> int:
    lang = detect_language(args.lang)
    loaded = find_lesson(args.lesson, args.lessons)
    session = Session()
    runtime = open_runtime(session)
    run = LessonRun(loaded, runtime, session=session, lang=lang)
    events = inspected(run) if args.inspect else run.events()
    if args.json:
        return 0 if print_json(events, console) else 1
    console.print(f"[bold]{escape(pick(loaded.lesson.title, lang))}[/]")
    renderer = RichRenderer(console)
    ok = False
    for event in events:
        renderer(event)
        ok = getattr(event, "ok", ok)
    return 0 if ok else 1


def inspected(run: LessonRun) -> Generator[Event, None, None]:
    """The run's events, then the drift between its setups, collected before anything is removed.

    The containers outlive the verdict only to be inspected; they are torn down in a ``finally``,
    so Ctrl+C, SIGTERM or a failure while inspecting leaves nothing behind.
    """
    stream = run.events(keep=True)
    try:
        yield from stream
        found: list[Event] = []
        run.inspect(found.append)
        yield from found
    finally:
        with _signals_deferred():
            if isinstance(stream, Generator):
                stream.close()  # a stream stopped early tears down on its own; this stops it now
            run.cancelled.set()
            removed = run.teardown()
    yield CleanupFinished(removed)


def cmd_inspect(args: argparse.Namespace, console: Console) -> int:
    """Run a lesson's setups, fingerprint them from outside, print only the drift between them."""
    lang = detect_language(args.lang)
    loaded = find_lesson(args.lesson, args.lessons)
    session = Session()
    run = LessonRun(loaded, open_runtime(session), session=session, lang=lang)
    busy = console.status(f"running the setups of {loaded.lesson.id} and inspecting them…")
    # The same stream as `run --inspect`: it joins the setup threads before its last teardown, so
    # an interruption at any moment leaves nothing behind; only the drift and errors are shown.
    with nullcontext() if args.json else busy, closing(inspected(run)) as events:
        shown = [e for e in events if isinstance(e, ErrorRaised | InspectionFinished)]
    if args.json:
        print_json(shown, console)
    else:
        console.print(f"[bold]{escape(pick(loaded.lesson.title, lang))}[/]")
        renderer = RichRenderer(console)
        for event in shown:
            renderer(event)
    finished = next((e for e in shown if isinstance(e, InspectionFinished)), None)
    return 0 if finished is not None and not finished.skipped else 1


@contextmanager
def _signals_deferred() -> Iterator[None]:
    """Let a teardown finish: Ctrl+C, SIGTERM or SIGHUP arriving meanwhile is raised right after it.

    Without this, a second Ctrl+C (or a first one landing during the teardown) stops the removal
    half-way and leaves a network behind until the next start sweeps it.
    """
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread receives signals
        return
    caught: list[int] = []
    held = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    previous = {sig: signal.signal(sig, lambda signum, _frame: caught.append(signum)) for sig in held}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if caught:
            signal.raise_signal(caught[0])  # now handled as usual (KeyboardInterrupt, Interrupted)


def cmd_test(args: argparse.Namespace, console: Console) -> int:
    catalog = _catalog(args, console)
    if args.all or not args.lessons_to_test:
        if not args.all:
            raise LessonError("name the lessons to prove, or pass --all", hint="see `envlab list`")
        chosen = catalog.lessons
    else:
        chosen = [catalog.get(ref) for ref in args.lessons_to_test]
    runtime = open_runtime()
    table = Table(title="lesson proofs", title_justify="left")
    for column in ("lesson", "round", "result", "time"):
        table.add_column(column)
    failed = 0
    for loaded in chosen:
        with console.status(f"proving {loaded.lesson.id} ({args.rounds} rounds)…"):
            proof = prove(loaded, runtime, rounds=args.rounds, lang=detect_language(args.lang))
        for rnd in proof.rounds:
            result = "[green]✓ proven[/]" if rnd.ok else "[red]✗ " + escape("\n".join(rnd.failures)) + "[/]"
            table.add_row(proof.lesson, str(rnd.number), result, f"{rnd.duration:.1f}s")
        failed += not proof.ok
        mark = "[green]✓[/]" if proof.ok else "[red]✗[/]"
        console.print(f"{mark} {proof.lesson}: {sum(r.ok for r in proof.rounds)}/{len(proof.rounds)} rounds proven")
    console.print(table)
    if failed:
        console.print(f"[bold red]{failed} of {len(chosen)} lesson(s) not proven[/]")
        return 1
    console.print(f"[bold green]all {len(chosen)} lesson(s) proven[/]")
    return 0


# images --------------------------------------------------------------------------------------------
def cmd_images(args: argparse.Namespace, console: Console) -> int:
    needs = image_needs(_catalog(args, console).lessons)
    runtime = DockerRuntime(connect())
    if args.images_command == "list":
        table = Table(title="images", title_justify="left")
        for column in ("image", "kind", "state", "lessons"):
            table.add_column(column)
        missing = 0
        for need in needs:
            present = runtime.image_present(need.tag)
            missing += not present
            state = "[green]present[/]" if present else "[red]missing[/]"
            table.add_row(need.tag, need.kind, state, ", ".join(need.lessons))
        console.print(table)
        return 1 if missing else 0
    return _prepare(needs, runtime, console)


def _prepare(needs: list[ImageNeed], runtime: DockerRuntime, console: Console) -> int:
    started = time.monotonic()
    results: list[Prepared] = []
    columns = (SpinnerColumn(), TextColumn("{task.fields[tag]:<34}"), BarColumn(),
               TextColumn("{task.description}", markup=False), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        tasks = {n.tag: progress.add_task("waiting", total=1.0, tag=n.tag) for n in needs}

        def note(need: ImageNeed, text: str, fraction: float | None) -> None:
            progress.update(tasks[need.tag], description=text.strip()[:60], completed=fraction)

        # Bases are independent downloads; hosts and fixes build on them, so go in phases.
        for kind in ("base", "host", "fix", "service"):
            phase = [n for n in needs if n.kind == kind]
            with ThreadPoolExecutor(max_workers=3) as pool:
                for result in pool.map(lambda n: prepare_one(runtime, n, note), phase):
                    results.append(result)
                    label = result.action if result.action != "failed" else "FAILED"
                    progress.update(tasks[result.need.tag], completed=1.0, description=label)
    failed = [r for r in results if r.action == "failed"]
    for result in failed:
        console.print(f"[bold red]✗ {escape(result.need.tag)}:[/] {escape(result.message)}")
        if result.hint:
            console.print(f"  [dim]hint:[/] {escape(result.hint)}")
    counts = {a: sum(r.action == a for r in results) for a in ("present", "pulled", "bootstrapped", "built")}
    summary = ", ".join(f"{n} {a}" for a, n in counts.items() if n)
    console.print(f"{len(results)} image(s): {summary or 'none'}; {len(failed)} failed "
                  f"in {time.monotonic() - started:.1f}s")
    return 1 if failed else 0


# doctor and clean ----------------------------------------------------------------------------------
def cmd_doctor(args: argparse.Namespace, console: Console) -> int:
    where = endpoint()
    console.print(f"Docker endpoint: {escape(where.url)} (from {where.source})")
    try:
        runtime = DockerRuntime(connect())
        version = runtime.client.version()
    except EnvlabError as exc:
        console.print(f"[red]✗ engine unreachable:[/] {escape(exc.message)}")
        console.print(f"  [dim]what to do:[/] {escape(exc.hint)}")
        return 1
    console.print(f"[green]✓ engine reachable:[/] Docker {version.get('Version')} (API {version.get('ApiVersion')}), "
                  f"{version.get('Os')}/{version.get('Arch')}, kernel {version.get('KernelVersion')}")
    problems = 0
    needs = image_needs(_catalog(args, console).lessons)
    missing = [n for n in needs if not runtime.image_present(n.tag)]
    console.print(f"{'[green]✓' if not missing else '[red]✗'} images:[/] {len(needs) - len(missing)} of "
                  f"{len(needs)} present")
    for need in missing:
        console.print(f"   missing {need.tag} ({need.kind}, for {', '.join(need.lessons)})")
    if missing:
        problems += 1
        console.print("  [dim]what to do:[/] run `envlab images prepare`")
    leftovers = runtime.list_resources()
    if leftovers:
        console.print(f"[yellow]! {len(leftovers)} envlab container(s)/network(s) on the engine[/] "
                      "(a run in progress, or leftovers)")
        console.print("  [dim]what to do:[/] `envlab clean` removes them")
    return 1 if problems else 0


def cmd_clean(args: argparse.Namespace, console: Console) -> int:
    runtime = DockerRuntime(connect())
    removal = clean_everything(runtime)
    for resource in removal.removed:
        console.print(f"removed {resource.kind} {escape(resource.name)}")
    for resource, why in removal.failed:
        console.print(f"[red]could not remove {resource.kind} {escape(resource.name)}:[/] {escape(why)}")
    console.print(f"{len(removal.removed)} removed, {len(removal.failed)} failed")
    if not removal.failed and ServiceRuntime(runtime).leave_swarm_if_ours():
        console.print("left the single-node swarm envlab had initialized")
    return 1 if removal.failed else 0


# progress ------------------------------------------------------------------------------------------
def cmd_progress(args: argparse.Namespace, console: Console) -> int:
    from envlab.engine.progress import ProgressStore

    store = ProgressStore.open_default(args.profile)
    path = Path(args.file)
    if args.progress_command == "export":
        count = store.export_file(path)
        console.print(f"exported {count} lesson record(s) to {escape(str(path))}")
    else:
        count = store.import_file(path)
        console.print(f"merged {count} lesson record(s) from {escape(str(path))} into {escape(str(store.path))}")
    return 0
