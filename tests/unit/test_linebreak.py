"""Where lines break: after spaces, between Japanese phrases, never at the wrong side of punctuation."""

from __future__ import annotations

import subprocess
import sys

import pytest
from rich.cells import cell_len
from textual.content import Content

from envlab.ui.linebreak import NO_LINE_END, NO_LINE_START, fit, wrap

WATCH = ("「r」を押すと、dev-laptop、prod-server、コンテナ化した修正版 container が実際のコンテナで並んで"
         "起動し、右の各ペインにそのセットアップの出力が流れます。")
DECODE = "当時のどのチュートリアルとも同じように、結果に .decode() を呼んでいます。"


@pytest.mark.parametrize("width", range(8, 40))
@pytest.mark.parametrize("text", [WATCH, DECODE])
def test_japanese_lines_fit_and_keep_the_punctuation_rules(text: str, width: int) -> None:
    lines = wrap(text, width)
    assert all(cell_len(line) <= width for line in lines), lines
    assert all(line[0] not in NO_LINE_START for line in lines), lines
    assert all(line[-1] not in NO_LINE_END for line in lines), lines
    assert "".join(lines).replace(" ", "") == text.replace(" ", ""), "nothing is lost at a break"


def test_japanese_breaks_between_phrases_not_inside_words() -> None:
    assert wrap(WATCH, 30) == ["「r」を押すと、dev-laptop、", "prod-server、コンテナ化した",
                               "修正版 container が実際の", "コンテナで並んで起動し、右の",
                               "各ペインにそのセットアップの", "出力が流れます。"]


@pytest.mark.parametrize("width", range(7, 40))
def test_a_key_in_brackets_stays_with_its_brackets(width: int) -> None:
    assert wrap(WATCH, width)[0].startswith("「r」を"), "not 「r / 」 nor r alone on a line"


def test_english_breaks_at_spaces_and_a_command_keeps_every_word() -> None:
    command = "python3 /opt/inventory/inventory.py --config /etc/inventory.toml --once"
    lines = wrap(command, 40)
    assert lines == ["python3 /opt/inventory/inventory.py", "--config /etc/inventory.toml --once"]


def test_a_word_wider_than_the_line_is_cut_by_cells() -> None:
    assert wrap("コンテナコンテナ", 7) == ["コンテ", "ナコン", "テナ"]
    assert wrap("abcdefgh", 3) == ["abc", "def", "gh"]


def test_fit_keeps_the_styles_of_the_text() -> None:
    content = Content.from_markup("[b]太字[/b]の説明がここにあり、その後に普通の文が続きます。")
    fitted = fit(content, 12)
    assert fitted.plain == "太字の説明が\nここにあり、\nその後に\n普通の文が\n続きます。"
    assert fitted.spans[0].end == 2, "the bold still covers 太字"


def test_budoux_loads_only_when_japanese_is_wrapped() -> None:
    script = ("import sys; from envlab.ui.linebreak import wrap; wrap('a plain English line', 8); "
              "assert 'budoux' not in sys.modules; wrap('日本語の文を折り返します', 8); "
              "assert 'budoux' in sys.modules")
    subprocess.run([sys.executable, "-c", script], check=True)
