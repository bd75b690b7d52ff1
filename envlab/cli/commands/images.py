"""`envlab images prepare|list|export|import`: the images the lessons need, made present, listed, or
carried to another machine in one bundle file."""

from __future__ import annotations

import argparse
import json
import threading
import time
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TransferSpeedColumn,
)
from rich.table import Table

from envlab.cli.commands.common import catalog
from envlab.cli.root import open_runtime
from envlab.engine import bundle
from envlab.engine.images import ImageNeed, image_needs
from envlab.engine.prepare import Prepared, prepare_all
from envlab.errors import EnvlabError
from envlab.runtime.contract import Runtime


def run(args: argparse.Namespace, console: Console) -> int:
    if args.images_command == "import":
        return _import(args.file, open_runtime(sweep=False), console)
    needs = lesson_images(args)
    runtime = open_runtime(sweep=False)
    match args.images_command:
        case "list":
            return _list(needs, runtime, console, bundle_file=args.bundle, as_json=args.json)
        case "export":
            return _export(needs, runtime, args.file, console)
        case _:
            return _prepare(needs, runtime, console)


def lesson_images(args: argparse.Namespace) -> list[ImageNeed]:
    """The images of every lesson, or of the lessons ``--lesson`` names.

    Raises:
        EnvlabError: ``--lesson`` names a lesson the catalog does not have.
    """
    lessons = catalog(args).lessons
    wanted = getattr(args, "only", None) or []
    if wanted:
        known = {loaded.lesson.id for loaded in lessons}
        unknown = [w for w in wanted if w not in known]
        if unknown:
            raise EnvlabError(f"no lesson {', '.join(unknown)}", hint="`envlab list` shows every lesson's id")
        lessons = [loaded for loaded in lessons if loaded.lesson.id in wanted]
    return image_needs(lessons)


def _list(needs: list[ImageNeed], runtime: Runtime, console: Console, *, bundle_file: Path | None,
          as_json: bool) -> int:
    manifest = bundle.read_manifest(bundle_file) if bundle_file is not None else None
    rows = []
    facts = runtime.image_facts([n.tag for n in needs])
    for need in needs:
        present = need.tag in facts
        held = manifest.image(need.tag) if manifest is not None else None
        row: dict[str, object] = {"tag": need.tag, "kind": need.kind, "state": "present" if present else "missing",
                                  "id": facts[need.tag].id if present else None, "lessons": list(need.lessons)}
        if manifest is not None:
            row["in_bundle"] = held is not None
            row["matches_bundle"] = held is not None and held.id == row["id"]
        rows.append(row)
    missing = sum(r["state"] == "missing" for r in rows)
    if as_json:
        console.out(json.dumps({"images": rows, "missing": missing}, indent=2), highlight=False)
        return 1 if missing else 0
    table = Table(title="images", title_justify="left")
    table.add_column("image", no_wrap=True, overflow="fold")
    table.add_column("kind")
    table.add_column("state")
    if manifest is not None:
        table.add_column("bundle")
    table.add_column("lessons", overflow="fold")
    for need, row in zip(needs, rows, strict=True):
        state = "[green]present[/]" if row["state"] == "present" else "[red]missing[/]"
        cells = [escape(str(row["tag"])), str(row["kind"]), state]
        if manifest is not None:
            cells.append("[red]not in bundle[/]" if not row["in_bundle"] else
                         "in bundle" if row["state"] == "missing" or row["matches_bundle"] else
                         "[yellow]in bundle, differs[/]")
        cells.append(escape(", ".join(need.lessons)))
        table.add_row(*cells)
    console.print(table, width=max(console.width, 160) if not console.is_terminal else None)
    console.print(f"{len(rows) - missing} of {len(rows)} present" + (
        "" if not missing else "; `envlab images prepare` (or `envlab images import BUNDLE`) makes the rest"))
    return 1 if missing else 0


def _prepare(needs: list[ImageNeed], runtime: Runtime, console: Console) -> int:
    started = time.monotonic()
    results: list[Prepared] = []
    cancel = threading.Event()
    columns = (SpinnerColumn(), TextColumn("{task.fields[tag]:<34}"), BarColumn(),
               TextColumn("{task.description}", markup=False), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        tasks = {n.tag: progress.add_task("waiting", total=1.0, tag=n.tag, start=False) for n in needs}

        def note(need: ImageNeed, text: str, fraction: float | None) -> None:
            progress.start_task(tasks[need.tag])
            progress.update(tasks[need.tag], description=text.strip()[:60], completed=fraction)

        try:
            for result in prepare_all(runtime, needs, note, cancel=cancel):
                results.append(result)
                label = result.action if result.action != "failed" else "FAILED"
                progress.start_task(tasks[result.need.tag])
                progress.update(tasks[result.need.tag], completed=1.0, description=label)
        except KeyboardInterrupt:
            cancel.set()  # what runs finishes; the next prepare goes on from what is present
            raise
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


def _bytes_progress(console: Console) -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
                    TimeElapsedColumn(), console=console, transient=False)


def _export(needs: list[ImageNeed], runtime: Runtime, path: Path, console: Console) -> int:
    started = time.monotonic()
    with _bytes_progress(console) as progress:
        task = progress.add_task(f"saving {len(needs)} image(s)", total=None)
        manifest = bundle.export_bundle(runtime, needs, path,
                                        lambda done, total: progress.update(task, completed=done, total=total))
    payload = manifest.payload
    console.print(f"[green]✓[/] {escape(str(path))}: {len(manifest.images)} image(s), "
                  f"{payload.archive_bytes / 1e6:.0f} MB of archive in {payload.bytes / 1e6:.0f} MB "
                  f"({payload.bytes / max(payload.archive_bytes, 1):.0%}) in {time.monotonic() - started:.1f}s")
    return 0


def _import(path: Path, runtime: Runtime, console: Console) -> int:
    started = time.monotonic()
    manifest = bundle.read_manifest(path)
    arch = runtime.engine_info().arch
    if manifest.arch != arch:
        raise bundle.BundleError(f"{path} holds images for {manifest.arch}; this engine runs {arch}",
                                 hint="export a bundle on a machine of this kind")
    plan = bundle.plan_import(runtime, manifest)
    with _bytes_progress(console) as progress:
        checking = progress.add_task("checking", total=manifest.payload.bytes)
        bundle.verify(path, manifest, lambda done, total: progress.update(checking, completed=done, total=total))
        loading = progress.add_task("loading", total=manifest.payload.bytes)
        done = bundle.import_bundle(runtime, path, manifest, plan,
                                    lambda n, total: progress.update(loading, completed=n, total=total),
                                    lambda line: None)
        progress.update(loading, completed=manifest.payload.bytes)
    for item in done:
        if item.action == "kept":
            console.print(f"[yellow]! {escape(item.image.tag)}[/] is on this engine as another image; kept it "
                          "(remove it with `docker rmi` and import again to take the bundle's)")
    counts = {a: sum(i.action == a for i in done) for a in ("loaded", "present", "kept")}
    console.print(f"[green]✓[/] {len(done)} image(s) from {escape(str(path))}: "
                  + ", ".join(f"{n} {a}" for a, n in counts.items() if n)
                  + f" in {time.monotonic() - started:.1f}s (envlab {escape(manifest.envlab_version)}, "
                  f"{escape(manifest.created)})")
    return 0
