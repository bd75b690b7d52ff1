"""Scenario lessons as data: references checked with positions, and the Kubernetes manifests they show
validated against the Kubernetes schema."""

from __future__ import annotations

import shutil
from pathlib import Path

import kubernetes_validate
import pytest
from ruamel.yaml import YAML

from envlab.engine.images import image_needs
from envlab.engine.scenario.kubernetes import kubernetes_manifests
from envlab.lessons.catalog import load_catalog, load_checked
from envlab.lessons.loader import LessonFileError
from tests.helpers import REPO

KUBERNETES_VERSION = "1.30.0"
SCENARIOS = [loaded for loaded in load_catalog().lessons if loaded.lesson.kind == "scenario"]

LESSON = """\
id: tiny-scenario
chapter: 3
order: 9
assets: {assets}
title: t
summary: s
narrative: n
topology:
  services:
    - name: web
      build: {{context: web}}
      port: 8000
  balancer:
    service: web
    build: {{context: balancer}}
phases:
  - name: one
    say: s
    traffic: {{duration: 2}}
    faults:
      - {{at: 1, action: kill, service: wbe}}
    expect:
      - {{metric: error_rate, max: 0}}
"""


def write(tmp_path: Path, text: str) -> Path:
    if not (tmp_path / "shop").exists():  # a pack holds its own assets: the shop's, copied in
        shutil.copytree(REPO / "assets" / "shop", tmp_path / "shop")
    path = tmp_path / "tiny.yaml"
    path.write_text(text.format(assets="shop"), encoding="utf-8")
    return path


def test_the_curriculum_has_scenario_lessons() -> None:
    assert {"scale-out-sessions", "self-healing", "rolling-update"} <= {s.lesson.id for s in SCENARIOS}


def test_an_unknown_service_is_named_with_its_position(tmp_path: Path) -> None:
    with pytest.raises(LessonFileError) as caught:
        load_checked(write(tmp_path, LESSON))
    assert [str(p).split(":", 1)[1] for p in caught.value.problems] == [
        "21:40: phases[0].faults[0].service: unknown service 'wbe' (services: web)"]


def test_a_fault_needs_traffic_to_be_timed_from(tmp_path: Path) -> None:
    text = LESSON.replace("    traffic: {{duration: 2}}\n", "").replace("wbe", "web")
    with pytest.raises(LessonFileError, match="faults are timed from the traffic's start"):
        load_checked(write(tmp_path, text))


def test_a_bound_needs_min_or_max(tmp_path: Path) -> None:
    text = LESSON.replace("wbe", "web").replace("{{metric: error_rate, max: 0}}", "{{metric: error_rate}}")
    with pytest.raises(LessonFileError, match="give 'min', 'max' or both"):
        load_checked(write(tmp_path, text))


def test_service_images_are_prepared_with_the_lessons() -> None:
    needs = {n.tag.split(":")[0]: n for n in image_needs(SCENARIOS)}
    assert {"envlab-svc/web", "envlab-svc/sessions", "envlab-svc/balancer"} <= set(needs)
    assert needs["debian"].tag == "debian:bookworm-slim"
    # One app, one image: every scenario lesson shares the shop's build.
    assert set(needs["envlab-svc/web"].lessons) == {s.lesson.id for s in SCENARIOS}


@pytest.mark.parametrize("loaded", [s for s in SCENARIOS if s.lesson.kubernetes],
                         ids=lambda s: s.lesson.id)
def test_kubernetes_manifests_are_valid_kubernetes(loaded) -> None:  # type: ignore[no-untyped-def]
    shown = kubernetes_manifests(loaded)  # what a run and the TUI show, read as they read it
    assert shown is not None
    documents = [d for d in YAML(typ="safe").load_all(shown) if d]
    kinds = {d["kind"] for d in documents}
    assert {"Deployment", "Service"} <= kinds
    for document in documents:
        kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)


def test_a_lesson_without_a_kubernetes_section_has_no_manifests() -> None:
    catalog = load_catalog()
    assert kubernetes_manifests(catalog.get("os-skew")) is None
    assert all(kubernetes_manifests(s) is None for s in SCENARIOS if s.lesson.kubernetes is None)


def test_the_validator_really_rejects_a_wrong_manifest() -> None:
    wrong = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
             "spec": {"replicas": "three", "selector": {"matchLabels": {"app": "web"}},
                      "template": {"metadata": {"labels": {"app": "web"}},
                                   "spec": {"containers": [{"name": "web", "image": "x", "livenesProbe": {}}]}}}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(wrong, KUBERNETES_VERSION, strict=True)
