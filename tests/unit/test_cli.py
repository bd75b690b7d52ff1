"""The `envlab` command as a user meets it: messages and exit codes, never a traceback."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import REPO, envlab

BROKEN = REPO / "tests" / "fixtures" / "broken"


def test_list_shows_lessons_in_order() -> None:
    result = envlab("list")
    assert result.returncode == 0, result.stderr
    assert "os-skew" in result.stdout and "OS version skew" in result.stdout


def test_list_in_japanese() -> None:
    result = envlab("list", "--lang", "ja")
    assert "OSのバージョン差" in result.stdout


def test_validate_reports_file_line_col_and_exits_1() -> None:
    result = envlab("validate", str(BROKEN / "missing-field.yaml"), str(BROKEN / "unknown-key.yaml"))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert f"{BROKEN.relative_to(REPO)}/missing-field.yaml:11:9: hosts[0].runbook[0].run: field required" in lines
    assert any(line.startswith(f"{BROKEN.relative_to(REPO)}/unknown-key.yaml:10:5: hosts[0].colour") for line in lines)
    assert "Traceback" not in result.stdout + result.stderr


def test_validate_every_known_lesson_by_default() -> None:
    result = envlab("validate")
    assert result.returncode == 0 and "valid" in result.stdout


def test_extra_lesson_folders_from_flag_and_environment(tmp_path: Path) -> None:
    extra = tmp_path / "mine"
    extra.mkdir()
    source = (REPO / "lessons" / "01-os-skew.yaml").read_text(encoding="utf-8")
    (extra / "copy.yaml").write_text(source.replace("id: os-skew", "id: my-skew"), encoding="utf-8")
    shutil.copytree(REPO / "assets" / "os-skew", extra / "assets" / "my-skew")  # a pack holds its own assets
    by_flag = envlab("list", "--lessons", str(extra))
    by_env = envlab("list", env={"ENVLAB_LESSONS": str(extra)})
    for result in (by_flag, by_env):
        assert result.returncode == 0, result.stderr
        assert "my-skew" in result.stdout and "os-skew" in result.stdout


def test_a_broken_lesson_in_an_extra_folder_is_reported_not_fatal(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text((BROKEN / "missing-field.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    result = envlab("list", "--lessons", str(tmp_path))
    assert result.returncode == 0
    assert "bad.yaml:11:9: hosts[0].runbook[0].run: field required" in result.stderr
    assert "os-skew" in result.stdout


def test_schema_is_json() -> None:
    result = envlab("schema")
    assert json.loads(result.stdout)["title"] == "envlab lesson"


def test_an_unknown_lesson_is_a_clear_error() -> None:
    result = envlab("run", "no-such-lesson")
    assert result.returncode == 1
    assert "no lesson called 'no-such-lesson'" in result.stderr and "os-skew" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", [["run", "os-skew"], ["test", "os-skew"], ["images", "prepare"], ["clean"]])
def test_docker_down_is_a_message_and_exit_3(command: list[str], tmp_path: Path) -> None:
    result = envlab(*command, env={"DOCKER_HOST": f"unix://{tmp_path}/no-docker.sock"})
    assert result.returncode == 3, result.stdout + result.stderr
    assert "cannot reach the Docker engine" in result.stderr
    assert "hint:" in result.stderr and "Traceback" not in result.stderr


def test_doctor_says_what_to_do_when_docker_is_down(tmp_path: Path) -> None:
    result = envlab("doctor", env={"DOCKER_HOST": f"unix://{tmp_path}/no-docker.sock"})
    assert result.returncode == 1
    assert "from DOCKER_HOST" in result.stdout and "engine unreachable" in result.stdout
    assert "what to do" in result.stdout


def test_test_without_lessons_asks_for_them() -> None:
    result = envlab("test")
    assert result.returncode == 1 and "--all" in result.stderr


def test_help_for_every_command() -> None:
    for command in ("list", "run", "validate", "test", "images", "doctor", "clean", "schema"):
        result = envlab(command, "--help")
        assert result.returncode == 0 and "usage: envlab" in result.stdout


def test_doctor_follows_the_current_docker_context(tmp_path: Path) -> None:
    config = tmp_path / "docker-config"
    config.mkdir()
    (config / "config.json").write_text("{}", encoding="utf-8")
    code = (
        "import os\n"
        "from docker.context import ContextAPI\n"
        f"ContextAPI.create_context('kiosk', host='unix://{tmp_path}/kiosk.sock')\n"
        "ContextAPI.set_current_context('kiosk')\n"
    )
    env = {"DOCKER_CONFIG": str(config)}
    subprocess.run([sys.executable, "-c", code], env={**os.environ, **env}, check=True)
    clean_env = {k: v for k, v in os.environ.items() if k != "DOCKER_HOST"} | {"COLUMNS": "300"}
    result = subprocess.run([sys.executable, "-m", "envlab", "doctor"], capture_output=True, text=True,
                            env={**clean_env, **env}, cwd=REPO, timeout=120, check=False)
    assert f"unix://{tmp_path}/kiosk.sock (from context kiosk)" in result.stdout
    assert result.returncode == 1 and "engine unreachable" in result.stdout


def test_options_work_before_and_after_the_command_name() -> None:
    before = envlab("--lang", "ja", "list")
    after = envlab("list", "--lang", "ja")
    assert "OSのバージョン差" in before.stdout and "OSのバージョン差" in after.stdout
