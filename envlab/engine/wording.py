"""What the engine says to a learner, in every language lessons are written in.

The engine explains what it saw — a check's evidence, a setup's verdict, a step, a drift — in sentences
it makes itself. Each is a :class:`Words`: the sentence in English, and a ``str`` like any other (events,
``--json``, logs and the headless face read it as before), which also keeps its key in :data:`WORDS` and
its values, so a face can say it again in the learner's language with :func:`say`. Values may be
``Words`` too, or lists of items (joined by the text's own ``KEY.separator``, else ``list.separator``);
they are said in the same language.

The table is plain data, beside the interface's own (``envlab.ui.strings``); a language without a text
falls back to English.
"""

from __future__ import annotations

from typing import Any

WORDS: dict[str, dict[str, str]] = {
    # checks: the evidence either way
    "check.stopped": {"en": "{target} has stopped (its main process ended), so nothing can run in it until the "
                            "lesson starts again",
                      "ja": "{target} は停止しています(メインプロセスが終了しました)。レッスンをやり直すまで、"
                            "その中では何も実行できません"},
    "check.not_running": {"en": "{target} is not running", "ja": "{target} は動いていません"},
    "check.could_not_run": {"en": "could not run the check: {message}",
                            "ja": "チェックを実行できませんでした: {message}"},
    "check.no_output": {"en": "(no output)", "ja": "(出力なし)"},
    "check.exited_wanted": {"en": "`{run}` exited {code}, wanted {wanted}: {last}",
                            "ja": "`{run}` の終了コードは {code}(期待は {wanted}): {last}"},
    "check.output_differs": {"en": "`{run}` output does not match /{pattern}/: {last}",
                             "ja": "`{run}` の出力が /{pattern}/ に一致しません: {last}"},
    "check.exited": {"en": "`{run}` exited {code}: {last}", "ja": "`{run}` の終了コードは {code}: {last}"},
    "check.file_exists": {"en": "{path} exists", "ja": "{path} があります"},
    "check.file_exists_not_wanted": {"en": "{path} exists but should not",
                                     "ja": "{path} がありますが、あってはいけません"},
    "check.file_too_large": {"en": "{path} is {size}, more than the {limit} envlab reads of a file, so its content "
                                   "was not checked",
                             "ja": "{path} は {size} あり、envlab が読むファイルの上限 {limit} を超えるため、"
                                   "中身は確かめていません"},
    "check.file_missing": {"en": "{path} does not exist", "ja": "{path} がありません"},
    "check.file_lacks": {"en": "{path} does not contain /{pattern}/", "ja": "{path} に /{pattern}/ がありません"},
    "check.file_contains": {"en": "{path} contains /{pattern}/", "ja": "{path} に /{pattern}/ があります"},
    "check.settings_too_large": {"en": "{path} is {size}, too large to be a settings file",
                                 "ja": "{path} は {size} あり、設定ファイルにしては大きすぎます"},
    "check.settings_missing": {"en": "{path} does not exist, so {var} is not set",
                               "ja": "{path} がないので、{var} は設定されていません"},
    "check.environment": {"en": "the container's environment", "ja": "コンテナの環境変数"},
    "check.var_unset": {"en": "{var} is not set in {where}", "ja": "{where} に {var} が設定されていません"},
    "check.var_wanted": {"en": "{var}={value} in {where}, wanted {wanted}",
                         "ja": "{where} の {var}={value}(期待は {wanted})"},
    "check.var_differs": {"en": "{var}={value} in {where} does not match /{pattern}/",
                          "ja": "{where} の {var}={value} は /{pattern}/ に一致しません"},
    "check.var_set": {"en": "{var}={value} in {where}", "ja": "{where} の {var}={value}"},
    "check.not_loopback": {"en": "port {port} is published on {host}, not on this machine's loopback; envlab only "
                                 "asks 127.0.0.1",
                           "ja": "ポート {port} は {host} に公開されていて、このマシンのループバックではありません。"
                                 "envlab が問い合わせるのは 127.0.0.1 だけです"},
    "check.http_failed": {"en": "GET {path} on port {port} failed: {error}",
                          "ja": "ポート {port} の GET {path} が失敗しました: {error}"},
    "check.http_redirect": {"en": " (a redirect to {location}, not followed)",
                            "ja": "({location} へのリダイレクト。たどっていません)"},
    "check.http_wanted": {"en": "GET {path} answered {status}{redirect}, wanted {wanted}",
                          "ja": "GET {path} の応答は {status}{redirect}(期待は {wanted})"},
    "check.http_body_differs": {"en": "GET {path} answered {status} but the body does not match /{pattern}/",
                                "ja": "GET {path} の応答は {status} ですが、本文が /{pattern}/ に一致しません"},
    "check.http_answered": {"en": "GET {path} answered {status}{redirect}",
                            "ja": "GET {path} の応答は {status}{redirect}"},
    # a setup's verdict, and why
    "verdict.passed": {"en": "✓ passed", "ja": "✓ 成功"},
    "verdict.failed-as-expected": {"en": "✓ failed as expected", "ja": "✓ 狙いどおりの失敗"},
    "verdict.failed-unexpectedly": {"en": "✗ failed unexpectedly", "ja": "✗ 想定外の失敗"},
    "verdict.passed-unexpectedly": {"en": "✗ passed unexpectedly", "ja": "✗ 想定外の成功"},
    "judge.timed_out": {"en": "it did not finish in time", "ja": "時間内に終わりませんでした"},
    "judge.expected_success": {"en": "exit code {code}, expected success", "ja": "終了コード {code}(期待は成功)"},
    "judge.output_differs": {"en": "succeeded but the output does not match {pattern}",
                             "ja": "成功しましたが、出力が {pattern} に一致しません"},
    "judge.exit_0": {"en": "exit code 0", "ja": "終了コード 0"},
    "judge.exit_0_output": {"en": "exit code 0, output as declared", "ja": "終了コード 0、出力は宣言どおり"},
    "judge.passed_unexpectedly": {"en": "exit code 0, but the lesson says it fails with {pattern}",
                                  "ja": "終了コード 0 ですが、レッスンでは {pattern} で失敗するはずです"},
    "judge.not_declared_error": {"en": "exit code {code}, but not with the declared error {pattern}",
                                 "ja": "終了コード {code} ですが、宣言されたエラー {pattern} ではありません"},
    "judge.declared_error": {"en": "exit code {code}, with the declared error",
                             "ja": "終了コード {code}、宣言どおりのエラー"},
    "judge.runbook_step": {"en": "runbook step {n}: {reason}", "ja": "手順書のステップ {n}: {reason}"},
    "judge.solution_step": {"en": "solution step {n} exited {code}", "ja": "解答のステップ {n} の終了コードは {code}"},
    "expect.pass": {"en": "pass", "ja": "成功"},
    "expect.fail": {"en": "fail with {pattern}", "ja": "{pattern} で失敗"},
    "expect.after_fix": {"en": "pass after the fix", "ja": "修正後は成功"},
    # steps, as the panes name them
    "step.build": {"en": "build", "ja": "ビルド"},
    "step.probe": {"en": "probe", "ja": "確認コマンド"},
    "step.fix": {"en": "fix {n}", "ja": "修正 {n}"},
    "step.runbook": {"en": "step {n}", "ja": "ステップ {n}"},
    "step.build_say": {"en": "build the image", "ja": "イメージをビルド"},
    "build.up_to_date": {"en": "{image} is up to date with the lesson's files (build digest {digest}): not rebuilt",
                         "ja": "{image} はレッスンのファイルと一致しています(ビルドダイジェスト {digest})。"
                               "ビルドし直しません"},
    "build.changed": {"en": "building {image}: the lesson's files changed since it was built (no network is needed)",
                      "ja": "{image} をビルドします: 前回のビルドからレッスンのファイルが変わりました"
                            "(ネットワークは不要です)"},
    "build.missing": {"en": "building {image}: it is not on this engine yet (no network is needed)",
                      "ja": "{image} をビルドします: まだこのエンジンにありません(ネットワークは不要です)"},
    # the drift inspector
    "item.os": {"en": "OS release", "ja": "OS リリース"},
    "item.kernel": {"en": "kernel", "ja": "カーネル"},
    "item.libc": {"en": "C library", "ja": "C ライブラリ"},
    "item.python": {"en": "Python", "ja": "Python"},
    "item.openssl": {"en": "OpenSSL", "ja": "OpenSSL"},
    "item.locale": {"en": "locale", "ja": "ロケール"},
    "item.timezone": {"en": "time zone", "ja": "タイムゾーン"},
    "item.package": {"en": "package {name}", "ja": "パッケージ {name}"},
    "item.env": {"en": "env {name}", "ja": "環境変数 {name}"},
    "item.file": {"en": "file {name}", "ja": "ファイル {name}"},
    "value.not_installed": {"en": "not installed", "ja": "未インストール"},
    "value.unset": {"en": "unset", "ja": "未設定"},
    "value.absent": {"en": "absent", "ja": "なし"},
    "value.not_found": {"en": "not found", "ja": "見つからない"},
    "value.unknown": {"en": "unknown", "ja": "不明"},
    "value.unread": {"en": "could not be read (no answer in time, or too large)",
                     "ja": "読めませんでした(時間内に応答がないか、大きすぎます)"},
    "value.no_zone": {"en": "UTC (no zone configured)", "ja": "UTC(タイムゾーン未設定)"},
    "value.lang_unset": {"en": "POSIX (LANG unset)", "ja": "POSIX(LANG 未設定)"},
    "status.same": {"en": "= same", "ja": "= 同じ"},
    "status.differs": {"en": "≠ differs", "ja": "≠ 違う"},
    "status.missing": {"en": "∅ missing", "ja": "∅ ない"},
    "status.unknown": {"en": "? not read", "ja": "? 未取得"},
    "summary.drift": {"en": "{n} of {total} items differ:", "ja": "{total} 項目中 {n} 項目が違います:"},
    "summary.same": {"en": "all {total} items are the same on every setup",
                     "ja": "{total} 項目すべてが、どのセットアップでも同じです"},
    "summary.unread_lead": {"en": "? not known:", "ja": "? 不明:"},
    "summary.unread": {"en": "{names} (a setup did not answer in time; inspect again)",
                       "ja": "{names}(時間内に応答しないセットアップがありました。もう一度調べてください)"},
    "summary.cause_lead": {"en": "▶ the cause:", "ja": "▶ 原因:"},
    "summary.cause_same": {"en": " (the same everywhere in this run: {names})",
                           "ja": "(この実行ではどこでも同じ: {names})"},
    "summary.shared_lead": {"en": "= shared:", "ja": "= 共有:"},
    "summary.shared": {"en": "every setup runs on the engine's one kernel ({release}); only the userland differs",
                       "ja": "どのセットアップもエンジンのただ一つのカーネル({release})で動いています。"
                             "違うのはユーザーランドだけです"},
    "summary.cause": {"en": "{names}{note}", "ja": "{names}{note}"},
    "summary.skipped_lead": {"en": "not inspected (not running):", "ja": "調べていません(動いていません):"},
    # what happened, a line each (engine.describe)
    "line.host_from": {"en": "● bare host from {image}", "ja": "● 素のホスト(イメージ {image})"},
    "line.fix_from": {"en": "● containerized fix from {image}", "ja": "● コンテナ化した解決策(イメージ {image})"},
    "line.exit": {"en": "exit {code}", "ja": "終了コード {code}"},
    "line.timed_out": {"en": "timed out", "ja": "時間切れ"},
    "line.step_finished": {"en": "  {mark} {note} in {duration:.1f}s", "ja": "  {mark} {note}({duration:.1f} 秒)"},
    "line.check": {"en": "{mark} {check} on {target} {state}", "ja": "{mark} {target} の {check}: {state}"},
    "line.check_should_pass": {"en": "✗ {check} on {target} {state}, should pass",
                               "ja": "✗ {target} の {check}: {state}(合格するはず)"},
    "line.check_should_fail": {"en": "✗ {check} on {target} {state}, should fail",
                               "ja": "✗ {target} の {check}: {state}(不合格になるはず)"},
    "state.passes": {"en": "passes", "ja": "合格"},
    "state.fails": {"en": "fails", "ja": "不合格"},
    "state.passes_after_fix": {"en": "passes after the fix", "ja": "修正後に合格"},
    "state.fails_after_fix": {"en": "fails after the fix", "ja": "修正後も不合格"},
    "line.error": {"en": "error: {where}{message}", "ja": "エラー: {where}{message}"},
    "line.error_hint": {"en": "error: {where}{message}\n  hint: {hint}",
                        "ja": "エラー: {where}{message}\n  ヒント: {hint}"},
    "line.room_now": {"en": "the engine has room now: starting (waited {waited:.0f}s)",
                      "ja": "エンジンに空きができました。始めます({waited:.0f} 秒待ちました)"},
    "line.room_wait": {"en": "waiting for room on the engine: {ahead} other run(s) first ({memory} of {room} MiB, at "
                             "most {runs} runs at once); nothing started yet, it starts by itself",
                       "ja": "エンジンの空きを待っています: 先に {ahead} 件の実行があります"
                             "({room} MiB 中 {memory} MiB、同時に最大 {runs} 件)。"
                             "まだ何も始めていません。空けば自動で始まります"},
    "line.cleaned": {"en": "cleaned up {n} container(s) and network(s)",
                     "ja": "コンテナとネットワークを {n} 個片付けました"},
    "line.lesson_held": {"en": "✓ every expectation of {lesson} holds ({duration:.1f}s)",
                         "ja": "✓ {lesson} の期待はすべて満たされました({duration:.1f} 秒)"},
    "line.lesson_broke": {"en": "✗ {lesson}: some expectations do not hold ({duration:.1f}s)",
                          "ja": "✗ {lesson}: 満たされない期待があります({duration:.1f} 秒)"},
    "line.service": {"en": "● {service}: {replicas} × {kind} from {image}{detail}",
                     "ja": "● {service}: {kind} × {replicas}(イメージ {image}){detail}"},
    "orchestrator.balancer": {"en": "load balancer", "ja": "ロードバランサー"},
    "orchestrator.swarm": {"en": "Swarm service", "ja": "Swarm サービス"},
    "orchestrator.docker": {"en": "plain containers", "ja": "素のコンテナ"},
    "line.phase": {"en": "▶ phase {n}: {say}", "ja": "▶ フェーズ {n}: {say}"},
    "line.cluster": {"en": "⛁ {node}{what} ({seconds:.1f}s)", "ja": "⛁ {node}{what}({seconds:.1f} 秒)"},
    "line.server_fault": {"en": "⚡ t={at:.1f}s {server}: {action}, holding {replicas}",
                          "ja": "⚡ t={at:.1f}s {server}: {action}(動いていたもの: {replicas})"},
    "line.servers": {"en": "  servers: {servers}", "ja": "  サーバー: {servers}"},
    "line.console": {"en": "⌨ a console on the servers' swarm ({abilities}): docker exec -it {container} bash",
                     "ja": "⌨ サーバーの Swarm を操作するコンソール({abilities}): docker exec -it {container} bash"},
    "line.servers.separator": {"en": " · ", "ja": " · "},
    "line.solution": {"en": "⌨ solution {n}: {line}", "ja": "⌨ 解答 {n}: {line}"},
    "line.challenge_before_broken": {"en": "□ {phase}: not yet — the system still needs the learner's change",
                                     "ja": "□ {phase}: まだです。システムには学習者の変更が必要です"},
    "line.challenge_before_held": {"en": "✗ {phase}: already holds before any change — the challenge asks nothing",
                                   "ja": "✗ {phase}: 変更する前から成り立っています。課題になっていません"},
    "line.challenge_solved": {"en": "★ {phase}: your change works — every measurement holds",
                              "ja": "★ {phase}: 変更は成功です。すべての計測が基準を満たしています"},
    "line.challenge_not_yet": {"en": "□ {phase}: not yet — see which measurement is still outside its bound",
                               "ja": "□ {phase}: まだです。基準を外れている計測を確かめましょう"},
    "server.line": {"en": "{server} [{status}] {tasks}", "ja": "{server} [{status}] {tasks}"},
    "server.none": {"en": "nothing", "ja": "なし"},
    "server.ready": {"en": "ready", "ja": "稼働中"},
    "server.down": {"en": "down", "ja": "ダウン"},
    "server.drained": {"en": "drained", "ja": "ドレイン済み"},
    "server.unknown": {"en": "unknown", "ja": "不明"},
    "server.disconnected": {"en": "disconnected", "ja": "切断"},
    "server.off": {"en": "powered off", "ja": "電源オフ"},
    "server.running": {"en": "running", "ja": "起動中"},
    "fault.power-off": {"en": "the server lost power", "ja": "サーバーの電源が落ちました"},
    "fault.power-on": {"en": "the server is powered on again", "ja": "サーバーの電源が再び入りました"},
    "fault.drain": {"en": "drained for maintenance", "ja": "保守のためにドレインしました"},
    "cluster.started": {"en": "{n} servers started", "ja": "サーバー {n} 台を起動"},
    "cluster.answers": {"en": "its engine answers", "ja": "エンジンが応答"},
    "cluster.initialized": {"en": "initialized the swarm", "ja": "Swarm を初期化"},
    "cluster.joined": {"en": "joined the swarm as a {role}", "ja": "{role} として Swarm に参加"},
    "cluster.nodes_ready": {"en": "every server is ready in the swarm", "ja": "すべてのサーバーが Swarm で準備完了"},
    "cluster.ready": {"en": "the cluster is ready", "ja": "クラスターの準備完了"},
    "cluster.loaded": {"en": "loaded {ref} from this machine", "ja": "このマシンから {ref} を読み込み"},
    "cluster.pushed": {"en": "pushed {ref} to the registry", "ja": "{ref} をレジストリへ push"},
    "cluster.pulled": {"en": "pulled {ref} from the registry", "ja": "レジストリから {ref} を pull"},
    "line.settled": {"en": "  ✓ {service}: {state} in {duration:.1f}s",
                     "ja": "  ✓ {service}: {state}({duration:.1f} 秒)"},
    "line.traffic": {"en": "  {second:>3}s {requests:>4} req  errors {errors:>3}  lost {lost:>3}  up {running}",
                     "ja": "  {second:>3}秒 {requests:>4} 件  エラー {errors:>3}  消失 {lost:>3}  稼働 {running}"},
    "line.traffic_summary": {"en": "■ {requests} requests at {rate:.0f}/s: {errors} errors, {lost} lost sessions",
                             "ja": "■ {requests} リクエスト({rate:.0f}/秒): エラー {errors}、"
                                   "失われたセッション {lost}"},
    "line.measured": {"en": "{mark} {metric} = {value} (expected {bounds}){title}{detail}",
                      "ja": "{mark} {metric} = {value}(期待 {bounds}){title}{detail}"},
    "value.never": {"en": "never", "ja": "来なかった"},
    "line.phase_held": {"en": "■ {phase}: every measurement holds ({duration:.1f}s)",
                        "ja": "■ {phase}: すべての計測値が期待どおり({duration:.1f} 秒)"},
    "line.phase_broke": {"en": "■ {phase}: a measurement does not hold ({duration:.1f}s)",
                         "ja": "■ {phase}: 期待どおりでない計測値があります({duration:.1f} 秒)"},
    "line.autoscaler": {"en": "  t={at:.0f}s autoscaler: {observed:g} req/s over {current} = {per:g}/replica (target "
                              "{target:g}) {arrow} {desired} · {reason}",
                        "ja": "  t={at:.0f}s オートスケーラー: {observed:g} req/s ÷ {current} = {per:g}/レプリカ(目標 "
                              "{target:g}) {arrow} {desired} · {reason}"},
    "autoscale.at_target": {"en": "at target", "ja": "目標どおり"},
    "autoscale.up": {"en": "above target: scale up", "ja": "目標超え: スケールアップ"},
    "autoscale.down": {"en": "below target long enough: scale down", "ja": "目標割れが続いた: スケールダウン"},
    "autoscale.wait": {"en": "below target for {low:.0f}s of {stabilize:g}s: wait",
                       "ja": "目標割れ {low:.0f} 秒 / {stabilize:g} 秒: 待ちます"},
    "change.env": {"en": "set {values}", "ja": "{values} を設定"},
    "change.no_health": {"en": "no health check", "ja": "ヘルスチェックなし"},
    "change.health": {"en": "health check: {run}", "ja": "ヘルスチェック: {run}"},
    "change.update": {"en": "update order {order}, on failure {failure}",
                      "ja": "更新順序 {order}、失敗時 {failure}"},
    "change.restart": {"en": "restart policy {policy}", "ja": "再起動ポリシー {policy}"},
    "change.scale": {"en": "scale to {n}", "ja": "{n} 台にスケール"},
    "change.by_hand": {"en": "by hand: {line}", "ja": "手作業: {line}"},
    "change.joined": {"en": "{parts}", "ja": "{parts}"},
    "change.joined.separator": {"en": "; ", "ja": "。"},
    "list": {"en": "{items}", "ja": "{items}"},
    "list.separator": {"en": ", ", "ja": "、"},
}


class Words(str):
    """One sentence of the engine's: its English text, its key in :data:`WORDS` and the values filled in.

    Immutable like any ``str``: copies are the same object, and pickling keeps the key and values.
    """

    key: str
    values: dict[str, Any]

    def __new__(cls, key: str, /, **values: Any) -> Words:
        made = super().__new__(cls, _fill(key, "en", values))
        made.key, made.values = key, values
        return made

    def said(self, lang: str) -> str:
        """The sentence in ``lang`` (English where ``lang`` has no text for it)."""
        return _fill(self.key, lang, values=self.values)

    def __copy__(self) -> Words:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Words:
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return _rebuilt, (self.key, self.values)


def _rebuilt(key: str, values: dict[str, Any]) -> Words:
    return Words(key, **values)


def _fill(key: str, lang: str, values: dict[str, Any]) -> str:
    texts = WORDS[key]
    template = texts.get(lang) or texts["en"]
    separators = WORDS.get(f"{key}.separator") or WORDS["list.separator"]
    separator = separators.get(lang) or separators["en"]
    return template.format(**{name: _value(value, lang, separator) for name, value in values.items()})


def _value(value: Any, lang: str, separator: str) -> Any:
    """A value as ``lang`` says it: words in that language, a list of items joined by ``separator``."""
    if isinstance(value, str):
        return say(value, lang)
    if isinstance(value, list | tuple):
        return separator.join(say(item, lang) for item in value)
    return value


def said(key: str, lang: str, **values: Any) -> str:
    """The text ``key`` of :data:`WORDS` in ``lang`` with ``values`` filled in (and said in ``lang`` too)."""
    return _fill(key, lang, values)


def say(text: str, lang: str) -> str:
    """``text`` in ``lang``: a :class:`Words` said again in that language, any other text as it is."""
    return text.said(lang) if isinstance(text, Words) else text

