"""A scenario lesson's challenge, done in the console, on the fake runtime: `envlab test` measures the check before
the solution (it must fail), types the solution into the console, measures again (it must hold); a learner's run
keeps the system up until the learner asks for the check; a lesson that gets the challenge wrong is refused at
file:line:col.

The fake's console runs no docker CLI, so a test stands in for the commands it types: it changes the cluster's
service the way the command would, and the run must see that change only through the engine.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from envlab.engine.describe import describe
from envlab.engine.events import ErrorRaised, Event
from envlab.engine.images import image_needs
from envlab.engine.outcome import RunSummary
from envlab.engine.run import open_run
from envlab.engine.scenario.events import AutoscalerDecided, ChallengeChecked, MeasurementChecked, SolutionTyped
from envlab.engine.scenario.run import ScenarioRun
from envlab.engine.scenario.servers import cluster_name
from envlab.errors import EnvlabError
from envlab.lessons.catalog import load_checked
from envlab.lessons.loader import LoadedLesson
from envlab.lessons.problems import LessonFileError
from envlab.runtime.contract import ExecResult
from envlab.runtime.fake import FakeRuntime
from tests.helpers import FIXTURES

LESSON = FIXTURES / "servers" / "tiny-challenge.yaml"
SCALE = re.compile(r"^docker service scale (?P<service>[a-z-]+)=(?P<n>\d+)$")
LABEL = re.compile(r"^docker service update --quiet --label-add (?P<label>[a-z.]+)=(?P<value>\S+) "
                   r"(?P<service>[a-z-]+)$")


def console_does_what_it_types(fake: FakeRuntime, run: ScenarioRun, *, works: bool = True) -> list[str]:
    """Make the fake's console act on ``docker service scale S=N`` and ``docker service update --quiet --label-add
    L=V S`` as the CLI would (``works=False``: the command runs and changes nothing); return the lines typed."""
    typed: list[str] = []
    plain_exec = fake.exec

    def exec_(container: str, command: str, **kwargs: object) -> ExecResult:
        result = plain_exec(container, command, **kwargs)  # type: ignore[arg-type]
        if container == run.console:
            typed.append(command)
            engine = fake.cluster_engine(cluster_name(run.session, run.lesson_id))
            found, labelled = SCALE.match(command), LABEL.match(command)
            if found and works:
                engine.update_service(found["service"], replicas=int(found["n"]))
            if labelled and works:
                assert isinstance(engine, FakeRuntime)
                engine.add_service_labels(labelled["service"], {labelled["label"]: labelled["value"]})
        return result

    fake.exec = exec_  # type: ignore[method-assign]
    return typed


def fake_for(loaded: LoadedLesson) -> FakeRuntime:
    return FakeRuntime(images={need.tag for need in image_needs([loaded])})


def proven(fake: FakeRuntime, loaded: LoadedLesson, *, works: bool = True) -> tuple[list[Event], list[str]]:
    run = open_run(loaded, fake)
    assert isinstance(run, ScenarioRun)
    typed = console_does_what_it_types(fake, run, works=works)
    return list(run.events(solve=True)), typed


def test_the_proof_measures_the_check_before_the_solution_types_it_into_the_console_and_measures_again() -> None:
    loaded = load_checked(LESSON)
    fake = fake_for(loaded)
    events, typed = proven(fake, loaded)
    summary = RunSummary.of(events)
    assert summary.as_claimed, summary.failures
    assert typed == ["docker service scale web=3"]
    assert [(e.fixed, e.ok) for e in events if isinstance(e, ChallengeChecked)] == [(False, False), (True, True)]
    assert summary.verdicts["three (before the solution)"] == "failed-as-expected"
    assert summary.verdicts["challenge"] == "passed"
    before = [e for e in events if isinstance(e, MeasurementChecked) and e.phase == "three" and e.before_fix]
    after = [e for e in events if isinstance(e, MeasurementChecked) and e.phase == "three" and not e.before_fix]
    assert [(e.metric, e.value, e.ok) for e in before] == [("final_running", 2.0, False),
                                                           ("server_replicas", 2.0, False)]
    assert [(e.metric, e.value, e.ok) for e in after] == [("final_running", 3.0, True),
                                                          ("server_replicas", 3.0, True)]
    typed_line = next(e for e in events if isinstance(e, SolutionTyped))
    assert describe(typed_line)[0] == "⌨ solution 1: docker service scale web=3"
    assert fake.list_resources() == [] and fake.clusters == {}


def test_a_solution_that_changes_nothing_fails_the_proof_saying_which_bound_is_out() -> None:
    loaded = load_checked(LESSON)
    fake = fake_for(loaded)
    events, _typed = proven(fake, loaded, works=False)
    summary = RunSummary.of(events)
    assert not summary.as_claimed
    assert summary.verdicts["challenge"] == "failed-unexpectedly"
    assert any(f.startswith("three: final_running = 2") for f in summary.failures), summary.failures
    assert fake.list_resources() == []


def edited(tmp_path: Path, edit: Callable[[str], str]) -> Path:
    """The fixture lesson with ``edit`` applied, in a pack of its own beside the fixture's assets."""
    folder = tmp_path / "pack"
    shutil.copytree(FIXTURES / "servers" / "assets", folder / "assets")
    text = LESSON.read_text(encoding="utf-8")
    changed = edit(text)
    assert changed != text, "the edit must change the lesson"
    lesson = folder / LESSON.name
    lesson.write_text(changed, encoding="utf-8")
    return lesson


def test_a_check_that_holds_before_any_change_is_no_challenge(tmp_path: Path) -> None:
    loaded = load_checked(edited(tmp_path, lambda s: s.replace("{metric: final_running, min: 3}", "{metric: "
                                 "final_running, min: 2}").replace("server: node-1, min: 3", "server: node-1, min: 1")))
    fake = fake_for(loaded)
    summary = RunSummary.of(proven(fake, loaded)[0])
    assert not summary.as_claimed
    assert summary.verdicts["three (before the solution)"] == "passed-unexpectedly"
    assert any("already held before the solution" in f for f in summary.failures), summary.failures


def test_a_learner_s_run_stays_up_until_the_learner_asks_and_the_check_sees_the_learner_s_change() -> None:
    loaded = load_checked(LESSON)
    fake = fake_for(loaded)
    run = open_run(loaded, fake)
    assert isinstance(run, ScenarioRun)
    summary = RunSummary.of(run.events(keep=True))
    assert summary.ok, summary.failures
    assert run.live and run.console, "the system and its console stay up for the learner"
    seen: list[Event] = []
    assert not run.verify_challenge(seen.append), "nothing changed yet"
    assert [e.ok for e in seen if isinstance(e, ChallengeChecked)] == [False]
    console_does_what_it_types(fake, run)
    fake.exec(run.console, "docker service scale web=3", on_line=lambda _line: None, timeout=5)
    seen.clear()
    assert run.verify_challenge(seen.append)
    assert describe(next(e for e in seen if isinstance(e, ChallengeChecked)), "ja")[0].startswith("★ three:")
    run.teardown()
    assert not run.live and fake.list_resources() == [] and fake.clusters == {}


def test_after_the_run_is_torn_down_the_check_says_so_in_words() -> None:
    loaded = load_checked(LESSON)
    run = open_run(loaded, fake_for(loaded))
    assert isinstance(run, ScenarioRun)
    with pytest.raises(EnvlabError, match="not running"):
        run.verify_challenge(lambda _event: None)


@pytest.mark.parametrize(("edit", "message"), [
    (lambda s: s.replace("  console: [read, scale]\n", ""), "the challenge is done in the console"),
    (lambda s: s.replace("server: node-1, min: 3", "min: 3"), "server_replicas needs it"),
    (lambda s: s.replace("server: node-1, min: 3", "server: node-9, min: 3"), "unknown server 'node-9'"),
    (lambda s: s.replace("    expect:\n      - {metric: final_running, min: 3}\n      - {metric: server_replicas, "
                         "server: node-1, min: 3}\n", ""), "give it 'expect'"),
])
def test_a_challenge_the_lesson_gets_wrong_is_refused_at_its_line(tmp_path: Path, edit: Callable[[str], str],
                                                                 message: str) -> None:
    with pytest.raises(LessonFileError) as refused:
        load_checked(edited(tmp_path, edit))
    named = [p for p in refused.value.problems if message in p.message]
    assert named, refused.value.problems
    assert all(p.line > 1 and p.file.endswith(LESSON.name) for p in named), named


def test_the_autoscaler_follows_a_max_the_learner_sets_as_a_label_of_the_service() -> None:
    """The check fails under the lesson's max of 2; the solution labels the service with a max of 4, which the loop
    reads at its next look, and the same load then runs on more than two replicas."""
    loaded = load_checked(FIXTURES / "servers" / "tiny-autoscale.yaml")
    fake = fake_for(loaded)
    events, typed = proven(fake, loaded)
    summary = RunSummary.of(events)
    assert summary.as_claimed, summary.failures
    assert typed == ["docker service update --quiet --label-add autoscale.max=4 web"]
    seen = [(e.before_fix, e.value) for e in events if isinstance(e, MeasurementChecked) and e.phase == "four"]
    assert seen[0] == (True, 2.0) and seen[1][0] is False and seen[1][1] is not None and seen[1][1] >= 3
    decided = [e for e in events if isinstance(e, AutoscalerDecided) and e.phase == "four"]
    assert max(e.desired for e in decided) == 4
    assert fake.list_resources() == [] and fake.clusters == {}


def test_a_label_the_autoscaler_cannot_use_is_said_once_and_the_lesson_s_max_stands() -> None:
    loaded = load_checked(FIXTURES / "servers" / "tiny-autoscale.yaml")
    fake = fake_for(loaded)
    run = open_run(loaded, fake)
    assert isinstance(run, ScenarioRun)
    console_does_what_it_types(fake, run)
    original = loaded.lesson.challenge
    assert original is not None
    wrong = original.model_copy(update={"solution": ["docker service update --quiet --label-add autoscale.max=99 web"]})
    run.loaded = dataclasses.replace(loaded, lesson=loaded.lesson.model_copy(update={"challenge": wrong}))
    events = list(run.events(solve=True))
    said = [e.message for e in events if isinstance(e, ErrorRaised) and "autoscale.max" in e.message]
    assert said == ["the autoscaler of web: autoscale.max=99 is ignored: it must be a whole number from 1 to 8, "
                    "not below min"]
    assert not RunSummary.of(events).as_claimed  # the max stayed 2, so the check still fails
