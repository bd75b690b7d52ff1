"""Hostile lesson files (tests/fixtures/hostile/static and its folders one-bad-file and duplicate-ids):
everything that can be decided when a lesson is loaded is refused at file:line:col with the field named, in
bounded time, with no traceback; one bad file never takes down the others; a pattern is matched in linear
time; an http check asks only the lesson's own published port and never follows a redirect. No Docker here."""

from __future__ import annotations

import http.server
import threading
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest

from envlab.engine.checks import run_check
from envlab.engine.drift.run import judge
from envlab.errors import LessonError
from envlab.lessons import catalog as catalog_module
from envlab.lessons import yaml_reader
from envlab.lessons.catalog import display_path, find_lesson, load_catalog, load_checked
from envlab.lessons.limits import ALLOWED_CAPABILITIES, MAX_FILE_BYTES
from envlab.lessons.loader import LessonFileError, load_lesson
from envlab.lessons.model import DriftLesson, Expect, HttpCheck
from envlab.lessons.parse_cache import ParseCache, digest
from envlab.runtime.contract import ExecResult
from tests.helpers import FIXTURES, envlab

HOSTILE = FIXTURES / "hostile"
STATIC = HOSTILE / "static"
ONE_BAD = STATIC / "one-bad-file"
DUPLICATES = STATIC / "duplicate-ids"
#: A correctness bound, not a performance claim: refusing must not hang, whatever the file holds.
BOUND = 2.0

TAG = "YAML tags are not allowed in lessons (found {}): a lesson is plain data; quote a value that should be text"
CAPS = ", ".join(sorted(ALLOWED_CAPABILITIES))
CONTROL = ("control character U+001B at character {}: texts reach the learner's terminal, where it would act "
           "instead of print")

EXPECTED: dict[str, list[str]] = {
    "caps-all": [f"11:22: hosts[0].cap_add[1]: 'ALL' would give back every capability; name the ones the lesson "
                 f"needs from: {CAPS}"],
    "caps-sys-admin": [f"11:26: hosts[0].cap_add[1]: 'CAP_SYS_ADMIN' is not a capability a lesson may add (it "
                       f"reaches past the container); allowed: {CAPS}"],
    "memory-zero": ["11:22: hosts[0].limits.memory: 0m is outside 16m to 2g (a container needs some memory to start, "
                    "and Docker reads 0 as no limit at all)"],
    "pids-huge": ["11:20: hosts[0].limits.pids: input should be less than or equal to 1024"],
    "cpus-many": ["11:20: hosts[0].limits.cpus: input should be less than or equal to 2"],
    "replicas-crowd": ["10:5: topology.services: up to 13 replicas may run at once (web 8, sessions 5), more than "
                       "the 12 a lesson may start; lower the replicas of web (its own, its changes' or the "
                       "autoscaler's max)",
                       "12:15: warning: topology.autoscaler: the autoscaler runs only while a phase's traffic "
                       "flows, and no phase has traffic: give a phase 'traffic'"],
    "setups-seven": ["28:3: fix: a lesson may start at most 6 setups (hosts and the fix together); this one has 7"],
    "steps-many": ["12:7: hosts[0].runbook: list should have at most 50 items after validation, not 51"],
    "step-timeout": ["12:47: hosts[0].runbook[0].timeout: input should be less than or equal to 600"],
    "time-budget": ["12:7: hosts[0].runbook: the lesson's timeouts add up to 3120 s (hosts[0].runbook 1200 s, "
                    "hosts[0].probe.timeout 60 s, hosts[1].runbook 1200 s, hosts[1].probe.timeout 60 s, "
                    "challenge.solution 600 s), more than the 1800 s a lesson may take; lower the timeouts of "
                    "hosts[0].runbook"],
    "packages-newline": ["11:16: hosts[0].packages[0]: string should match pattern '^[a-z0-9][a-z0-9+.-]+$'"],
    "image-newline": ["10:12: hosts[0].image: string should match pattern "
                      "'^[a-z0-9][a-z0-9._/-]*(:[A-Za-z0-9._-]+)?$'"],
    "nul-escape": ["5:8: title: a NUL character (U+0000) at character 6: no value in a lesson may hold one"],
    "nul-raw": ["6:11: character U+0000 is not allowed in a lesson file (control characters and lone surrogates)"],
    "not-utf8": ["6:13: not UTF-8 text: byte 0xe9 cannot be read (invalid continuation byte)"],
    "surrogate": ["5:8: title: a lone surrogate (U+D800) at character 4: no value in a lesson may hold one"],
    "control-title": [f"5:8: title: {CONTROL.format(6)}"],
    "control-hint": [f"9:5: hints[0]: {CONTROL.format(7)}"],
    "path-long": ["12:32: hosts[0].files[0].source: string should have at most 1024 characters"],
    "path-component": ["12:16: hosts[0].files[0].path: a part of this path has 300 characters; at most 255 are "
                       "allowed"],
    "regex-backref": ["13:39: hosts[0].probe.expect.output: not a valid regular expression: invalid escape "
                      "sequence: \\1; RE2 has no back-references (\\1); repeat the text itself instead"],
    "regex-lookahead": ["13:39: hosts[0].probe.expect.output: not a valid regular expression: invalid perl "
                        "operator: (?=; RE2 has no look-around ((?=...), (?!...), (?<=...), (?<!...)) and no named "
                        "back-references; match the text itself instead"],
    "http-path": ["16:58: checks[0].path: string should match pattern '^/[!-~]*$'"],
    "tag-set": [f"7:10: summary: {TAG.format('!!set')}"],
    "tag-omap": [f"7:10: summary: {TAG.format('!!omap')}"],
    "tag-binary": [f"7:10: summary: {TAG.format('!!binary')}"],
    "tag-timestamp": [f"7:10: summary: {TAG.format('!!timestamp')}"],
    "tag-python": [f"7:10: summary: {TAG.format('!!python/object/apply:os.system')}"],
    "tag-custom": [f"7:10: summary: {TAG.format('!include')}"],
    "tag-bare": [f"12:12: hosts[0].probe.run: {TAG.format('!')}"],
    "alias-bomb": ["5:5: l4[1]: this alias expands to 7381 values and 19683 characters; a lesson may hold at most "
                   "20000 values and 8388608 characters in all"],
    "deep": ["3:43: narrative" + "[0]" * 31 + ": nested more than 32 levels deep"],
    "many-values": ["19999:3: goals[19995]: the file holds more than 20000 values; a lesson may hold at most that"],
}
#: Hostile in what they would do at run time, valid as files: the tests below show what happens then.
VALID = {"http-redirect", "regex-catastrophic"}


def _refusal(path: Path) -> tuple[list[str], float]:
    """The problems of ``path`` without their file name, and how long refusing took."""
    started = time.monotonic()
    with pytest.raises(LessonFileError) as caught:
        load_checked(path)
    elapsed = time.monotonic() - started
    name = display_path(path)
    assert all(str(p).startswith(f"{name}:") for p in caught.value.problems)
    assert "Traceback" not in str(caught.value)
    return [str(p).removeprefix(f"{name}:") for p in caught.value.problems], elapsed


@pytest.mark.parametrize("stem", sorted(EXPECTED))
def test_each_hostile_file_is_refused_at_its_position_in_bounded_time(stem: str) -> None:
    problems, elapsed = _refusal(STATIC / f"{stem}.yaml")
    assert problems == EXPECTED[stem]
    assert elapsed < BOUND


def test_every_hostile_file_has_an_expectation() -> None:
    assert sorted(p.stem for p in STATIC.glob("*.yaml")) == sorted([*EXPECTED, *VALID])


def test_capabilities_are_normalised_and_the_allowlist_is_dockers_default_set(tmp_path: Path) -> None:
    dockers_default = {"CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD", "NET_RAW", "SETGID", "SETUID",
                       "SETFCAP", "SETPCAP", "NET_BIND_SERVICE", "SYS_CHROOT", "KILL", "AUDIT_WRITE"}
    assert dockers_default == ALLOWED_CAPABILITIES
    text = (STATIC / "caps-sys-admin.yaml").read_text(encoding="utf-8")
    path = tmp_path / "caps.yaml"
    path.write_text(text.replace("CAP_SYS_ADMIN", "Cap_Net_Bind_Service"), encoding="utf-8")
    lesson = load_lesson(path).lesson
    assert isinstance(lesson, DriftLesson)
    assert lesson.hosts[0].cap_add == ["CHOWN", "NET_BIND_SERVICE"]


@pytest.mark.parametrize(("memory", "valid"), [("16m", True), ("2g", True), ("2048m", True), ("16384k", True),
                                               ("15m", False), ("2049m", False), ("0g", False),
                                               ("9999999999g", False)])
def test_memory_stays_between_its_floor_and_its_ceiling(tmp_path: Path, memory: str, valid: bool) -> None:
    path = tmp_path / "memory.yaml"
    path.write_text((STATIC / "memory-zero.yaml").read_text(encoding="utf-8").replace("0m", memory), encoding="utf-8")
    if valid:
        assert load_lesson(path).lesson.id == "memory-zero"
    else:
        with pytest.raises(LessonFileError, match=f"limits.memory: {memory} is outside 16m to 2g"):
            load_lesson(path)


def test_replicas_count_at_their_highest_across_changes_and_the_autoscaler(tmp_path: Path) -> None:
    path = tmp_path / "crowd.yaml"
    path.write_text((STATIC / "replicas-crowd.yaml").read_text(encoding="utf-8").replace("max: 8", "max: 7"),
                    encoding="utf-8")
    assert load_checked(path).lesson.id == "replicas-crowd"


def test_a_file_over_the_size_bound_is_refused_before_it_is_parsed(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "huge.yaml"
    path.write_bytes(b"id: huge\nnarrative: |\n" + b"  x\n" * (MAX_FILE_BYTES // 4))

    def refuse(text: str, name: str) -> object:
        raise AssertionError("parsed")

    monkeypatch.setattr(yaml_reader, "parse_yaml", refuse)
    problems, elapsed = _refusal(path)
    assert problems == ["1:1: the file is larger than a lesson file may be (4 MiB)"]
    assert elapsed < BOUND


def test_an_alias_bomb_is_refused_quickly_and_with_little_memory() -> None:
    tracemalloc.start()
    try:
        started = time.monotonic()
        with pytest.raises(LessonFileError, match="this alias expands to"):
            load_lesson(STATIC / "alias-bomb.yaml")
        elapsed = time.monotonic() - started
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert elapsed < 1.0
    assert peak < 32 * 1024**2


def test_a_catastrophic_pattern_is_judged_in_linear_time() -> None:
    lesson = load_checked(STATIC / "regex-catastrophic.yaml").lesson
    assert isinstance(lesson, DriftLesson)
    expect = lesson.hosts[0].probe.expect
    assert expect == Expect(outcome="fail", output="^(a+)+$")
    started = time.monotonic()
    verdict = judge(expect, ExecResult(exit_code=1, output="a" * 200_000 + "!"))
    assert time.monotonic() - started < BOUND
    assert verdict[0] == "failed-unexpectedly"
    assert judge(expect, ExecResult(exit_code=1, output="log\n" + "a" * 50 + "\nmore"))[0] == "failed-as-expected"


class _Answer(http.server.BaseHTTPRequestHandler):
    """Answers every GET with what the server's ``answer`` says; counts what it was asked."""

    def do_GET(self) -> None:
        server = self.server
        assert isinstance(server, _Server)
        server.asked.append(self.path)
        status, headers, body = server.answer
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the test reads what was asked from ``asked``."""


class _Server(http.server.ThreadingHTTPServer):
    def __init__(self, answer: tuple[int, dict[str, str], bytes]) -> None:
        super().__init__(("127.0.0.1", 0), _Answer)
        self.answer = answer
        self.asked: list[str] = []


@pytest.fixture
def servers() -> Iterator[tuple[_Server, _Server]]:
    """A lesson's service answering a redirect, and the other port it redirects to."""
    elsewhere = _Server((200, {}, b"welcome to somewhere else"))
    redirecting = _Server((302, {"Location": f"http://127.0.0.1:{elsewhere.server_address[1]}/"}, b""))
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in (elsewhere, redirecting)]
    for thread in threads:
        thread.start()
    yield redirecting, elsewhere
    for server in (elsewhere, redirecting):
        server.shutdown()
        server.server_close()


class _Published:
    """The one runtime call an http check makes: where the container's port is published."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.asked: list[tuple[str, int]] = []

    def published_port(self, container: str, port: int) -> tuple[str, int]:
        self.asked.append((container, port))
        return self.host, self.port


def _http_check(**changes: object) -> HttpCheck:
    lesson = load_checked(STATIC / "http-redirect.yaml").lesson
    assert isinstance(lesson, DriftLesson)
    check = lesson.checks[0]
    assert isinstance(check, HttpCheck)
    return check.model_copy(update=changes)


def test_an_http_check_never_follows_a_redirect_to_another_port(servers: tuple[_Server, _Server]) -> None:
    redirecting, elsewhere = servers
    runtime = _Published("127.0.0.1", redirecting.server_address[1])
    result = run_check(_http_check(), runtime, "c1")  # type: ignore[arg-type]  # only published_port is asked
    assert runtime.asked == [("c1", 8080)]
    assert not result.passed
    assert result.detail.startswith("GET / answered 302 (a redirect to http://127.0.0.1:")
    assert "not followed), wanted 200" in result.detail
    assert redirecting.asked == ["/"] and elsewhere.asked == []
    accepted = run_check(_http_check(status=302, body=None), runtime, "c1")  # type: ignore[arg-type]
    assert accepted.passed and elsewhere.asked == []


def test_an_http_check_asks_only_loopback(servers: tuple[_Server, _Server]) -> None:
    redirecting, _elsewhere = servers
    result = run_check(_http_check(), _Published("192.0.2.1", 80), "c1")  # type: ignore[arg-type]
    assert not result.passed and "not on this machine's loopback" in result.detail
    assert redirecting.asked == []


def test_one_bad_file_never_takes_down_the_others() -> None:
    found = load_catalog([ONE_BAD])
    assert "good-neighbour" in [loaded.lesson.id for loaded in found.lessons]
    bad = sorted({p.file for p in found.problems})
    assert bad == [display_path(ONE_BAD / f"{stem}.yaml")
                   for stem in ("long-source", "nul", "omap", "regex-overflow", "surrogate")]


@pytest.mark.parametrize("error", [ValueError("bad regex"), RecursionError("too deep"), UnicodeError("odd"),
                                   OSError(36, "File name too long"), TypeError("surprise")])
def test_whatever_one_file_raises_becomes_its_problem(monkeypatch: pytest.MonkeyPatch, error: Exception) -> None:
    real = catalog_module.load_checked

    def fragile(path: Path, *, cache: ParseCache | None = None) -> object:
        if path.name == "omap.yaml":
            raise error
        return real(path, cache=cache)

    monkeypatch.setattr(catalog_module, "load_checked", fragile)
    found = load_catalog([ONE_BAD])
    assert "good-neighbour" in [loaded.lesson.id for loaded in found.lessons]
    [problem] = [p for p in found.problems if p.file.endswith("omap.yaml")]
    assert (problem.line, problem.col) == (1, 1)
    assert problem.message == f"cannot load this file ({type(error).__name__}: {error})"


def test_two_files_with_one_id_are_both_refused_naming_each_other() -> None:
    found = load_catalog([DUPLICATES])
    ids = [loaded.lesson.id for loaded in found.lessons]
    assert "only-one" in ids and "twin" not in ids
    a, b = display_path(DUPLICATES / "twin-a.yaml"), display_path(DUPLICATES / "twin-b.yaml")
    unique = "ids must be unique across every folder envlab reads, so neither is loaded"
    assert [str(p) for p in found.problems] == [f"{a}:2:5: id: 'twin' is also the id of {b}; {unique}",
                                                f"{b}:2:5: id: 'twin' is also the id of {a}; {unique}"]
    for lookup in (lambda: find_lesson("twin", [DUPLICATES]), lambda: found.get("twin")):
        with pytest.raises(LessonError) as caught:
            lookup()
        assert caught.value.message == f"more than one lesson file has the id 'twin': {a} and {b}"
    assert find_lesson("only-one", [DUPLICATES]).lesson.id == "only-one"


def test_a_folder_named_twice_is_read_once() -> None:
    found = load_catalog([ONE_BAD, ONE_BAD])
    assert [loaded.lesson.id for loaded in found.lessons].count("good-neighbour") == 1
    assert not any("also the id" in p.message for p in found.problems)


def test_validate_lists_each_bad_file_and_exits_1() -> None:
    result = envlab("validate", str(ONE_BAD))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    for stem in ("long-source", "nul", "omap", "regex-overflow", "surrogate"):
        assert sum(line.startswith(f"{display_path(ONE_BAD / stem)}.yaml:") for line in lines) == 1, stem
    assert lines[-1] == "5 problem(s); 1 lesson file(s) valid"
    assert "Traceback" not in result.stdout + result.stderr


def test_validate_of_a_folder_without_lessons_says_where_it_looked(tmp_path: Path) -> None:
    result = envlab("validate", str(tmp_path))
    assert result.returncode == 1
    assert f"no lesson files (*.yaml, *.yml) directly in {tmp_path.resolve()}" in result.stdout


def test_list_shows_good_lessons_and_names_skipped_files() -> None:
    result = envlab("list", "--lessons", str(ONE_BAD))
    assert result.returncode == 0, result.stderr
    assert "good-neighbour" in result.stdout
    skipped = [line for line in result.stderr.splitlines() if line.startswith("skipped: ")]
    assert len(skipped) == 5
    assert "Traceback" not in result.stderr


def test_a_file_name_cannot_reach_the_terminal_raw(tmp_path: Path) -> None:
    (tmp_path / "\x1b]0;pwned\x07.yaml").write_text("id: [\n", encoding="utf-8")
    result = envlab("validate", str(tmp_path))
    assert result.returncode == 1
    assert "\x1b" not in result.stdout and "\\x1b]0;pwned\\x07.yaml:" in result.stdout


def test_the_parse_cache_keeps_only_what_it_served(tmp_path: Path) -> None:
    cache = ParseCache(tmp_path / "cache.json")
    cache.put(digest("old"), ({"id": "old"}, {(): (1, 1)}))
    cache.save()
    again = ParseCache(tmp_path / "cache.json")
    again.put(digest("new"), ({"id": "new"}, {(): (1, 1)}))
    again.save()
    last = ParseCache(tmp_path / "cache.json")
    assert last.get(digest("old")) is None
    assert last.get(digest("new")) == ({"id": "new"}, {(): (1, 1)})
