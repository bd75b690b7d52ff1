"""Each scenario metric has a name and a unit in every language, and its values read in that unit."""

from __future__ import annotations

from typing import get_args

import pytest

from envlab.lessons.scenario import (
    METRIC_TEXT,
    Metric,
    metric_bounds,
    metric_label,
    metric_value,
)
from envlab.lessons.text import SUPPORTED_LANGUAGES


def test_every_metric_has_a_name_in_every_language() -> None:
    assert set(METRIC_TEXT) == set(get_args(Metric))
    for metric, (names, _unit) in METRIC_TEXT.items():
        assert set(names) == set(SUPPORTED_LANGUAGES), metric
        assert all(name.strip() and name != metric for name in names.values()), metric


@pytest.mark.parametrize(("metric", "value", "en", "ja"), [
    ("final_running", 3.0, "3", "3"),
    ("recovery_time", 9.12, "9.1 s", "9.1 秒"),
    ("detection_time", 4.0, "4 s", "4 秒"),
    ("error_rate", 0.004, "0.4 %", "0.4 %"),
    ("lost_session_share", 0.0, "0 %", "0 %"),
    ("update_state", 2.0, "rolled back", "ロールバック"),
    ("recovery_time", None, "never", "起きず"),
])
def test_a_value_reads_in_its_unit(metric: str, value: float | None, en: str, ja: str) -> None:
    assert metric_value(metric, value, "en") == en
    assert metric_value(metric, value, "ja") == ja


def test_names_and_bounds_read_as_people_say_them() -> None:
    assert metric_label("final_running", "en") == "replicas running at the end"
    assert metric_label("recovery_time", "ja") == "復旧時間"
    assert metric_bounds("error_rate", None, 0.01, "en") == "≤ 1 %"
    assert metric_bounds("final_running", 3, 3, "en") == "= 3"
    assert metric_bounds("recovery_time", 2, 15, "ja") == "2 秒 … 15 秒"
    assert metric_bounds("min_running", 2, None, "en") == "≥ 2"
