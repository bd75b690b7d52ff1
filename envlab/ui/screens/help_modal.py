"""Help: what envlab is for and every key, in one place."""

from __future__ import annotations

from typing import ClassVar

from textual import getters
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

from envlab.ui.app import EnvlabApp
from envlab.ui.widgets.key_bar import KeyBar

HELP_EN = """\
# envlab

Learn why *it works on my machine* happens: each lesson runs the same app on hand-configured
**bare hosts** and as a **containerized fix**, on real containers, side by side.

## Home
| Key | |
|---|---|
| Enter | open the lesson under the cursor (on a chapter: its first unfinished lesson) |
| Space | fold or unfold the chapter under the cursor |
| c | go on at your first unfinished lesson |
| l | switch language (English / 日本語) |
| x | reset the progress of the lesson under the cursor |
| P | prepare the images that are missing (offered while some are) |
| q | quit (everything envlab started is removed) |

## Preparing images
A line per image: its step (bootstrap, pull, build or present), its state, how long it has taken and its
latest output; a failure shows its real error and what to do under the list.

| Key | |
|---|---|
| c | cancel: what is under way finishes, nothing new starts |
| Esc | cancel, or back home once nothing runs; **P** there prepares what is still missing |

## Lesson
| Key | |
|---|---|
| n / p | next / previous step of the guide |
| r | run every setup (again) and watch the panes |
| h | show the next hint (in the challenge's step, or the run's when there is no challenge) |
| i | inspect the drift between the running setups |
| f | fix it yourself: a shell inside the broken host (type `exit` to come back) |
| v | verify your fix with the lesson's checks |
| t | take the quiz |
| k | a scenario's Kubernetes equivalent: its manifests beside what ran on Swarm, and how they map |
| x | reset: tear everything down and run again |
| l | switch language |
| Esc | back to the chapters (the containers are removed) |

Everywhere: **Ctrl+P** opens the command palette, **F1** this help, **Ctrl+Q** quits.
Your progress is saved as you go; `envlab progress export FILE` carries it to another machine.
"""

HELP_JA = """\
# envlab

「自分のマシンでは動くのに」がなぜ起きるのかを学びます。各レッスンでは同じアプリを、手作業で設定した
**ホスト**と**コンテナ化した解決策**の両方で、本物のコンテナの上に並べて動かします。

## ホーム
| キー | |
|---|---|
| Enter | カーソル位置のレッスンを開く(章の見出しでは、まだ終えていない最初のレッスン) |
| Space | カーソル位置の章を折りたたむ/展開する |
| c | まだ終えていない最初のレッスンから続ける |
| l | 言語を切り替える(English / 日本語) |
| x | カーソル位置のレッスンの進捗をリセットする |
| P | 足りないイメージを準備する(足りないときだけ表示されます) |
| q | 終了する(envlab が起動したものはすべて削除されます) |

## イメージの準備
イメージごとに 1 行: 工程(bootstrap、pull、build、present)、状態、かかった時間、最新の出力。
失敗したものは、一覧の下に本当のエラーと対処を表示します。

| キー | |
|---|---|
| c | 中止: 実行中のものは最後まで進み、新しいものは始めません |
| Esc | 中止、または何も動いていなければホームに戻る。ホームの **P** で残りを準備します |

## レッスン
| キー | |
|---|---|
| n / p | ガイドの次 / 前のステップへ |
| r | すべてのセットアップを(もう一度)実行し、ペインで様子を見る |
| h | 次のヒントを表示する(課題のステップ、課題がなければ実行のステップに出ます) |
| i | 実行中のセットアップ間のドリフトを調べる |
| f | 自分で直す: 壊れたホストの中でシェルを開く(`exit` で戻ります) |
| v | レッスンのチェックで修正を確認する |
| t | クイズに挑戦する |
| k | シナリオの Kubernetes での同等物: Swarm で動いたものと並べたマニフェストと、その対応 |
| x | リセット: すべて片付けてから、もう一度実行する |
| l | 言語を切り替える |
| Esc | 章の一覧に戻る(コンテナは削除されます) |

どの画面でも: **Ctrl+P** でコマンドパレット、**F1** でこのヘルプ、**Ctrl+Q** で終了します。
進捗は自動で保存されます。`envlab progress export FILE` で別のマシンに持ち出せます。
"""

#: The help in each language lessons are written in.
HELP = {"en": HELP_EN, "ja": HELP_JA}


def help_text(lang: str) -> str:
    """The help in ``lang``, else in English."""
    return HELP.get(lang, HELP_EN)


class HelpModal(ModalScreen[None]):
    """The keys and what each screen is for, in the app's language.

    The text follows the app's ``lang`` while the help is open, as the rest of the interface does.
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,f1", "dismiss", "Close")]
    envlab = getters.app(EnvlabApp)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Markdown(help_text(self.envlab.lang))
        yield KeyBar()  # the screen below is covered: this modal's own keys, clickable

    def on_mount(self) -> None:
        self.watch(self.app, "lang", self._language_changed, init=False)

    def _language_changed(self, lang: str) -> None:
        self.query_one(Markdown).update(help_text(lang))
