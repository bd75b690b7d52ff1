"""The engine's own words: English wherever a str goes, the learner's language where a face asks for it."""

from __future__ import annotations

import copy
import json
import pickle

from envlab.engine.checks import CheckResult
from envlab.engine.events import CheckFinished, event_from_dict, step_label
from envlab.engine.inspect import STATUS_LABELS, label
from envlab.engine.wording import WORDS, Words, said, say
from tests.helpers import untranslated


def test_every_text_exists_in_every_language_with_the_same_placeholders() -> None:
    assert untranslated(WORDS) == []


def test_words_are_their_english_and_say_themselves_in_japanese() -> None:
    words = Words("check.exited_wanted", run="python3 app.py", code=1, wanted=0, last="Traceback")
    assert words == "`python3 app.py` exited 1, wanted 0: Traceback"
    assert words.said("ja") == "`python3 app.py` の終了コードは 1(期待は 0): Traceback"
    assert say(words, "ja") == words.said("ja")
    assert say("plain text from a container", "ja") == "plain text from a container"
    assert words.said("fr") == words  # a language without the text falls back to English


def test_values_that_are_words_or_lists_are_said_in_the_same_language() -> None:
    reason = Words("judge.runbook_step", n=2, reason=Words("judge.declared_error", code=1))
    assert reason == "runbook step 2: exit code 1, with the declared error"
    assert reason.said("ja") == "手順書のステップ 2: 終了コード 1、宣言どおりのエラー"
    names = Words("list", items=[label("os"), label("package:python3")])
    assert names == "OS release, package python3"
    assert names.said("ja") == "OS リリース、パッケージ python3"
    assert said("change.joined", "en", parts=[Words("change.scale", n=3), Words("change.restart", policy="always")]) \
        == "scale to 3; restart policy always"


def test_words_survive_copies_pickles_and_json_as_their_english() -> None:
    words = Words("check.file_missing", path="/etc/app.toml")
    assert copy.deepcopy(words) is words and copy.copy(words) is words
    again = pickle.loads(pickle.dumps(words))
    assert isinstance(again, Words) and again.said("ja") == "/etc/app.toml がありません"
    event = CheckFinished("config", "prod", False, False, CheckResult(False, words).detail)
    line = event.to_json()
    assert json.loads(line)["detail"] == "/etc/app.toml does not exist"  # the JSON face writes the English
    assert event_from_dict(json.loads(line)) == event


def test_labels_and_states_the_faces_show_are_words() -> None:
    assert step_label(-2) == "probe" and say(step_label(-2), "ja") == "確認コマンド"
    assert step_label(100) == "fix 1" and say(step_label(0), "ja") == "ステップ 1"
    assert STATUS_LABELS["missing"] == "∅ missing" and say(STATUS_LABELS["missing"], "ja") == "∅ ない"
