"""The drift inspector without an engine: diff() on hand-made fingerprints, parsing, the lesson
section, the event, the table, and the CLI's run-then-inspect stream on a scripted fake runtime."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from envlab.engine.drift.run import DriftRun
from envlab.engine.events import CleanupFinished, InspectionFinished, LessonFinished
from envlab.engine.inspect import (
    DriftReport,
    Fingerprint,
    InspectSpec,
    diff,
    parse_dpkg,
    parse_libc,
    parse_os_release,
    parse_timezone,
    summarize,
)
from envlab.headless import drift_table
from envlab.lessons.catalog import load_catalog
from envlab.lessons.loader import LessonFileError, LoadedLesson, load_lesson
from envlab.runtime.contract import ContainerSpec
from envlab.runtime.fake import FakeRuntime
from tests.helpers import REPO, os_skew_runtime

BULLSEYE = Fingerprint({
    "os": "Debian GNU/Linux 11 (bullseye)", "kernel": "6.1.0", "libc": "glibc 2.31",
    "python": "Python 3.9.2", "package:python3-pip": "20.3.4-4", "env:APP_MODE": None,
    "file:/etc/app.toml": "sha256:aa",
})
BOOKWORM = Fingerprint({
    "os": "Debian GNU/Linux 12 (bookworm)", "kernel": "6.1.0", "libc": "glibc 2.36",
    "python": "Python 3.11.2", "package:python3-pip": None, "env:APP_MODE": None,
    "file:/etc/app.toml": "sha256:aa",
})


@pytest.fixture
def os_skew() -> LoadedLesson:
    return load_catalog().get("os-skew")


def _report() -> DriftReport:
    return diff({"prod": BULLSEYE, "dev": BOOKWORM}, focus=["python", "os"])


# diff ------------------------------------------------------------------------------------------
def test_diff_keeps_item_and_setup_order() -> None:
    report = _report()
    assert report.setups == ["prod", "dev"]
    assert [r.key for r in report.rows] == list(BULLSEYE.items)


def test_diff_says_what_differs_and_what_is_the_same() -> None:
    report = _report()
    status = {r.key: r.status for r in report.rows}
    assert status == {
        "os": "differs", "kernel": "same", "libc": "differs", "python": "differs",
        "package:python3-pip": "missing", "env:APP_MODE": "same", "file:/etc/app.toml": "same",
    }
    assert [r.key for r in report.drifted] == ["os", "libc", "python", "package:python3-pip"]
    libc = report.row("libc")
    assert libc is not None and libc.values == {"prod": "glibc 2.31", "dev": "glibc 2.36"}


def test_a_missing_value_says_how_it_is_missing() -> None:
    report = _report()
    pip = report.row("package:python3-pip")
    assert pip is not None
    assert pip.values == {"prod": "20.3.4-4", "dev": "not installed"}
    assert pip.missing_in == ["dev"]
    unset = report.row("env:APP_MODE")
    assert unset is not None and unset.values == {"prod": "unset", "dev": "unset"}
    assert unset.missing_in == []  # absent everywhere is the same everywhere, not drift
    only_one = diff({"a": Fingerprint({"file:/etc/x": "sha256:1"}), "b": Fingerprint({})})
    assert only_one.rows[0].status == "missing"
    assert only_one.rows[0].values["b"] == "absent"


def test_the_kernel_row_is_marked_shared_only_when_it_is() -> None:
    kernel = _report().row("kernel")
    assert kernel is not None and kernel.shared_kernel and kernel.label == "kernel"
    two_engines = diff({"a": Fingerprint({"kernel": "6.1.0"}),
                        "b": Fingerprint({"kernel": "5.15.0"})})
    assert two_engines.rows[0].status == "differs"
    assert not two_engines.rows[0].shared_kernel
    assert not any(r.shared_kernel for r in _report().rows if r.key != "kernel")


def test_focus_marks_the_cause() -> None:
    report = _report()
    assert [r.key for r in report.causes] == ["os", "python"]
    assert diff({"a": BULLSEYE}).causes == []


def test_one_setup_has_nothing_to_drift_from() -> None:
    report = diff({"only": BULLSEYE})
    assert report.drifted == [] and len(report.shared) == len(BULLSEYE.items)


# parsing what the commands print ---------------------------------------------------------------
def test_os_release_prefers_pretty_name() -> None:
    text = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID=12\n'
    assert parse_os_release(text) == "Debian GNU/Linux 12 (bookworm)"
    assert parse_os_release('NAME="Alpine Linux"\nVERSION_ID=3.20.3\n') == "Alpine Linux 3.20.3"
    assert parse_os_release(None) is None


@pytest.mark.parametrize(("code", "output", "expected"), [
    (0, "glibc 2.36", "glibc 2.36"),
    (0, "ldd (Debian GLIBC 2.31-13+deb11u11) 2.31\nCopyright (C) 2020", "glibc 2.31"),
    (1, "musl libc (x86_64)\nVersion 1.2.5\nDynamic Program Loader", "musl 1.2.5"),
    (127, "sh: 1: ldd: not found", None),
])
def test_libc_from_getconf_or_ldd(code: int, output: str, expected: str | None) -> None:
    assert parse_libc(code, output) == expected


def test_dpkg_counts_only_installed_packages() -> None:
    assert parse_dpkg(0, "installed 3.11.2-1+b1") == "3.11.2-1+b1"
    assert parse_dpkg(0, "config-files 20.3.4-4") is None  # removed, configuration left behind
    assert parse_dpkg(1, "") is None


def test_timezone_names_the_zone() -> None:
    assert parse_timezone(0, "/usr/share/zoneinfo/Etc/UTC") == "Etc/UTC"
    assert parse_timezone(0, "TZ=Asia/Tokyo") == "TZ=Asia/Tokyo"
    assert parse_timezone(0, "") == "UTC (no zone configured)"


# the lesson's inspect: section -----------------------------------------------------------------
def test_os_skew_focuses_on_python_and_the_os_release(os_skew: LoadedLesson) -> None:
    spec = InspectSpec.for_lesson(os_skew.lesson)
    assert spec.focus == ("python", "os")
    assert spec.packages == ("python3", "python3-pip")  # the default: what the hosts declare
    assert spec.env == ("PATH",)
    assert spec.files == ("/etc/inventory.toml",)


def test_a_focused_item_is_always_collected(os_skew: LoadedLesson) -> None:
    focus = ["package:libssl3", "env:TZ", "file:/etc/x"]
    section = os_skew.lesson.inspect.model_copy(update={"focus": focus})
    lesson = os_skew.lesson.model_copy(update={"inspect": section})
    spec = InspectSpec.for_lesson(lesson)
    assert spec.packages[-1] == "libssl3" and spec.env[-1] == "TZ" and spec.files[-1] == "/etc/x"


def test_a_lesson_without_the_section_gets_defaults(tmp_path: Path) -> None:
    path = tmp_path / "plain.yaml"
    path.write_text(_MINIMAL, encoding="utf-8")
    spec = InspectSpec.for_lesson(load_lesson(path).lesson)
    assert spec == InspectSpec(packages=("curl",), env=("PATH", "APP_MODE"), files=(), focus=())


def test_an_unknown_focus_item_is_an_error_at_its_position(tmp_path: Path) -> None:
    path = tmp_path / "typo.yaml"
    path.write_text(_MINIMAL + "inspect:\n  focus: [python, pyhton]\n", encoding="utf-8")
    with pytest.raises(LessonFileError) as caught:
        load_lesson(path, display="typo.yaml")
    (problem,) = caught.value.problems
    assert str(problem).startswith("typo.yaml:17:")
    assert "inspect.focus[1]: 'pyhton' is not an inspected item; use one of os," in str(problem)


_MINIMAL = """\
id: plain
chapter: 1
order: 1
title: Plain
summary: A lesson without an inspect section.
narrative: Text.
hosts:
  - name: server
    image: debian:bookworm-slim
    packages: [curl]
    env: {APP_MODE: production}
    probe:
      run: "true"
      expect:
        outcome: pass
"""


# the event, the table and the run-then-inspect stream ----------------------------------------
def test_the_event_is_json_with_every_row() -> None:
    event = InspectionFinished("os-skew", _report(), ["container"])
    data = json.loads(event.to_json())
    assert data["event"] == "InspectionFinished" and data["skipped"] == ["container"]
    rows = {row["key"]: row for row in data["report"]["rows"]}
    assert rows["kernel"]["shared_kernel"] is True
    assert rows["python"] == {
        "key": "python", "label": "Python", "status": "differs",
        "values": {"prod": "Python 3.9.2", "dev": "Python 3.11.2"},
        "missing_in": [], "shared_kernel": False, "cause": True,
    }


def test_the_table_marks_the_cause_and_the_shared_kernel() -> None:
    console = Console(record=True, width=140, color_system=None)
    console.print(drift_table(_report()))
    text = console.export_text()
    assert "▶ Python" in text and "▶ OS release" in text
    assert "= shared kernel" in text and "≠ differs" in text and "∅ missing" in text
    assert "sha256:aa" in text


def test_run_then_inspect_collects_before_the_teardown(os_skew: LoadedLesson) -> None:
    fake = os_skew_runtime()
    events = list(DriftRun(os_skew, fake).events_then_inspect())
    kinds = [type(e).__name__ for e in events[-3:]]
    assert kinds == ["LessonFinished", "InspectionFinished", "CleanupFinished"]
    inspection = events[-2]
    assert isinstance(inspection, InspectionFinished) and inspection.skipped == []
    python = inspection.report.row("python")
    assert python is not None and python.cause
    assert python.values == {  # the fake prints no version for the container: nothing installed
        "dev-laptop": "Python 3.11.2", "prod-server": "Python 3.9.2", "container": "not installed"}
    assert isinstance(events[-1], CleanupFinished) and len(events[-1].removed) == 4
    assert fake.containers == {} and fake.networks == {}


def test_stopping_the_stream_early_still_tears_down(os_skew: LoadedLesson) -> None:
    fake = os_skew_runtime()
    stream = DriftRun(os_skew, fake).events_then_inspect()
    for event in stream:
        if isinstance(event, LessonFinished):
            break  # as Ctrl+C would, between the verdict and the inspection
    assert fake.containers  # kept alive for the inspection...
    stream.close()
    assert fake.containers == {} and fake.networks == {}  # ...and removed when the stream stops


def test_the_inspector_imports_neither_textual_nor_rich() -> None:
    code = (
        "import sys, envlab.engine.inspect, envlab.engine.events, envlab.engine.drift.run\n"
        "faces = ('textual', 'rich')\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in faces)))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, cwd=REPO)
    assert result.stdout.strip() == ""


def test_the_summary_names_drift_cause_and_the_shared_kernel() -> None:
    from envlab.engine.inspect import DriftReport, DriftRow, short_value, summarize

    report = DriftReport(["dev", "prod"], [
        DriftRow("kernel", "kernel", {"dev": "6.1.0", "prod": "6.1.0"}, "same", shared_kernel=True),
        DriftRow("python", "python", {"dev": "3.11.2", "prod": "3.9.2"}, "differs", cause=True),
        DriftRow("os", "OS release", {"dev": "Debian 12", "prod": "Debian 12"}, "same", cause=True),
    ])
    lines = [(line.kind, line.lead, line.text) for line in summarize(report, ["container"])]
    assert lines == [
        ("drift", "1 of 3 items differ:", "python"),
        ("cause", "▶ the cause:", "python, OS release (the same everywhere in this run: OS release)"),
        ("kernel", "= shared:", "every setup runs on the engine's one kernel (6.1.0); only the userland differs"),
        ("skipped", "not inspected (not running):", "container"),
    ]
    assert short_value("sha256:" + "a" * 64) == "sha256:aaaaaaaaaaaa…"
    assert short_value("x" * 40, 10) == "x" * 9 + "…"


def test_a_probe_that_never_answers_is_not_a_value_and_the_kernel_is_not_called_different() -> None:
    from envlab.engine.inspect import UNREAD

    answered = Fingerprint({"kernel": "6.1.0-13-amd64", "python": "Python 3.11.2"})
    silent = Fingerprint({"kernel": None, "python": "Python 3.9.2"}, unread=frozenset({"kernel"}))
    report = diff({"dev": answered, "prod": silent})
    kernel = report.row("kernel")
    assert kernel is not None
    assert kernel.status == "unknown" and not kernel.shared_kernel
    assert kernel.values["prod"] == UNREAD
    assert [r.key for r in report.drifted] == ["python"], "only what was read and differs is drift"
    assert any(line.kind == "unread" and "kernel" in line.text for line in summarize(report))


def test_a_timed_out_probe_is_asked_again_before_it_is_given_up() -> None:
    from envlab.engine.inspect import collect
    from envlab.runtime.contract import ExecResult

    class Slow(FakeRuntime):
        calls: list[float]

        def exec(self, container: str, command: str, *, on_line: object, timeout: float) -> ExecResult:  # type: ignore[override]
            if command == "uname -r":
                self.calls.append(timeout)
                if len(self.calls) < 3:
                    return ExecResult(124, "", timed_out=True)
                return ExecResult(0, "6.1.0-13-amd64")
            return ExecResult(0, "")

    fake = Slow(images={"base"})
    fake.calls = []
    container = fake.start(ContainerSpec(name="n", image="base", labels={}, hostname="n"))
    fingerprint = collect(fake, container, spec=InspectSpec())
    assert fingerprint.items["kernel"] == "6.1.0-13-amd64" and not fingerprint.unread
    assert fake.calls == [20.0, 40.0, 80.0], "each attempt gets twice the time"
