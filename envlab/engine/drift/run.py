"""Run a drift lesson: bare hosts and the fix concurrently, checks, the challenge and the inspector."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Generator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from envlab.engine.builds import CONTEXT_LABEL, lesson_assets
from envlab.engine.checks import run_check
from envlab.engine.events import (
    BUILD_STEP,
    OK_VERDICTS,
    PROBE_STEP,
    SOLUTION_STEP,
    CheckFinished,
    CleanupFinished,
    ErrorRaised,
    Event,
    InspectionFinished,
    LessonStarted,
    OutputLine,
    SetupFinished,
    SetupStarted,
    StepFinished,
    StepStarted,
    Verdict,
)
from envlab.engine.images import fix_image, fix_need, host_image
from envlab.engine.inspect import DriftReport, Fingerprint, InspectSpec, collect, diff
from envlab.engine.interrupts import signals_deferred
from envlab.engine.run import Emit, RunBase
from envlab.engine.wording import Words
from envlab.errors import EnvlabError
from envlab.lessons.assets import Budget, read_tree
from envlab.lessons.model import Check, DriftLesson, Expect, Fix, Host, Probe
from envlab.lessons.patterns import search
from envlab.lessons.text import pick
from envlab.runtime.contract import ContainerSpec, ExecResult, Resource

KEEP_ALIVE = ["sleep", "infinity"]


def judge(expect: Expect, result: ExecResult) -> tuple[Verdict, str]:
    """Compare what a setup did with what the lesson declares; return the verdict and why."""
    matched = expect.output is None or search(expect.output, result.output)
    pattern, code = f"/{expect.output}/", result.exit_code
    if result.timed_out:
        return "failed-unexpectedly", Words("judge.timed_out")
    if expect.outcome == "pass":
        if code != 0:
            return "failed-unexpectedly", Words("judge.expected_success", code=code)
        if not matched:
            return "failed-unexpectedly", Words("judge.output_differs", pattern=pattern)
        return "passed", Words("judge.exit_0_output" if expect.output else "judge.exit_0")
    if code == 0:
        return "passed-unexpectedly", Words("judge.passed_unexpectedly", pattern=pattern)
    if not matched:
        return "failed-unexpectedly", Words("judge.not_declared_error", code=code, pattern=pattern)
    return "failed-as-expected", Words("judge.declared_error", code=code)


@dataclass
class DriftRun(RunBase):
    """One run of a drift lesson. Create it with :func:`envlab.engine.run.open_run`.

    The finer methods (:meth:`run_setups`, :meth:`run_checks`, :meth:`apply_solution`,
    :meth:`inspect`, :meth:`teardown`) let a face keep the setups alive for the learner's own fix.
    """

    containers: dict[str, str] = field(default_factory=dict)
    _network: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def lesson(self) -> DriftLesson:
        lesson = self.loaded.lesson
        assert isinstance(lesson, DriftLesson)
        return lesson

    @property
    def live(self) -> bool:
        """Whether any setup's container is still there for the learner to work in."""
        return bool(self.containers)

    def _run(self, emit: Emit, *, solve: bool, release: bool) -> bool:
        lesson = self.lesson
        emit(LessonStarted(lesson.id, self.session.id, [s.name for s in lesson.setups]))
        checks_ok: list[bool] = []

        def after(setup: Host | Fix) -> None:
            # A setup's checks run as soon as it is done, while the others still work; with nothing
            # left to do on it, its container goes right away instead of at the end.
            checks_ok.append(self.run_checks(emit, targets={setup.name}, expect_fixed=False))
            if release:
                self._release(setup.name)

        self.run_setups(emit, after=after)
        ok = all(checks_ok) and all(v in OK_VERDICTS for v in self.verdicts.values())
        if solve and lesson.challenge:
            ok = self.apply_solution(emit) and ok
            ok = self.run_checks(emit, expect_fixed=True) and ok  # the challenge's, and those that hold both
        return ok

    # setups ------------------------------------------------------------------------------------
    def run_setups(self, emit: Emit, *, after: Callable[[Host | Fix], None] | None = None) -> dict[str, Verdict]:
        """Run every bare host and the fix concurrently; return each setup's verdict.

        Args:
            emit: Receives every event.
            after: Called in the setup's own thread once it has finished.
        """
        setups = self.lesson.setups

        def one(setup: Host | Fix) -> None:
            self._guarded(setup, emit)
            if after is not None and not self.cancelled.is_set():
                after(setup)

        with ThreadPoolExecutor(max_workers=len(setups), thread_name_prefix="envlab-setup") as pool:
            for future in [pool.submit(one, setup) for setup in setups]:
                future.result()  # a bug in a setup thread must not vanish
        return dict(self.verdicts)

    def _release(self, name: str) -> None:
        """Remove one setup's container now that nothing more will run in it."""
        container = self.containers.pop(name, None)
        if container is not None:
            with contextlib.suppress(EnvlabError):  # the final teardown (by label) catches what this misses
                self.runtime.remove(Resource("container", container, name, {}))
                self.released.append(f"envlab-{self.session.id}-{self.lesson_id}-{name}")

    def _guarded(self, setup: Host | Fix, emit: Emit) -> None:
        started = time.monotonic()
        expect = setup.probe.expect
        try:
            verdict, reason, code = self._run_setup(setup, emit)
        except EnvlabError as exc:
            if self.cancelled.is_set():
                return
            emit(ErrorRaised(exc.message, exc.hint, setup.name))
            verdict, reason, code = "failed-unexpectedly", exc.message, -1
        self.verdicts[setup.name] = verdict
        emit(SetupFinished(setup.name, verdict, _describe(expect), code, reason,
                           round(time.monotonic() - started, 2)))

    def _run_setup(self, setup: Host | Fix, emit: Emit) -> tuple[Verdict, str, int]:
        if isinstance(setup, Host):
            image = host_image(setup)
            emit(SetupStarted(setup.name, "host", image))
            container = self._start(setup, image, KEEP_ALIVE)
            self._place_files(setup, container)
            for index, step in enumerate(setup.runbook):
                result = self._exec(setup.name, container, index, pick(step.say, self.lang), step.run,
                                    step.timeout, emit)
                if result.exit_code != 0:
                    verdict, reason = judge(setup.probe.expect, result)
                    return verdict, Words("judge.runbook_step", n=index + 1, reason=reason), result.exit_code
        else:
            image = fix_image(self.lesson_id)
            emit(SetupStarted(setup.name, "fix", image))
            self._build_fix(setup, image, emit)
            container = self._start(setup, image, None if setup.serve else KEEP_ALIVE)
        result = self.probe(setup.name, setup.probe, emit)
        verdict, reason = judge(setup.probe.expect, result)
        return verdict, reason, result.exit_code

    def probe(self, name: str, probe: Probe, emit: Emit) -> ExecResult:
        """Run a setup's probe command in its running container."""
        return self._exec(name, self.containers[name], PROBE_STEP, "probe", probe.run, probe.timeout, emit)

    def _build_fix(self, fix: Fix, image: str, emit: Emit) -> None:
        need = fix_need(self.loaded)
        command = "docker build" + (f" -f {fix.build.dockerfile}" if fix.build.dockerfile else "")
        emit(StepStarted(fix.name, BUILD_STEP, Words("step.build_say"), f"{command} -t {image} {fix.build.context}"))
        started = time.monotonic()

        def line(text: str) -> None:
            emit(OutputLine(fix.name, BUILD_STEP, text))

        try:
            assert need.source is not None
            inputs = need.source.read()  # read and checked now: what is sent is what was checked
            present = self.runtime.image_labels(image)
            if present is not None and present.get(CONTEXT_LABEL) == inputs.digest:
                # The same Dockerfile and files made the image that is here: no build, and no network.
                line(Words("build.up_to_date", image=image, digest=inputs.digest))
            else:
                line(Words("build.changed" if present is not None else "build.missing", image=image))
                self.runtime.build_image(context=inputs.context, dockerfile=inputs.dockerfile, tag=image,
                                         labels=inputs.labels(need.kind), on_line=line)
        except EnvlabError:
            emit(StepFinished(fix.name, BUILD_STEP, 1, round(time.monotonic() - started, 2)))
            raise
        emit(StepFinished(fix.name, BUILD_STEP, 0, round(time.monotonic() - started, 2)))

    def _start(self, setup: Host | Fix, image: str, command: list[str] | None) -> str:
        network = self._ensure_network() if setup.ports else None
        spec = ContainerSpec(
            name=f"envlab-{self.session.id}-{self.lesson_id}-{setup.name}", image=image,
            labels=self.session.labels(lesson=self.lesson_id, setup=setup.name), hostname=setup.name,
            command=command, env=dict(setup.env), ports=list(setup.ports), network=network,
            cap_add=list(setup.cap_add), memory=setup.limits.memory, cpus=setup.limits.cpus,
            pids=setup.limits.pids,
        )
        if self.cancelled.is_set():
            raise EnvlabError("the run was stopped")
        container = self.runtime.start(spec)
        self.containers[setup.name] = container
        if self.cancelled.is_set():  # stopped while it was starting: do not leave it behind
            self.teardown()
            raise EnvlabError("the run was stopped")
        return container

    def _ensure_network(self) -> str:
        with self._lock:
            if self._network is None:
                name = f"envlab-{self.session.id}-{self.lesson_id}"
                self._network = self.runtime.create_network(name, self.session.labels(lesson=self.lesson_id))
            return self._network

    def _place_files(self, host: Host, container: str) -> None:
        files: list[tuple[str, bytes, int]] = []
        folder = lesson_assets(self.loaded)
        budget = Budget()  # the host's files together, as validation bounded them
        for spec in host.files:
            mode = int(spec.mode, 8)
            if spec.content is not None:
                files.append((spec.path, spec.content.encode(), mode))
                continue
            # Read through the walker: a symlink swapped in since validation is refused, not followed.
            tree = read_tree(folder, spec.source or "", budget=budget)
            files += [(f"{spec.path.rstrip('/')}/{e.path}" if e.path else spec.path, e.data, mode)
                      for e in tree.entries]
        if files:
            self.runtime.put_files(container, files)

    def _exec(self, name: str, container: str, index: int, say: str, run: str, timeout: float,
              emit: Emit) -> ExecResult:
        emit(StepStarted(name, index, say, run))
        started = time.monotonic()
        result = self.runtime.exec(container, run, on_line=lambda t: emit(OutputLine(name, index, t)),
                                   timeout=timeout)
        emit(StepFinished(name, index, result.exit_code, round(time.monotonic() - started, 2), result.timed_out))
        return result

    # the learner's challenge -------------------------------------------------------------------
    def run_checks(self, emit: Emit, *, names: set[str] | None = None, targets: set[str] | None = None,
                   expect_fixed: bool = False) -> bool:
        """Run checks from outside; return whether each came out as the lesson claims.

        Each check runs at the time(s) its ``holds`` declares (:meth:`DriftLesson.expected`): before the
        fix, a check that holds then must pass and a challenge check must fail (the host is really
        broken); with ``expect_fixed``, every check that holds after the fix (``after`` or ``both``) must
        pass. ``names`` and ``targets`` narrow the checks further; a check not due at this time is not run.
        """
        lesson = self.lesson
        chosen = [(c, expected) for c in lesson.checks
                  if (names is None or c.name in names) and (targets is None or c.target in targets)
                  and (expected := lesson.expected(c, fixed=expect_fixed)) is not None]

        def one(item: tuple[Check, bool]) -> CheckFinished:
            check, expected = item
            container = self.containers.get(check.target)
            if container is None:
                return CheckFinished(check.name, check.target, False, expected,
                                     Words("check.not_running", target=check.target),
                                     after_fix=expect_fixed)
            result = run_check(check, self.runtime, container)
            return CheckFinished(check.name, check.target, result.passed, expected, result.detail,
                                 after_fix=expect_fixed, stopped=result.stopped)

        # Checks are independent reads from outside: run them together, report them in lesson order.
        with ThreadPoolExecutor(max_workers=max(1, min(8, len(chosen))), thread_name_prefix="envlab-check") as pool:
            results = list(pool.map(one, chosen))
        for event in results:
            emit(event)
        return all(event.passed == event.expected for event in results)

    def apply_solution(self, emit: Emit) -> bool:
        """Apply the challenge's reference solution to its host, then probe it: it must now pass."""
        challenge = self.lesson.challenge
        assert challenge is not None
        host = self.lesson.setup(challenge.target)
        container = self.containers.get(host.name)
        if container is None:
            emit(ErrorRaised(f"{host.name} is not running, so the solution cannot be applied", setup=host.name))
            return False
        for index, step in enumerate(challenge.solution):
            say = pick(step.say, self.lang)
            result = self._exec(host.name, container, SOLUTION_STEP + index, say, step.run, step.timeout, emit)
            if result.exit_code != 0:
                emit(SetupFinished(host.name, "failed-unexpectedly", Words("expect.after_fix"), result.exit_code,
                                   Words("judge.solution_step", n=index + 1, code=result.exit_code), 0.0))
                return False
        return self.probe_after_fix(emit)

    def probe_after_fix(self, emit: Emit) -> bool:
        """Probe the challenge's host again, as the run did: after a fix it must now pass (its pane shows it).

        Raises:
            EnvlabError: The host is not running, or the engine failed.
        """
        challenge = self.lesson.challenge
        assert challenge is not None
        host = self.lesson.setup(challenge.target)
        if host.name not in self.containers:
            raise EnvlabError(f"{host.name} is not running")
        started = time.monotonic()
        result = self.probe(host.name, host.probe, emit)
        verdict, reason = judge(Expect(outcome="pass"), result)
        emit(SetupFinished(host.name, verdict, Words("expect.after_fix"), result.exit_code, reason,
                           round(time.monotonic() - started, 2)))
        return verdict == "passed"

    def _forget(self) -> None:
        self.containers.clear()
        self._network = None

    # the drift inspector -----------------------------------------------------------------------
    def events_then_inspect(self) -> Generator[Event, None, None]:
        """The run's events, then the drift between its setups, collected before anything is removed.

        The containers outlive the verdict only to be inspected; they are torn down in a ``finally``,
        so Ctrl+C, SIGTERM or a failure while inspecting leaves nothing behind.
        """
        stream = self.events(keep=True)
        try:
            yield from stream
            found: list[Event] = []
            self.inspect(found.append)
            yield from found
        finally:
            with signals_deferred():
                if isinstance(stream, Generator):
                    stream.close()  # a stream stopped early tears down on its own; this stops it now
                self.cancelled.set()
                removed = self.teardown()
        yield CleanupFinished(removed)

    def inspect(self, emit: Emit) -> DriftReport:
        """Fingerprint every running setup from outside, compare them, emit the comparison.

        Emits :class:`InspectionFinished`. Call it while the containers are still there
        (``events(keep=True)`` or after :meth:`run_setups`); a setup that cannot be inspected is
        reported and left out.
        """
        lesson = self.lesson
        spec = InspectSpec.for_lesson(lesson)
        running = {s.name: self.containers[s.name] for s in lesson.setups
                   if s.name in self.containers}
        fingerprints: dict[str, Fingerprint] = {}
        workers = max(len(running), 1)
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="envlab-inspect") as pool:
            futures = {name: pool.submit(collect, self.runtime, container, spec=spec)
                       for name, container in running.items()}
            for name, future in futures.items():
                try:
                    fingerprints[name] = future.result()
                except EnvlabError as exc:
                    emit(ErrorRaised(f"could not inspect {name}: {exc.message}", exc.hint, name))
        report = diff(fingerprints, focus=spec.focus)
        skipped = [s.name for s in lesson.setups if s.name not in fingerprints]
        emit(InspectionFinished(self.lesson_id, report, skipped))
        return report


def _describe(expect: Expect) -> str:
    return Words("expect.pass") if expect.outcome == "pass" else Words("expect.fail", pattern=f"/{expect.output}/")
