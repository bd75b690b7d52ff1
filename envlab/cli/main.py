"""The `envlab` command: argument parsing, then the TUI or one headless command, with errors said plainly."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from rich.console import Console
from rich.markup import escape

from envlab import __version__, heap
from envlab.cli.commands import dev, kiosk, progress
from envlab.errors import EnvlabError, Interrupted

INTERNAL_ERROR = 70  # EX_SOFTWARE


def _options(*, top: bool) -> argparse.ArgumentParser:
    """The options every command takes, before or after its name.

    A subcommand's parser would overwrite what was given before the command name with its own
    defaults, so its copies default to "not given" and land in their own attribute (merged below).
    """
    options = argparse.ArgumentParser(add_help=False)
    options.add_argument("--lessons", metavar="DIR", action="append", dest="lessons" if top else "sub_lessons",
                         default=[] if top else argparse.SUPPRESS,
                         help="add a folder of lesson files (repeatable; also ENVLAB_LESSONS)")
    options.add_argument("--lang", choices=["en", "ja"], default=None if top else argparse.SUPPRESS,
                         help="language of lesson texts (also ENVLAB_LANG)")
    return options


def _parser() -> argparse.ArgumentParser:
    common = _options(top=False)
    parser = argparse.ArgumentParser(
        prog="envlab", parents=[_options(top=True)],
        description="Learn why 'it works on my machine' happens, on real containers. "
        "Without a command, starts the interactive course.",
    )
    parser.add_argument("--version", action="version", version=f"envlab {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    lister = sub.add_parser("list", parents=[common], help="packs, chapters and lessons, in order")
    lister.add_argument("--json", action="store_true", help="one JSON document instead of tables")
    run = sub.add_parser("run", parents=[common], help="run a lesson headless and show every step")
    run.add_argument("lesson", metavar="LESSON", help="a lesson id or a path to a lesson file")
    run.add_argument("--json", action="store_true", help="print one JSON event per line")
    run.add_argument("--inspect", action="store_true",
                     help="after the verdict, show what differs between the setups and what is shared")
    inspect = sub.add_parser("inspect", parents=[common],
                             help="run a lesson's setups and show only what differs between them")
    inspect.add_argument("lesson", metavar="LESSON", help="a lesson id or a path to a lesson file")
    inspect.add_argument("--json", action="store_true", help="print the inspection as JSON events")
    validate = sub.add_parser("validate", parents=[common], help="check lesson files (file:line:col problems)")
    validate.add_argument("paths", nargs="*", metavar="PATH", help="lesson files or folders (default: all)")
    test = sub.add_parser("test", parents=[common], help="prove lessons on the engine, twice each")
    test.add_argument("lessons_to_test", nargs="*", metavar="LESSON")
    test.add_argument("--all", action="store_true", help="prove every known lesson")
    test.add_argument("--rounds", type=int, default=2, help=argparse.SUPPRESS)
    test.add_argument("--junit", type=Path, metavar="FILE", help="also write the proofs as JUnit XML to FILE")
    images = sub.add_parser("images", parents=[common], help="the images lessons need")
    images_sub = images.add_subparsers(dest="images_command", metavar="ACTION", required=True)
    only = argparse.ArgumentParser(add_help=False)
    only.add_argument("--lesson", dest="only", action="append", default=[], metavar="ID",
                      help="only the images of this lesson (repeatable; default: every lesson)")
    images_sub.add_parser("prepare", parents=[common, only], help="make every image the lessons need available")
    listing = images_sub.add_parser("list", parents=[common, only],
                                    help="which images are present, missing, or in a bundle")
    listing.add_argument("--bundle", type=Path, metavar="FILE", help="also say which images FILE holds")
    listing.add_argument("--json", action="store_true", help="one JSON document instead of a table")
    export = images_sub.add_parser("export", parents=[common, only],
                                   help="write every image the lessons need into one bundle file")
    export.add_argument("file", type=Path, metavar="FILE")
    load = images_sub.add_parser("import", parents=[common],
                                 help="load a bundle's images (no network needed); checks it whole first")
    load.add_argument("file", type=Path, metavar="FILE")
    doctor = sub.add_parser("doctor", parents=[common, only],
                            help="check Docker and images; say what to do about problems")
    doctor.add_argument("--kiosk", action="store_true",
                        help="a readiness report for an offline kiosk: images, disk, memory, Swarm, terminal")
    doctor.add_argument("--bundle", type=Path, metavar="FILE", help="check the images against this bundle")
    clean = sub.add_parser("clean", parents=[common],
                           help="remove what envlab sessions left on the engine (asks before touching a live one)")
    clean.add_argument("--yes", action="store_true", help="also remove what live sessions have, without asking")
    schema = sub.add_parser("schema", parents=[common], help="print the lesson JSON Schema (--pack: pack.yaml's)")
    schema.add_argument("--pack", action="store_true", help="the schema of a pack's pack.yaml instead")
    new = sub.add_parser("new", parents=[common], help="write a lesson to start from (drift, scenario) or a pack")
    new.add_argument("kind", choices=["drift", "scenario", "pack"], metavar="KIND", help="drift, scenario or pack")
    new.add_argument("dest", metavar="DEST", help="the folder to write into (created if missing)")
    new.add_argument("--id", help="the lesson's id (for a pack: the pack's, and its lessons' prefix)")
    progress.add_arguments(sub, common)
    kiosk.add_arguments(sub, common)
    dev.add_arguments(sub, common)
    return parser


def _raise_interrupted(signum: int, _frame: FrameType | None) -> None:
    # Turning SIGTERM/SIGHUP into an exception unwinds through every `finally`, so a kiosk that shuts
    # down mid-run still tears down its containers.
    raise Interrupted(f"stopped by {signal.Signals(signum).name}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `envlab` command; return its exit code."""
    heap.hold()  # until start-up is done: the TUI after its first frame, a command once its modules load
    try:
        return _main(argv)
    finally:
        heap.resume()
        root = sys.modules.get("envlab.cli.root")  # loaded only when a command opened a runtime
        if root is not None:
            root.release_leases()


def _main(argv: Sequence[str] | None) -> int:
    args = _parser().parse_args(argv)
    args.lessons = [*args.lessons, *getattr(args, "sub_lessons", [])]
    console = Console(stderr=False, highlight=False)
    errors = Console(stderr=True, highlight=False)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _raise_interrupted)
    # Ctrl+C always stops envlab cleanly, even when it was started with SIGINT ignored (a background
    # job of a shell without job control inherits that): its containers must still go.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        if args.command is None:
            from envlab.cli.root import open_runtime
            from envlab.ui.app import run_app

            return run_app(lessons=args.lessons, lang=args.lang, runtime=open_runtime)
        from envlab.cli.commands import handler as command

        handler = command(args.command)
        heap.settle()
        return handler(args, console)
    except KeyboardInterrupt:
        errors.print("[yellow]interrupted[/]: everything this run started has been removed")
        return Interrupted.exit_code
    except EnvlabError as exc:
        errors.print(f"[bold red]error:[/] {escape(exc.message)}")
        if exc.hint:
            errors.print(f"  [dim]hint:[/] {escape(exc.hint)}")
        return exc.exit_code
    except Exception as exc:  # a bug: say so plainly; the traceback is one variable away
        if os.environ.get("ENVLAB_DEBUG"):
            raise
        errors.print(f"[bold red]internal error:[/] {escape(type(exc).__name__)}: {escape(str(exc))}")
        errors.print("  [dim]hint:[/] this is a bug in envlab; run again with ENVLAB_DEBUG=1 for the details")
        return INTERNAL_ERROR


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
