"""Fields that contradict each other: each mistake is reported at its own line and column, with the field and
a fix; errors refuse the lesson, warnings let it load and `envlab validate` still exits 0."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from envlab.lessons.catalog import load_checked
from envlab.lessons.loader import LessonFileError
from tests.helpers import envlab

SCENARIO = """\
id: mistakes
chapter: 3
order: 1
title: t
summary: s
narrative: n
topology:
  services:
    - name: web
      build: {{context: .}}
      replicas: 3
      port: 8000
    - name: worker
      image: local/worker:1
      replicas: 2
  balancer:
    service: web
    build: {{context: .}}
{autoscaler}
phases:
  - name: one
    say: s
{phase}
"""

DRIFT = """\
id: mistakes
chapter: 1
order: 1
title: t
summary: s
narrative: n
hosts:
  - name: old
    image: debian:bookworm-slim
    probe: {{run: "true", expect: {{outcome: pass}}}}
fix:
  name: container
  build: {{inline: "FROM debian:bookworm-slim\\n"}}
  ports: [8080]
  probe: {{run: "true", expect: {{outcome: pass}}}}
checks:
{checks}
"""


def _write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "assets" / "mistakes").mkdir(parents=True, exist_ok=True)
    (tmp_path / "assets" / "mistakes" / "Dockerfile").write_text("FROM debian:bookworm-slim\n", encoding="utf-8")
    path = tmp_path / "mistakes.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def scenario(tmp_path: Path, phase: str, autoscaler: str = "") -> Path:
    return _write(tmp_path, SCENARIO.format(phase=phase, autoscaler=autoscaler))


def refused(path: Path) -> list[str]:
    """Every problem of a refused file, without its file name."""
    with pytest.raises(LessonFileError) as caught:
        load_checked(path)
    return [str(p).split(":", 1)[1] for p in caught.value.problems]


def warned(path: Path) -> list[str]:
    """The warnings of a file that loads, without its file name."""
    return [str(p).split(":", 1)[1] for p in load_checked(path).warnings]


def test_a_fault_after_its_phases_traffic_has_ended(tmp_path: Path) -> None:
    path = scenario(tmp_path, "    traffic: {duration: 6}\n    faults:\n      - {at: 30, action: kill, service: web}")
    assert refused(path) == ["25:14: phases[0].faults[0].at: at 30 s, but the phase's traffic lasts 6 s and the "
                             "fault would come after it: give an 'at' below 6, or a longer traffic.duration"]


def test_a_fault_on_more_replicas_than_the_service_runs(tmp_path: Path) -> None:
    path = scenario(tmp_path, "    traffic: {duration: 6}\n    faults:\n"
                              "      - {at: 1, action: kill, service: web, count: 5}")
    assert refused(path) == ["25:52: phases[0].faults[0].count: hits 5 replicas of web, which runs at most 3 in "
                             "this phase: lower 'count' to 3 or fewer, or give web more replicas"]


def test_replicas_follow_the_changes_of_earlier_phases(tmp_path: Path) -> None:
    phases = ("    changes: [{service: web, replicas: 1}]\n"
              "  - name: two\n    say: s\n    traffic: {duration: 6}\n    faults:\n"
              "      - {at: 1, action: kill, service: web, count: 2}")
    assert refused(scenario(tmp_path, phases)) == [
        "28:52: phases[1].faults[0].count: hits 2 replicas of web, which runs at most 1 in this phase: lower "
        "'count' to 1 or fewer, or give web more replicas"]


def test_a_traffic_metric_in_a_phase_without_traffic(tmp_path: Path) -> None:
    path = scenario(tmp_path, "    expect:\n      - {metric: error_rate, max: 0}")
    assert refused(path) == ["24:18: phases[0].expect[0].metric: error_rate is measured from the phase's traffic, "
                             "and this phase has none: give the phase 'traffic', or measure replicas "
                             "(min_running, final_running)"]


def test_an_autoscaler_on_a_service_not_behind_the_balancer(tmp_path: Path) -> None:
    path = scenario(tmp_path, "    traffic: {duration: 6}", autoscaler="  autoscaler: {service: worker, target: 5}")
    assert refused(path) == ["19:25: topology.autoscaler.service: worker is not behind the balancer (it balances "
                             "web), so the load the autoscaler sees is not its own: scale web, or balance worker"]


def test_a_timed_change_in_a_phase_without_traffic(tmp_path: Path) -> None:
    path = scenario(tmp_path, "    changes:\n      - {service: web, replicas: 2, at: 3}")
    assert refused(path) == ["24:41: phases[0].changes[0].at: a timed change counts from the traffic's start, and "
                             "this phase has no traffic, so it never happens: give the phase 'traffic', or drop "
                             "'at' to apply it before the phase"]


def test_fault_times_without_a_fault(tmp_path: Path) -> None:
    path = scenario(tmp_path, "    traffic: {duration: 6}\n    expect:\n      - {metric: recovery_time, max: 5}")
    assert refused(path) == ["25:18: phases[0].expect[0].metric: recovery_time counts from the phase's first "
                             "fault, and this phase has none: add a fault, or drop this expectation"]


def test_an_update_state_without_a_change(tmp_path: Path) -> None:
    path = scenario(tmp_path, "    expect:\n      - {metric: update_state, min: 1}")
    assert refused(path) == ["24:18: phases[0].expect[0].metric: update_state is the outcome of the phase's change, "
                             "and this phase waits for none: add a change (with 'wait: true')"]


def test_a_running_count_above_every_replica_the_service_has(tmp_path: Path) -> None:
    path = scenario(tmp_path, "    expect:\n      - {metric: min_running, service: worker, min: 4}")
    assert refused(path) == ["24:53: phases[0].expect[0].min: worker runs at most 2 replicas in this phase, so "
                             "min_running can never reach 4: lower 'min', or scale worker up"]


def test_the_autoscalers_max_counts_while_traffic_flows(tmp_path: Path) -> None:
    path = scenario(tmp_path, "    traffic: {duration: 6}\n    faults:\n"
                              "      - {at: 1, action: kill, service: web, count: 5}",
                    autoscaler="  autoscaler: {service: web, target: 5, max: 6}")
    assert warned(path) == []


def test_a_share_bounded_above_one_is_a_warning(tmp_path: Path) -> None:
    path = scenario(tmp_path, "    traffic: {duration: 6}\n    expect:\n      - {metric: error_rate, max: 5}")
    assert warned(path) == ["25:35: warning: phases[0].expect[0].max: error_rate is a share from 0 to 1, so 5 "
                            "bounds nothing: write 0.05 for 5 %"]


def test_a_service_on_a_traffic_metric_is_a_warning(tmp_path: Path) -> None:
    path = scenario(tmp_path, "    traffic: {duration: 6}\n    expect:\n"
                              "      - {metric: requests, service: worker, min: 1}")
    assert warned(path) == ["25:37: warning: phases[0].expect[0].service: requests is measured at the balancer, in "
                            "front of web, whatever 'service' says: drop 'service'"]


def test_a_change_that_changes_nothing_is_a_warning(tmp_path: Path) -> None:
    path = scenario(tmp_path, "    changes:\n      - {service: web}")
    assert warned(path) == ["24:9: warning: phases[0].changes[0]: this change of web changes nothing: give env, "
                            "replicas, health, update or restart"]


def test_a_hang_that_no_health_check_sees_is_a_warning(tmp_path: Path) -> None:
    path = scenario(tmp_path, "    traffic: {duration: 6}\n    faults:\n      - {at: 1, action: hang, service: web}\n"
                              "    expect:\n      - {metric: detection_time, max: 5}")
    assert warned(path) == ["27:18: warning: phases[0].expect[0].metric: a hung replica is seen only by a health "
                            "check, and web has none (unless its image declares a HEALTHCHECK): give it 'health'"]


def test_a_hang_in_a_challenge_check_may_be_seen_by_the_check_the_learner_adds(tmp_path: Path) -> None:
    """The learner's change comes before a challenge's check: a service with no health check yet may have one
    by then (giving it one may be the challenge), so only a phase of the lesson's own is warned about."""
    on_a_server = SCENARIO.replace("topology:\n", "topology:\n  orchestrator: swarm\n  servers:\n"
                                                  "    - {{name: node-1, role: manager}}\n  console: [read, scale]\n")
    hang = ("traffic: {duration: 6}\nfaults:\n  - {at: 1, action: hang, service: web}\n"
            "expect:\n  - {metric: detection_time, max: 5}\n")
    challenge = ("challenge:\n  task: Give web a health check.\n"
                 "  solution: [docker service update --health-cmd true web]\n"
                 "  check:\n    name: freeze\n    say: s\n" + textwrap.indent(hang, "    "))
    lesson = on_a_server.format(phase="    traffic: {duration: 2}", autoscaler="") + challenge
    assert warned(_write(tmp_path, lesson)) == []
    in_a_phase = on_a_server.format(phase=textwrap.indent(hang, "    ").rstrip("\n"), autoscaler="")
    assert [w for w in warned(_write(tmp_path, in_a_phase)) if "web has none" in w]


def test_an_autoscaler_without_traffic_is_a_warning(tmp_path: Path) -> None:
    path = scenario(tmp_path, "    changes: [{service: web, replicas: 2}]",
                    autoscaler="  autoscaler: {service: web, target: 5}")
    assert warned(path) == ["19:15: warning: topology.autoscaler: the autoscaler runs only while a phase's traffic "
                            "flows, and no phase has traffic: give a phase 'traffic'"]


def test_a_check_name_used_twice(tmp_path: Path) -> None:
    checks = ("  - {name: same, target: old, type: file, path: /etc/a}\n"
              "  - {name: same, target: old, type: file, path: /etc/b}")
    assert refused(_write(tmp_path, DRIFT.format(checks=checks))) == [
        "18:12: checks[1].name: check name 'same' is also the name of checks[0]; the challenge names checks, so "
        "give each its own name"]


def test_a_pattern_for_a_file_that_must_not_exist(tmp_path: Path) -> None:
    checks = "  - {name: gone, target: old, type: file, path: /etc/a, exists: false, contains: x}"
    assert refused(_write(tmp_path, DRIFT.format(checks=checks))) == [
        "17:82: checks[0].contains: a file that must not exist has no content to match: drop 'contains', or make "
        "it 'exists: true'"]


def test_an_http_check_on_a_fix_that_does_not_serve_is_a_warning(tmp_path: Path) -> None:
    checks = "  - {name: web, target: container, type: http, port: 8080}"
    assert warned(_write(tmp_path, DRIFT.format(checks=checks))) == [
        "17:25: warning: checks[0].target: container does not run its image's command (no 'serve: true'), so "
        "nothing may listen on the port; give the fix 'serve: true'"]


def test_a_challenge_check_on_another_setup_is_a_warning(tmp_path: Path) -> None:
    checks = ("  - {name: image-env, target: container, type: env, var: A}\n"
              "challenge:\n  target: old\n  task: t\n  checks: [image-env]\n"
              "  solution: [{say: s, run: \"true\"}]")
    assert warned(_write(tmp_path, DRIFT.format(checks=checks))) == [
        "21:12: warning: challenge.checks[0]: 'image-env' looks at container, but the solution runs in old: it "
        "cannot make this check pass; name checks of old"]


CHALLENGE = "challenge:\n  target: old\n  task: t\n  checks: [{name}]\n  solution: [{{say: s, run: \"true\"}}]"


def test_a_challenge_check_that_holds_before_the_fix(tmp_path: Path) -> None:
    checks = ("  - {name: fixed, target: old, type: env, var: A, holds: both}\n"
              + CHALLENGE.format(name="fixed"))
    assert refused(_write(tmp_path, DRIFT.format(checks=checks))) == [
        "17:58: checks[0].holds: the challenge names 'fixed', so it must fail before the fix (that shows old is "
        "broken) and cannot hold before and after it: drop 'holds', or take the check out of challenge.checks"]


def test_a_check_held_after_a_fix_that_never_comes(tmp_path: Path) -> None:
    checks = "  - {name: later, target: old, type: env, var: A, holds: after}"
    assert refused(_write(tmp_path, DRIFT.format(checks=checks))) == [
        "17:58: checks[0].holds: this lesson has no challenge, so there is no fix to run the check after and it "
        "would never run: drop 'holds', or give the lesson a challenge"]


def test_holds_both_without_a_challenge_is_a_warning(tmp_path: Path) -> None:
    checks = "  - {name: always, target: old, type: env, var: A, holds: both}"
    assert warned(_write(tmp_path, DRIFT.format(checks=checks))) == [
        "17:59: warning: checks[0].holds: this lesson has no challenge, so 'both' is the same as 'before': drop "
        "'holds'"]


def test_holds_after_on_a_setup_the_solution_never_touches_is_a_warning(tmp_path: Path) -> None:
    checks = ("  - {name: fixed, target: old, type: env, var: A}\n"
              "  - {name: image-env, target: container, type: env, var: A, holds: after}\n"
              + CHALLENGE.format(name="fixed"))
    assert warned(_write(tmp_path, DRIFT.format(checks=checks))) == [
        "18:68: warning: checks[1].holds: the solution runs in old, so it cannot change what this check sees on "
        "container: make it 'both' (or drop 'holds')"]


def test_holds_both_on_a_check_the_challenge_does_not_name_loads_cleanly(tmp_path: Path) -> None:
    checks = ("  - {name: fixed, target: old, type: env, var: A}\n"
              "  - {name: legacy-off, target: old, type: env, var: LEGACY, equals: \"0\", holds: both}\n"
              + CHALLENGE.format(name="fixed"))
    loaded = load_checked(_write(tmp_path, DRIFT.format(checks=checks)))
    assert loaded.warnings == ()


def test_validate_prints_warnings_and_exits_0(tmp_path: Path) -> None:
    path = scenario(tmp_path, "    changes:\n      - {service: web}")
    result = envlab("validate", str(path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "24:9: warning: phases[0].changes[0]: this change of web changes nothing" in result.stdout
    assert "1 lesson file(s) valid; 1 warning(s)" in result.stdout


def test_validate_counts_errors_not_warnings(tmp_path: Path) -> None:
    path = scenario(tmp_path, "    changes:\n      - {service: web}\n    expect:\n      - {metric: requests, min: 1}")
    result = envlab("validate", str(path))
    assert result.returncode == 1
    assert "1 problem(s); 1 warning(s); 0 lesson file(s) valid" in result.stdout


def test_validate_of_a_course_root_reads_its_lessons_folder(tmp_path: Path) -> None:
    (tmp_path / "course" / "lessons").mkdir(parents=True)
    _write(tmp_path / "course" / "lessons", DRIFT.format(checks="  []"))
    result = envlab("validate", str(tmp_path / "course"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 lesson file(s) valid" in result.stdout


def test_validate_of_a_course_root_with_an_empty_lessons_folder_says_both_places(tmp_path: Path) -> None:
    (tmp_path / "course" / "lessons").mkdir(parents=True)
    result = envlab("validate", str(tmp_path / "course"))
    assert result.returncode == 1
    course = (tmp_path / "course").resolve()
    assert f"no lesson files (*.yaml, *.yml) directly in {course} or in {course / 'lessons'}" in result.stdout
    assert "in a lessons/ folder" in result.stdout


def test_validate_with_a_lessons_option_that_holds_no_lesson_names_the_folder_to_pass(tmp_path: Path) -> None:
    (tmp_path / "course" / "lessons").mkdir(parents=True)
    _write(tmp_path / "course" / "lessons", DRIFT.format(checks="  []"))
    result = envlab("validate", "--lessons", str(tmp_path / "course"))
    assert result.returncode == 1
    assert f"but 1 in its lessons/ folder: pass --lessons {tmp_path / 'course' / 'lessons'}" in result.stdout


def test_swarms_rolling_update_on_plain_docker_is_a_warning(tmp_path: Path) -> None:
    path = scenario(tmp_path, "    changes:\n      - {service: web, env: {A: b}, update: {order: start-first}}")
    assert warned(path) == ["24:45: warning: phases[0].changes[0].update: 'update' is Swarm's rolling update: with "
                            "plain Docker, envlab replaces replicas one by one and ignores it; drop 'update', or use "
                            "orchestrator: swarm"]


def test_a_restart_policy_on_swarm_is_a_warning(tmp_path: Path) -> None:
    text = SCENARIO.format(phase="    changes: [{service: web, replicas: 2}]", autoscaler="").replace(
        "topology:\n", "topology:\n  orchestrator: swarm\n").replace("      replicas: 3\n",
                                                                      "      replicas: 3\n      restart: always\n")
    assert warned(_write(tmp_path, text)) == [
        "13:16: warning: topology.services[0].restart: 'restart' is plain Docker's restart policy: Swarm always "
        "restarts failed tasks and ignores it; drop 'restart', or use orchestrator: docker"]


def test_recovery_of_a_service_the_faults_do_not_hit_is_a_warning(tmp_path: Path) -> None:
    path = scenario(tmp_path, "    traffic: {duration: 6}\n    faults:\n"
                              "      - {at: 1, action: kill, service: worker}\n"
                              "    expect:\n      - {metric: recovery_time, max: 5}")
    assert warned(path) == ["27:18: warning: phases[0].expect[0].metric: recovery_time is measured on web, and this "
                            "phase's faults hit worker: give 'service: worker'"]


@pytest.mark.parametrize(("check", "col", "field"), [
    ("{name: rel, target: old, type: file, path: etc/a}", 48, "checks[0].path: 'etc/a'"),
    ("{name: rel, target: old, type: env, var: A, file: etc/env}", 55, "checks[0].file: 'etc/env'"),
])
def test_a_check_reads_only_absolute_paths(tmp_path: Path, check: str, col: int, field: str) -> None:
    assert refused(_write(tmp_path, DRIFT.format(checks=f"  - {check}"))) == [
        f"17:{col}: {field} is not an absolute path; a check reads from the container's root, e.g. /etc/app.conf"]


def test_validate_with_an_envlab_lessons_folder_that_holds_no_lesson_fails(tmp_path: Path) -> None:
    result = envlab("validate", env={"ENVLAB_LESSONS": str(tmp_path)})
    assert result.returncode == 1
    assert f"no lesson files (*.yaml, *.yml) directly in {tmp_path.resolve()}" in result.stdout


def test_after_the_autoscaler_has_run_its_service_may_run_up_to_its_max(tmp_path: Path) -> None:
    phases = ("    traffic: {duration: 6}\n  - name: two\n    say: s\n"
              "    expect:\n      - {metric: min_running, min: 5}")
    assert warned(scenario(tmp_path, phases, autoscaler="  autoscaler: {service: web, target: 5, max: 6}")) == []


def test_a_hang_detected_sooner_than_the_health_check_can_is_a_warning(tmp_path: Path) -> None:
    phase = ("    traffic: {duration: 6}\n    faults:\n      - {at: 1, action: hang, service: web}\n"
             "    expect:\n      - {metric: detection_time, max: 1}")
    text = SCENARIO.format(phase=phase, autoscaler="").replace(
        "      port: 8000\n", "      port: 8000\n      health: {run: \"true\", interval: 1, retries: 3}\n", 1)
    assert warned(_write(tmp_path, text)) == [
        "28:39: warning: phases[0].expect[0].max: a hang is seen after the health check's retries × interval, 3 s at "
        "the soonest, so detection_time cannot stay under 1: raise 'max', or check more often"]
