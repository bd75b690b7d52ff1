"""The drift inspector: fingerprint running setups from outside; show exactly what differs.

A fingerprint is an ordered set of items (OS release, kernel, C library, runtimes, declared
packages, environment variables, locale, time zone, declared config files), each collected
through the runtime: files are read through the archive API, the rest with short read-only
commands. Comparing the fingerprints of a lesson's bare hosts and its containerized fix shows the
learner what drifted, and what every setup shares: the one kernel of the engine they all run on.
"""

from __future__ import annotations

import hashlib
import re
import shlex
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Literal

from envlab.engine.wording import WORDS, Words
from envlab.lessons.model import DriftLesson
from envlab.runtime.bounds import FileTooLarge
from envlab.runtime.contract import Runtime

DriftStatus = Literal["same", "differs", "missing", "unknown"]
#: How each status reads in every face.
STATUS_LABELS: dict[str, str] = {status: Words(f"status.{status}") for status in ("same", "differs", "missing",
                                                                                "unknown")}

#: The variable every lesson compares by default: it decides which programs a command finds.
DEFAULT_ENV = ("PATH",)
#: How a missing value reads, by item kind (the part of the key before ``:``).
MISSING = {"python": Words("value.not_installed"), "openssl": Words("value.not_installed"),
           "package": Words("value.not_installed"), "env": Words("value.unset"), "file": Words("value.absent"),
           "libc": Words("value.not_found")}
OS_RELEASE = ("/etc/os-release", "/usr/lib/os-release")  # the os-release(5) lookup order
TIMEOUT = 20.0
#: A probe that did not finish is asked again, each time with twice the time: on a loaded machine a
#: `uname -r` can take seconds, and a missed answer must never read as a value.
ATTEMPTS = 3
UNREAD = Words("value.unread")


@dataclass(frozen=True)
class InspectSpec:
    """What to collect besides the fixed items, and which items the lesson says matter.

    Attributes:
        packages: Debian packages whose installed version is compared.
        env: Environment variables (from the container's configuration) compared.
        files: Absolute paths of config files compared by presence and sha256.
        focus: Item keys that explain the lesson's outcome (``os``, ``python``, ``package:NAME``).
    """

    packages: tuple[str, ...] = ()
    env: tuple[str, ...] = DEFAULT_ENV
    files: tuple[str, ...] = ()
    focus: tuple[str, ...] = ()

    @classmethod
    def for_lesson(cls, lesson: DriftLesson) -> InspectSpec:
        """The lesson's ``inspect:`` section with its defaults filled in.

        Packages default to every package the hosts declare; variables to ``PATH`` and every
        variable a setup declares. A focused ``package:``, ``env:`` or ``file:`` item is always
        collected, so a focus can never point at a row that is not there.
        """
        section = lesson.inspect
        packages = section.packages
        if packages is None:
            packages = [p for host in lesson.hosts for p in host.packages]
        env = section.env
        if env is None:
            env = [*DEFAULT_ENV, *(name for setup in lesson.setups for name in setup.env)]
        focused: dict[str, list[str]] = {"package": [], "env": [], "file": []}
        for key in section.focus:
            kind, _, name = key.partition(":")
            if kind in focused:
                focused[kind].append(name)
        return cls(
            packages=tuple(dict.fromkeys([*packages, *focused["package"]])),
            env=tuple(dict.fromkeys([*env, *focused["env"]])),
            files=tuple(dict.fromkeys([*section.files, *focused["file"]])),
            focus=tuple(section.focus),
        )


@dataclass(frozen=True)
class Fingerprint:
    """What one setup looks like from outside.

    Attributes:
        items: Item key → value, in collection order; ``None`` when the thing is not there
            (a runtime not installed, a variable unset, a file absent).
        unread: Items whose probe never answered, even when asked again: not a value at all.
    """

    items: dict[str, str | None] = field(default_factory=dict)
    unread: frozenset[str] = frozenset()


@dataclass(frozen=True)
class DriftRow:
    """One item compared across setups.

    Attributes:
        key: The item key, as a lesson's ``focus`` names it (``os``, ``package:python3``).
        label: The item as people read it.
        values: Setup → the value shown (a missing value reads "not installed", "unset", ...).
        status: ``same`` everywhere, ``differs`` between setups, or ``missing`` on some of them.
        missing_in: The setups where the item is not there.
        shared_kernel: The kernel row when every setup reports one kernel: they all run on it.
        cause: The lesson marks this item as the one that explains its outcome.
    """

    key: str
    label: str
    values: dict[str, str]
    status: DriftStatus
    missing_in: list[str] = field(default_factory=list)
    shared_kernel: bool = False
    cause: bool = False


@dataclass(frozen=True)
class DriftReport:
    """Every item of the fingerprints, compared; JSON-ready through :func:`dataclasses.asdict`."""

    setups: list[str]
    rows: list[DriftRow]

    def row(self, key: str) -> DriftRow | None:
        """The row of item ``key``, if it was collected."""
        return next((r for r in self.rows if r.key == key), None)

    @property
    def drifted(self) -> list[DriftRow]:
        """Rows that differ or are missing somewhere (an unread row is not known to differ)."""
        return [r for r in self.rows if r.status in ("differs", "missing")]

    @property
    def unread(self) -> list[DriftRow]:
        """Rows some setup never answered for."""
        return [r for r in self.rows if r.status == "unknown"]

    @property
    def shared(self) -> list[DriftRow]:
        """Rows that are the same everywhere."""
        return [r for r in self.rows if r.status == "same"]

    @property
    def causes(self) -> list[DriftRow]:
        """Rows the lesson marks as the cause."""
        return [r for r in self.rows if r.cause]


SummaryKind = Literal["drift", "same", "cause", "kernel", "skipped", "unread"]


@dataclass(frozen=True)
class SummaryLine:
    """One sentence of what a drift report means; each face styles it by ``kind``."""

    kind: SummaryKind
    lead: str  # the highlighted start, e.g. "3 of 11 items differ:"
    text: str


def summarize(report: DriftReport, skipped: Iterable[str] = ()) -> list[SummaryLine]:
    """What differs, what the lesson names as the cause, and what is shared (the kernel)."""
    lines: list[SummaryLine] = []
    if report.drifted:
        lines.append(SummaryLine("drift", Words("summary.drift", n=len(report.drifted), total=len(report.rows)),
                                 Words("list", items=[r.label for r in report.drifted])))
    elif not report.unread:
        lines.append(SummaryLine("same", Words("summary.same", total=len(report.rows)), ""))
    if report.unread:
        lines.append(SummaryLine("unread", Words("summary.unread_lead"),
                                 Words("summary.unread", names=[r.label for r in report.unread])))
    if report.causes:
        same = [r.label for r in report.causes if r.status == "same"]
        note = Words("summary.cause_same", names=same) if same else ""
        lines.append(SummaryLine("cause", Words("summary.cause_lead"),
                                 Words("summary.cause", names=[r.label for r in report.causes], note=note)))
    kernel = report.row("kernel")
    if kernel is not None and kernel.shared_kernel:
        release = next(iter(kernel.values.values()))
        lines.append(SummaryLine("kernel", Words("summary.shared_lead"), Words("summary.shared", release=release)))
    skipped = list(skipped)
    if skipped:
        lines.append(SummaryLine("skipped", Words("summary.skipped_lead"), Words("list", items=list(skipped))))
    return lines


def short_value(value: str, width: int | None = None) -> str:
    """A value shortened for a table cell: enough of a digest to tell files apart, long text cut."""
    if value.startswith("sha256:"):
        return value[:19] + "…"
    if width is not None and len(value) > width:
        return value[: width - 1] + "…"
    return value


def label(key: str) -> str:
    """How an item key reads in a table: ``package:python3`` → ``package python3``."""
    kind, _, name = key.partition(":")
    return Words(f"item.{kind}", name=name) if f"item.{kind}" in WORDS else key.replace(":", " ", 1)


def shown(key: str, value: str | None) -> str:
    """A value as people read it; a missing one says how it is missing."""
    if value is not None:
        return value
    return MISSING.get(key.split(":", 1)[0], Words("value.unknown"))


def diff(fingerprints: Mapping[str, Fingerprint], *, focus: Iterable[str] = ()) -> DriftReport:
    """Compare fingerprints item by item.

    Args:
        fingerprints: Setup name → its fingerprint, in the order the columns should appear.
        focus: Item keys the lesson marks as the cause of its outcome.
    """
    setups = list(fingerprints)
    causes = set(focus)
    keys = dict.fromkeys(k for fp in fingerprints.values() for k in fp.items)
    rows = []
    for key in keys:
        raw = {s: fingerprints[s].items.get(key) for s in setups}
        unread = [s for s in setups if key in fingerprints[s].unread]
        missing_in = [s for s, v in raw.items() if v is None and s not in unread]
        status: DriftStatus = "same"
        if unread:
            status = "unknown"  # what could not be read is neither the same nor different
        elif len(set(raw.values())) > 1:
            status = "missing" if missing_in else "differs"
        values = {s: UNREAD if s in unread else shown(key, v) for s, v in raw.items()}
        rows.append(DriftRow(
            key=key, label=label(key), values=values,
            status=status, missing_in=missing_in if status == "missing" else [],
            shared_kernel=key == "kernel" and status == "same" and not missing_in,
            cause=key in causes,
        ))
    return DriftReport(setups, rows)


# collecting ------------------------------------------------------------------------------------
Parse = Callable[[int, str], str | None]


def collect(runtime: Runtime, container: str, *, spec: InspectSpec) -> Fingerprint:
    """Fingerprint one running container from outside.

    Nothing is installed or changed in it: files are read through the runtime, the rest comes from
    short read-only commands (``uname -r``, ``python3 --version``, ``dpkg-query``...).

    Raises:
        EnvlabError: The container is gone or the engine stopped answering.
    """
    probes = dict(PROBES)
    for package in spec.packages:
        query = f"dpkg-query -W -f='${{db:Status-Status}} ${{Version}}' {shlex.quote(package)}"
        probes[f"package:{package}"] = (f"{query} 2>/dev/null", parse_dpkg)

    unread: set[str] = set()

    def run(key: str, command: str, parse: Parse) -> str | None:
        for attempt in range(ATTEMPTS):
            result = runtime.exec(container, command, on_line=lambda _line: None, timeout=TIMEOUT * 2**attempt)
            if not result.timed_out:
                return parse(result.exit_code, result.output)
        unread.add(key)
        return None

    # Each command is a round trip to the engine; a few at once keep a fingerprint under a second.
    with ThreadPoolExecutor(max_workers=4, thread_name_prefix="envlab-inspect") as pool:
        pending = {key: pool.submit(run, key, *probe) for key, probe in probes.items()}
        items: dict[str, str | None] = {"os": parse_os_release(_os_release(runtime, container))}
        items.update({key: future.result() for key, future in pending.items()})
    env = runtime.container_env(container)
    items.update({f"env:{name}": env.get(name) for name in spec.env})
    for path in spec.files:
        try:
            data = runtime.read_file(container, path)
        except FileTooLarge:  # too large to read: not a value, and not "absent" either
            unread.add(f"file:{path}")
            items[f"file:{path}"] = None
            continue
        digest = hashlib.sha256(data).hexdigest() if data is not None else None
        items[f"file:{path}"] = f"sha256:{digest}" if digest else None
    return Fingerprint(items, frozenset(unread))


def _os_release(runtime: Runtime, container: str) -> str | None:
    for path in OS_RELEASE:
        data = runtime.read_file(container, path)  # /etc/os-release is usually a symlink: try both
        if data is not None:
            return data.decode("utf-8", errors="replace")
    return None


def parse_os_release(text: str | None) -> str | None:
    """``PRETTY_NAME`` of an os-release file, else ``NAME VERSION_ID``; ``None`` without one."""
    if text is None:
        return None
    fields: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            fields[key.strip()] = value.strip().strip("\"'")
    plain = " ".join(v for v in (fields.get("NAME"), fields.get("VERSION_ID")) if v)
    return fields.get("PRETTY_NAME") or plain or None


def _first_line(code: int, output: str) -> str | None:
    lines = output.strip().splitlines()
    return lines[0].strip() if code == 0 and lines else None


def parse_libc(code: int, output: str) -> str | None:
    """``glibc 2.36`` from getconf or ldd; ``musl 1.2.4`` from musl's ldd (which exits 1)."""
    if match := re.search(r"glibc (\S+)", output):
        return f"glibc {match.group(1)}"
    if match := re.search(r"GLIBC[^)]*\)\s+(\S+)", output):
        return f"glibc {match.group(1)}"
    if "musl" in output:
        match = re.search(r"Version\s+(\S+)", output)
        return f"musl {match.group(1)}" if match else "musl"
    return None


def parse_openssl(code: int, output: str) -> str | None:
    """``OpenSSL 3.0.15`` without the build date and library details."""
    line = _first_line(code, output)
    return " ".join(line.split()[:2]) if line else None


def parse_dpkg(code: int, output: str) -> str | None:
    """The version of an installed package; ``None`` when dpkg does not have it installed."""
    status, _, version = output.strip().partition(" ")
    return version if code == 0 and status == "installed" and version else None


def parse_timezone(code: int, output: str) -> str:
    """``Etc/UTC`` from a zoneinfo link or /etc/timezone; ``TZ=...`` when the variable decides."""
    zone = output.strip().splitlines()[0].strip() if output.strip() else ""
    zone = re.sub(r"^.*/zoneinfo/", "", zone)
    return zone or Words("value.no_zone")


def parse_locale(code: int, output: str) -> str:
    """The locale a program gets from ``LC_ALL`` or ``LANG``; neither set means POSIX."""
    return output.strip() or Words("value.lang_unset")


# The zone a process gets: TZ if set, else the /etc/localtime link, else Debian's /etc/timezone.
TIMEZONE = (
    'if [ -n "${TZ:-}" ]; then echo "TZ=$TZ"; '
    "elif [ -L /etc/localtime ]; then readlink /etc/localtime; "
    "elif [ -f /etc/timezone ]; then cat /etc/timezone; fi"
)
#: Item key → the read-only command that shows it, and how to read its output (in item order).
PROBES: dict[str, tuple[str, Parse]] = {
    "kernel": ("uname -r", _first_line),
    "libc": ("getconf GNU_LIBC_VERSION 2>/dev/null || ldd --version 2>&1", parse_libc),
    "python": ("python3 --version 2>&1", _first_line),
    "openssl": ("openssl version 2>&1", parse_openssl),
    "locale": ('printf "%s" "${LC_ALL:-${LANG:-}}"', parse_locale),
    "timezone": (TIMEZONE, parse_timezone),
}
