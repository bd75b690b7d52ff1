"""Run a scenario lesson: its topology, then each phase's changes, traffic, faults and measurements.

It feeds the same event stream as the drift lessons, so `envlab run`, `envlab run --json` and
`envlab test` need nothing new. Each phase's verdict is kept under the phase's name.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial

from envlab.engine.events import ErrorRaised, Event, LessonStarted, OutputLine
from envlab.engine.run import RunBase
from envlab.engine.scenario.autoscale import ControlLoop, labelled_settings
from envlab.engine.scenario.events import (
    ChallengeChecked,
    ChangeSettled,
    FaultInjected,
    KubernetesShown,
    MeasurementChecked,
    PhaseFinished,
    PhaseStarted,
    ReplicaChanged,
    ServerFaulted,
    ServersSeen,
    SolutionTyped,
    TrafficSample,
    TrafficSummary,
)
from envlab.engine.scenario.kubernetes import kubernetes_manifests
from envlab.engine.scenario.metrics import (
    PhaseRecord,
    Sample,
    distribution,
    latency_ms,
    measure,
    per_second,
    timeline,
    versions,
    within,
)
from envlab.engine.scenario.servers import cluster_name
from envlab.engine.scenario.topology import Deployment
from envlab.engine.scenario.traffic import TrafficPlan, TrafficRun
from envlab.errors import EnvlabError
from envlab.lessons.model import ScenarioLesson
from envlab.lessons.scenario import Autoscaler, Change, Fault, Phase
from envlab.lessons.text import pick
from envlab.runtime.contract import replica_label
from envlab.runtime.labels import CLUSTER, LESSON, SERVICE, SESSION

Emit = Callable[[Event], None]
SAMPLE_EVERY = 0.25
#: The verdict of a challenge's check after the reference solution (`envlab test`).
CHALLENGE = "challenge"
#: Where the solution's console output goes, as a setup's lines do.
CONSOLE = "console"
#: Seconds one line of a challenge's solution may take in the console.
SOLUTION_TIMEOUT = 120
#: Every how many samples a run on servers asks who runs where.
SERVERS_EVERY = 4
#: Engine events that mean "the engine noticed a replica is gone or sick".
DETECTED = {"die", "health_status: unhealthy"}


def _no_events(event: Event) -> None:
    """Where events go before a run starts."""


@dataclass
class ScenarioRun(RunBase):
    """One run of a scenario lesson. Create it with :func:`envlab.engine.run.open_run`.

    Each phase's verdict is kept under the phase's name.
    """

    emit: Emit = _no_events
    #: The learner's console's container while the run's servers run ("" without one).
    console: str = ""
    _record: PhaseRecord | None = None
    #: What runs while the learner works on the challenge (kept after the phases; ``None`` otherwise).
    _deployment: Deployment | None = None
    #: Whether the phase being run is the challenge's check: its changes roll every replica, even when the spec
    #: already is what they ask for (the check may run more than once; each time it must really roll out).
    _forced: bool = False
    _zero: float = 0.0  # wall-clock time the current phase's clock started
    _hit: set[str] = field(default_factory=set)

    @property
    def lesson(self) -> ScenarioLesson:
        lesson = self.loaded.lesson
        assert isinstance(lesson, ScenarioLesson)
        return lesson

    @property
    def live(self) -> bool:
        """Whether the lesson's system is still up for the learner's challenge."""
        return self._deployment is not None

    def teardown(self) -> list[str]:
        """Remove the run's servers (when it has any), services, replicas and networks; then, when no other
        envlab session is alive, leave a single-node swarm envlab initialized, so the engine is as it was
        found (a user's own swarm is never touched). The next scenario lesson initializes it again, in a
        second or two."""
        self.console = ""
        deployment, self._deployment = self._deployment, None
        if deployment is not None:
            deployment.close()
        servers = self._remove_servers() if self.lesson.topology.servers else []
        removed = servers + super().teardown()
        if self.lesson.topology.servers:
            return removed  # the servers formed a swarm of their own: the engine's was never asked for
        with contextlib.suppress(EnvlabError):  # the engine went away: the next run's sweep copes
            if self.lesson.topology.orchestrator == "swarm" and not self.runtime.live_sessions() - {self.session.id}:
                self.runtime.leave_swarm_if_ours()
        return removed

    def _remove_servers(self) -> list[str]:
        """The servers first, all at once: each holds a full copy of every layer it has (removing one takes
        seconds), and whatever ran on them goes with them. Return the names of what went."""
        name = cluster_name(self.session, self.lesson.id)
        try:
            found = [r.name for r in self.runtime.list_resources({CLUSTER: name}) if r.kind != "volume"]
            self.runtime.remove_cluster(name)
        except EnvlabError:
            return []  # the engine went away: the generic teardown and the next run's sweep cope
        return found

    def _run(self, emit: Emit, *, solve: bool, release: bool) -> bool:
        """Bring the topology up, run every phase, return whether every measurement held. With a challenge, the
        system then stays up for the learner (``solve``: the reference solution is proven on it instead)."""
        self.emit = emit
        emit(LessonStarted(self.lesson.id, self.session.id, []))
        deployment = Deployment(self.loaded, self.runtime, self.session, self.emit)
        kept = False
        self._zero = time.time()
        try:
            deployment.start_servers()
            self.console = deployment.console
            with self._watching(deployment):
                deployment.up()
                self._show_kubernetes(deployment)
                ok = True
                for index, phase in enumerate(self.lesson.phases):
                    if self.cancelled.is_set():
                        raise EnvlabError("the run was stopped")
                    ok = self._phase(deployment, index, phase) and ok
                if self.lesson.challenge is not None and solve:
                    ok = self._prove_challenge(deployment) and ok
            kept = self.lesson.challenge is not None and not (solve or release)
            if kept:
                self._deployment = deployment
            return ok
        finally:
            if not kept:
                deployment.close()

    @contextlib.contextmanager
    def _watching(self, deployment: Deployment) -> Iterator[None]:
        """The engine's own account of the replicas, heard while the block runs."""
        stop = threading.Event()
        watcher = threading.Thread(target=self._watch, args=(deployment, stop), daemon=True, name="envlab-events")
        watcher.start()
        try:
            yield
        finally:
            stop.set()

    # the learner's challenge -------------------------------------------------------------------
    def verify_challenge(self, emit: Emit) -> bool:
        """Run the challenge's check on the system as the learner left it; return whether every bound held.

        Raises:
            EnvlabError: The run's system is gone (the run ended, or was torn down), or the engine failed.
        """
        challenge, deployment = self.lesson.challenge, self._deployment
        if challenge is None or deployment is None:
            raise EnvlabError("the lesson's system is not running", hint="run the lesson first (r)")
        self.emit = deployment.emit = emit
        deployment.resync()
        deployment.quiesce(self._balanced())  # a change the learner just made is still settling
        with self._watching(deployment):
            ok = self._check_phase(deployment, challenge.check)
        emit(ChallengeChecked(challenge.check.name, ok, fixed=True))
        return ok

    def _prove_challenge(self, deployment: Deployment) -> bool:
        """`envlab test`: the challenge's check must fail as the phases left the system (the learner is needed),
        then, once the reference solution is typed into the console, hold."""
        challenge = self.lesson.challenge
        assert challenge is not None
        before = self._check_phase(deployment, challenge.check, before_fix=True)
        self.emit(ChallengeChecked(challenge.check.name, before, fixed=False))
        solved = self._type_solution(challenge.solution)
        deployment.resync()
        deployment.quiesce(self._balanced())
        after = solved and self._check_phase(deployment, challenge.check)
        self.emit(ChallengeChecked(challenge.check.name, after, fixed=True))
        self.verdicts[CHALLENGE] = "passed" if after else "failed-unexpectedly"
        return not before and after

    def _check_phase(self, deployment: Deployment, check: Phase, *, before_fix: bool = False) -> bool:
        """The challenge's check, as one more phase after the lesson's; its changes always roll out."""
        self._forced = True
        try:
            return self._phase(deployment, len(self.lesson.phases), check, before_fix=before_fix)
        finally:
            self._forced = False

    def _type_solution(self, lines: list[str]) -> bool:
        """Run each line of the solution in the learner's console, as the learner would; return whether all did."""
        for index, line in enumerate(lines):
            self.emit(SolutionTyped(index, line))
            result = self.runtime.exec(self.console, line, on_line=partial(self._console_line, index),
                                       timeout=SOLUTION_TIMEOUT)
            if result.exit_code != 0 or result.timed_out:
                self.emit(ErrorRaised(f"the solution's line {index + 1} ({line}) ended with exit code "
                                      f"{result.exit_code}{' (timed out)' if result.timed_out else ''}"))
                return False
        return True

    def _show_kubernetes(self, deployment: Deployment) -> None:
        kubernetes, manifests = self.lesson.kubernetes, kubernetes_manifests(self.loaded)
        if kubernetes is None or manifests is None:
            return
        self.emit(KubernetesShown(self.loaded.lesson.id, deployment.swarm_specs(), manifests,
                                  pick(kubernetes.mapping, self.lang)))

    def _console_line(self, index: int, text: str) -> None:
        self.emit(OutputLine(CONSOLE, index, text))

    # the engine's own account of the replicas --------------------------------------------------
    def _watch(self, deployment: Deployment, stop: threading.Event) -> None:
        labels = {SESSION: self.session.id, LESSON: self.loaded.lesson.id}
        try:
            for event in deployment.on.container_events(labels, stop):
                action = str(event.get("Action") or event.get("status") or "")
                if action.startswith(("exec_", "attach", "resize", "top", "archive", "copy")):
                    continue
                attributes = (event.get("Actor") or {}).get("Attributes") or {}
                at = round(float(event.get("timeNano", time.time_ns())) / 1e9 - self._zero, 2)
                container = str(event.get("id", ""))[:12]
                state = action.replace("health_status: ", "")
                self.emit(ReplicaChanged(attributes.get(SERVICE, ""), replica_label(attributes), state, at, container))
                record = self._record
                if record is not None and action in DETECTED and container in self._hit:
                    record.detections.append(at)
        except EnvlabError as exc:
            if not stop.is_set():
                self.emit(ErrorRaised(f"the engine's events stream ended: {exc.message}", exc.hint))

    # one phase ---------------------------------------------------------------------------------
    def _phase(self, deployment: Deployment, index: int, phase: Phase, *, before_fix: bool = False) -> bool:
        started = time.monotonic()
        self.emit(PhaseStarted(phase.name, index, pick(phase.say, self.lang)))
        settled = ""
        for change in (c for c in phase.changes if c.at is None):
            began = time.monotonic()
            deployment.apply(change, phase.name, force=self._forced)
            if change.wait:
                settled = self._settle(deployment, phase, change, began)
        record = PhaseRecord(update_state=settled)
        self._record, self._zero, self._hit = record, time.time(), set()
        stop = threading.Event()
        sampler = threading.Thread(target=self._sample, args=(deployment, record, stop), daemon=True)
        sampler.start()
        try:
            if phase.traffic is not None:
                self._traffic(deployment, phase, record)
            else:
                time.sleep(1.0)  # a moment of replica counts to measure
            for change in (c for c in phase.changes if c.at is not None and c.wait):
                record.update_state = self._settle(deployment, phase, change, record.changed_at or time.monotonic())
        finally:
            stop.set()
            sampler.join(timeout=5)
            self._record = None
        record.desired = {name: handle.desired for name, handle in deployment.handles.items()}
        if deployment.servers is not None and any(e.server is not None for e in phase.expect):
            with contextlib.suppress(EnvlabError):  # no server answers: every count is 0, and the bound says so
                record.placed = deployment.placement()
        record.duration = round(time.monotonic() - started, 2)
        ok = self._check(deployment, phase, record, before_fix=before_fix)
        if before_fix:
            self.verdicts[f"{phase.name} (before the solution)"] = "passed-unexpectedly" if ok else "failed-as-expected"
        else:
            self.verdicts[phase.name] = "passed" if ok else "failed-unexpectedly"
        self.emit(PhaseFinished(phase.name, ok, record.duration))
        return ok

    def _settle(self, deployment: Deployment, phase: Phase, change: Change, began: float) -> str:
        state = deployment.settle(change.service)
        self.emit(ChangeSettled(phase.name, change.service, state, round(time.monotonic() - began, 2)))
        return state

    def _sample(self, deployment: Deployment, record: PhaseRecord, stop: threading.Event) -> None:
        seen: ServersSeen | None = None
        looks = 0
        while not stop.is_set():
            at = round(time.time() - self._zero, 2)
            try:
                counts = deployment.up_counts()
            except EnvlabError:
                counts = {}
            for name, up in counts.items():
                record.samples.setdefault(name, []).append(Sample(at, up))
            if deployment.servers is not None and looks % SERVERS_EVERY == 0:
                with contextlib.suppress(EnvlabError):  # no manager answers for a moment: the next look tells
                    now = deployment.servers_seen()
                    if now != seen:
                        self.emit(now)
                        seen = now
            looks += 1
            stop.wait(SAMPLE_EVERY)

    def _traffic(self, deployment: Deployment, phase: Phase, record: PhaseRecord) -> None:
        traffic = phase.traffic
        assert traffic is not None
        host, port = deployment.endpoint
        plan = TrafficPlan(host, port, traffic.users, traffic.rate, traffic.duration, traffic.login,
                           traffic.page, traffic.timeout)
        run = TrafficRun(plan)
        self._zero = time.time()
        run.start()
        timers = [threading.Timer(f.at, self._fault, args=(deployment, phase, f, record)) for f in phase.faults]
        timers += [threading.Timer(c.at or 0, self._timed_change, args=(deployment, c, phase.name, record))
                   for c in phase.changes if c.at is not None]
        for timer in timers:
            timer.daemon = True
            timer.start()
        balanced = self._balanced()
        halt = threading.Event()
        scaler = self._autoscaler(deployment, phase, run, halt)
        second = 0
        while not run.stop.is_set() and second < traffic.duration + 1:
            if self.cancelled.wait(max(0.0, run.started + second + 1 - time.monotonic())):
                break
            batch = per_second(run.snapshot(), second)
            up = record.samples.get(balanced, [])
            self.emit(TrafficSample(phase.name, second, len(batch), sum(r.failed for r in batch),
                                    sum(r.lost_session for r in batch), distribution(batch), up[-1].up if up else 0))
            second += 1
            if second >= traffic.duration:
                break
        record.requests = run.join()
        halt.set()
        if scaler is not None:
            scaler.join(timeout=30)
        for timer in timers:
            timer.join(timeout=30)
        requests = record.requests
        self.emit(TrafficSummary(
            phase.name, len(requests), traffic.duration, round(len(requests) / traffic.duration, 1),
            sum(r.failed for r in requests), sum(r.lost_session for r in requests),
            sum(1 for r in requests if r.kind == "page"), distribution(requests), versions(requests),
            timeline(record.samples.get(balanced, []), end=traffic.duration),
            deployment.handles[balanced].desired if balanced in deployment.handles else 0,
            latency_ms(requests, 0.5), latency_ms(requests, 0.95)))

    def _autoscaler(self, deployment: Deployment, phase: Phase, run: TrafficRun,
                    halt: threading.Event) -> threading.Thread | None:
        spec = self.lesson.topology.autoscaler
        if spec is None:
            return None

        def scale(replicas: int) -> None:
            try:
                deployment.apply(Change(service=spec.service, replicas=replicas), phase.name)
            except EnvlabError as exc:
                self.emit(ErrorRaised(f"the autoscaler could not scale {spec.service}: {exc.message}", exc.hint))

        told: set[str] = set()

        def settings() -> Autoscaler:
            """The lesson's values as the service's labels change them, each ignored label said once."""
            try:
                chosen, ignored = labelled_settings(spec, deployment.service_labels(spec.service))
            except EnvlabError:
                return spec  # the engine did not answer: this look keeps the lesson's values
            for why in sorted(set(ignored) - told):
                told.add(why)
                self.emit(ErrorRaised(f"the autoscaler of {spec.service}: {why}",
                                      "`docker service inspect --pretty` shows the service's labels"))
            return chosen

        loop = ControlLoop(spec, lambda: deployment.handles[spec.service].desired, scale, self.emit, phase.name,
                           settings)
        thread = threading.Thread(target=loop.run, args=(run, halt), daemon=True, name="envlab-autoscaler")
        thread.start()
        return thread

    def _balanced(self) -> str:
        topology = self.lesson.topology
        return topology.balancer.service if topology.balancer else topology.services[0].name

    def _fault(self, deployment: Deployment, phase: Phase, fault: Fault, record: PhaseRecord) -> None:
        try:
            if fault.server is not None:
                hit = deployment.server_fault(fault.server, fault.action)
            else:
                hit = deployment.fault(fault.service or "", fault.action, fault.count)
        except EnvlabError as exc:
            target = fault.server if fault.server is not None else f"a replica of {fault.service}"
            self.emit(ErrorRaised(f"could not {fault.action} {target}: {exc.message}", exc.hint))
            return
        self._hit.update(r.id[:12] for r in hit)
        moment = round(time.time() - self._zero, 2)
        if record.first_fault is None:
            record.first_fault = moment
        if fault.server is not None:
            self.emit(ServerFaulted(phase.name, fault.server, fault.action,
                                    tuple(r.label or r.name for r in hit), moment))
            return
        for replica in hit:
            self.emit(FaultInjected(phase.name, fault.service or "", fault.action, replica.label or replica.name,
                                    moment))

    def _timed_change(self, deployment: Deployment, change: Change, phase: str, record: PhaseRecord) -> None:
        record.changed_at = time.monotonic()
        try:
            deployment.apply(change, phase, force=self._forced)
        except EnvlabError as exc:
            self.emit(ErrorRaised(f"could not change {change.service}: {exc.message}", exc.hint))

    # measurements ------------------------------------------------------------------------------
    def _check(self, deployment: Deployment, phase: Phase, record: PhaseRecord, *, before_fix: bool = False) -> bool:
        ok = True
        for expectation in phase.expect:
            service = expectation.service or self._balanced()
            measured = measure(expectation.metric, record, service, expectation.server or "")
            passed = within(measured, expectation.min, expectation.max)
            ok = ok and passed
            self.emit(MeasurementChecked(phase.name, expectation.metric, measured.value, expectation.min,
                                         expectation.max, passed, pick(expectation.title, self.lang),
                                         measured.detail, before_fix=before_fix))
        return ok

