"""The interface's own words in each language lessons are written in (English is the fallback)."""

from __future__ import annotations

from typing import Any

STRINGS: dict[str, dict[str, str]] = {
    "app_subtitle": {"en": "why it works on my machine", "ja": "「自分のマシンでは動く」のはなぜか"},
    "lesson_skipped": {"en": "Lesson skipped", "ja": "読み込めなかったレッスン"},
    "bug_title": {"en": "envlab hit a bug ({worker})", "ja": "envlab の不具合です({worker})"},
    "bug_body": {"en": "{error}\nPlease report this; press Ctrl+Q to quit.",
                 "ja": "{error}\nこの内容を報告してください。Ctrl+Q で終了します。"},
    "docker_unavailable": {"en": "Docker is not available", "ja": "Docker が使えません"},
    "no_shell": {"en": "No shell", "ja": "シェルを開けません"},
    "no_shell_hint": {"en": "run `docker exec -it {container} sh` in another terminal",
                      "ja": "別のターミナルで `docker exec -it {container} sh` を実行してください"},
    "quitting": {"en": "Quitting", "ja": "終了しています"},
    "quitting_body": {"en": "Removing the lesson's containers…", "ja": "レッスンのコンテナを片付けています…"},
    "no_challenge": {"en": "This lesson has no challenge.", "ja": "このレッスンには課題がありません。"},
    "no_challenge_to_verify": {"en": "This lesson has no challenge to verify.",
                               "ja": "このレッスンには確かめる課題がありません。"},
    "no_quiz": {"en": "This lesson has no quiz.", "ja": "このレッスンにはクイズがありません。"},
    "progress_label": {"en": "Progress", "ja": "進捗"},
    "progress_reset": {"en": "Progress in {title} reset.", "ja": "「{title}」の進捗をリセットしました。"},
    "forget_progress": {"en": "Forget your progress in [b]{title}[/b]?", "ja": "[b]{title}[/b] の進捗を消しますか?"},
    # a setup's pane
    "badge_idle": {"en": "○ not run", "ja": "○ 未実行"},
    "badge_waiting": {"en": "… waiting", "ja": "… 待機中"},
    "badge_running": {"en": "● running", "ja": "● 実行中"},
    "pane_host": {"en": "host", "ja": "ホスト"},
    "pane_fix": {"en": "fix", "ja": "解決策"},
    "pane_topology": {"en": "topology", "ja": "構成"},
    "pane_scenario": {"en": "scenario", "ja": "シナリオ"},
    "pane_topology_title": {"en": "services, phases and traffic", "ja": "サービス、フェーズ、トラフィック"},
    # the drift inspector
    "drift_title": {"en": "[b]Drift between the setups[/b] · Esc closes",
                    "ja": "[b]セットアップ間のドリフト[/b] · Esc で閉じる"},
    "drift_item": {"en": "item", "ja": "項目"},
    "drift_page": {"en": "setups {first}–{last} of {total} · ← → the others",
                   "ja": "セットアップ {total} 個中 {first}–{last} · ← → ほかのセットアップ"},
    "drift_shared_kernel": {"en": "= shared kernel", "ja": "= 共有カーネル"},
    # home
    "curriculum": {"en": "Curriculum", "ja": "カリキュラム"},
    "chapter": {"en": "Chapter {n}", "ja": "第{n}章"},
    "chapter_titled": {"en": "Chapter {n}: {title}", "ja": "第{n}章 {title}"},
    "from_pack": {"en": "From the pack {title} ({id} {version})", "ja": "パック {title}({id} {version})より"},
    "steps_count": {"en": "{done}/{total} steps", "ja": "{done}/{total} ステップ"},
    "loading_lessons": {"en": "Loading the lessons…", "ja": "レッスンを読み込んでいます…"},
    "choose_lesson": {"en": "Choose a lesson and press [b]Enter[/b]. [b]c[/b] goes on at your first unfinished "
                            "lesson.",
                      "ja": "レッスンを選んで [b]Enter[/b]。[b]c[/b] でまだ終えていない最初のレッスンから続けます。"},
    "chapter_done": {"en": "{done} of {total} lessons done.", "ja": "{total} レッスン中 {done} レッスン完了。"},
    "chapter_opens": {"en": "[b]Enter[/b] opens its first unfinished lesson, {title}. [b]Space[/b] folds or unfolds "
                            "the chapter.",
                      "ja": "[b]Enter[/b] でまだ終えていない最初のレッスン「{title}」を開きます。[b]Space[/b] で"
                            "章を折りたたみ/展開します。"},
    "chapter_finished": {"en": "Every lesson of this chapter is done. [b]Enter[/b] opens its first, {title}, "
                               "again. [b]Space[/b] folds or unfolds the chapter.",
                         "ja": "この章のレッスンはすべて完了しました。[b]Enter[/b] で最初のレッスン「{title}」を"
                               "もう一度開きます。[b]Space[/b] で章を折りたたみ/展開します。"},
    "course_done_title": {"en": "Course finished", "ja": "コース修了"},
    "course_finished": {"en": "Every lesson of the course is done. Choose any lesson to go over it again.",
                        "ja": "コースのレッスンはすべて完了しました。好きなレッスンを選んで復習できます。"},
    "goals": {"en": "Goals", "ja": "学習目標"},
    "state_new": {"en": "new", "ja": "未着手"},
    "state_in-progress": {"en": "in progress", "ja": "学習中"},
    "state_done": {"en": "done", "ja": "完了"},
    "steps_done": {"en": "steps done: {steps}", "ja": "完了したステップ: {steps}"},
    "nothing_yet": {"en": "nothing yet", "ja": "まだありません"},
    "quiz_score": {"en": "quiz {score}/{total}", "ja": "クイズ {score}/{total}"},
    "docker_connecting": {"en": "Connecting to Docker…", "ja": "Docker に接続しています…"},
    "docker_ready": {"en": "Docker is ready.", "ja": "Docker の準備ができました。"},
    "docker_failed": {"en": "[b]Docker:[/b] {message}\n[b]What to do:[/b] {hint} · then press [b]e[/b] to reconnect",
                      "ja": "[b]Docker:[/b] {message}\n[b]対処:[/b] {hint} · そのあと [b]e[/b] で再接続"},
    # home: images still to prepare
    "images_missing": {
        "en": "[b]{missing} of {total} images are missing[/b]: preparing them takes about {size} and about {time} "
              "(as measured on a 2-core machine). {reach} [b]P[/b] prepares them now.",
        "ja": "[b]{total} 個中 {missing} 個のイメージがありません[/b]。準備には約 {size}、約 {time} かかります"
              "(2 コアのマシンで測定)。{reach} [b]P[/b] で今すぐ準備します。"},
    "images_unreadable": {"en": "[b]Images:[/b] {message}\n[b]What to do:[/b] {hint}",
                          "ja": "[b]イメージ:[/b] {message}\n[b]対処:[/b] {hint}"},
    "reach_checking": {"en": "Checking whether a registry answers…", "ja": "レジストリにつながるか確認しています…"},
    "reach_registry": {"en": "A registry answers: base images are pulled.",
                       "ja": "レジストリにつながります: ベースイメージは取得(pull)されます。"},
    "reach_debian": {"en": "No registry answers, Debian's archive does: base images are built from it.",
                     "ja": "レジストリにはつながりませんが Debian のアーカイブにはつながります: "
                           "ベースイメージはそこから作ります。"},
    "reach_offline": {"en": "Offline: neither a registry nor Debian's archive answers; preparing needs the archive, "
                            "or a bundle: [b]envlab images import FILE[/b].",
                      "ja": "オフラインです(レジストリにも Debian のアーカイブにもつながりません)。準備には"
                            "アーカイブか、バンドルが必要です: [b]envlab images import FILE[/b]。"},
    # the preparation screen
    "prep_title": {"en": "Preparing images", "ja": "イメージの準備"},
    "prep_image": {"en": "Image", "ja": "イメージ"},
    "prep_kind": {"en": "Kind", "ja": "種類"},
    "prep_step": {"en": "Step", "ja": "工程"},
    "prep_state": {"en": "State", "ja": "状態"},
    "prep_time": {"en": "Time", "ja": "時間"},
    "prep_note": {"en": "Latest", "ja": "最新の出力"},
    "prep_waiting": {"en": "waiting", "ja": "待機中"},
    "prep_running": {"en": "running", "ja": "実行中"},
    "prep_done": {"en": "done", "ja": "完了"},
    "prep_failed": {"en": "failed", "ja": "失敗"},
    "prep_cancelled": {"en": "cancelled", "ja": "中止"},
    "prep_progress": {"en": "[b]{done} of {total}[/b] images ready · {running} running · {waiting} waiting · "
                            "{failed} failed · about {eta} left",
                      "ja": "[b]{total} 個中 {done} 個[/b]準備済み · 実行中 {running} · 待機中 {waiting} · "
                            "失敗 {failed} · 残り約 {eta}"},
    "prep_cancelling": {"en": "[b]Cancelling:[/b] the {running} images under way finish, nothing new starts.",
                        "ja": "[b]中止しています:[/b] 実行中の {running} 個は最後まで進み、新しいものは始めません。"},
    "prep_all_done": {"en": "[b]All {total} images are ready[/b] in {time}. Press [b]Esc[/b]: the lessons can run.",
                      "ja": "[b]{total} 個のイメージがすべて準備できました[/b](所要 {time})。[b]Esc[/b] で戻り、"
                            "レッスンを実行できます。"},
    "prep_ended": {"en": "[b]{done} of {total}[/b] images ready · {failed} failed · {cancelled} cancelled. "
                         "Press [b]Esc[/b], then [b]P[/b] on home to prepare what is still missing.",
                   "ja": "[b]{total} 個中 {done} 個[/b]準備済み · 失敗 {failed} · 中止 {cancelled}。[b]Esc[/b] で戻り、"
                         "ホームで [b]P[/b] を押すと残りを準備します。"},
    "prep_wait_to_leave": {"en": "Wait: {running} images are still finishing.",
                           "ja": "お待ちください: {running} 個がまだ終わっていません。"},
    "prep_failure": {"en": "[b $error]✗ {tag}[/]: {message}\n  [b]What to do:[/b] {hint}",
                     "ja": "[b $error]✗ {tag}[/]: {message}\n  [b]対処:[/b] {hint}"},
    "prep_no_hint": {"en": "see `envlab doctor`", "ja": "`envlab doctor` を参照してください"},
    "megabytes": {"en": "{n} MB", "ja": "{n} MB"},
    "gigabytes": {"en": "{n} GB", "ja": "{n} GB"},
    "seconds": {"en": "{n} s", "ja": "{n} 秒"},
    "minutes": {"en": "{n} min", "ja": "{n} 分"},
    # lesson guide
    "step_of": {"en": "Step {n} of {total} · {title}", "ja": "ステップ {n}/{total} · {title}"},
    "next_step": {"en": "[**n**: next step ({title}) →](#next)", "ja": "[**n**: 次のステップ({title})→](#next)"},
    "previous_step": {"en": "[← **p**: previous step ({title})](#previous)",
                      "ja": "[← **p**: 前のステップ({title})](#previous)"},
    "step_story": {"en": "The story", "ja": "ストーリー"},
    "step_watch": {"en": "Watch the run", "ja": "実行を見る"},
    "step_fix": {"en": "Fix it yourself", "ja": "自分で直す"},
    "step_quiz": {"en": "Check your understanding", "ja": "理解度チェック"},
    "watch_body": {
        "en": "Press **r**: {setups} start side by side on real containers, and each pane on the right "
              "streams what its setup does.\n\n"
              "- A badge says how each setup ended: **passed**, **failed as expected** (the lesson's point), "
              "or **failed unexpectedly** (something else went wrong: read the pane).\n"
              "- Press **i** to inspect the drift: what differs between the setups, and what they share.\n"
              "- The checks under this guide show how each setup looks from outside.",
        "ja": "**r** を押すと、{setups} が本物のコンテナで並んで起動し、右の各ペインにそれぞれの出力が流れます。\n\n"
              "- バッジが結果を示します: **成功**、**狙いどおりの失敗**(レッスンの狙い)、"
              "**想定外の失敗**(別の何かがうまくいっていません: ペインを読んでください)。\n"
              "- **i** でドリフトを調べます: セットアップ間で何が違い、何が共通か。\n"
              "- このガイドの下のチェックは、各セットアップを外から見た結果です。",
    },
    "and_fix": {"en": "{hosts} and the containerized fix `{fix}`", "ja": "{hosts} とコンテナ化した解決策 `{fix}`"},
    "console_keys": {"en": "Press **f** for the console on the lesson's servers (type `exit` to come back); envlab "
                           "then verifies with the measured phase `{check}` (**v** runs it again). **h** shows a hint.",
                     "ja": "**f** でレッスンのサーバーを操作するコンソールを開きます(`exit` で戻ります)。"
                           "戻ると envlab が計測フェーズ `{check}` で確認します(**v** でもう一度)。**h** でヒント。"},
    "fix_keys": {"en": "Press **f** for a shell inside `{target}` (type `exit` to come back), then **v** to verify. "
                       "**h** shows a hint.",
                 "ja": "**f** で `{target}` の中のシェルを開きます(`exit` で戻ります)。直したら **v** で確認。"
                       "**h** でヒントを表示します。"},
    "watch_scenario": {
        "en": "Press **r**: the lesson's services start on real containers.\n\n"
              "- The **live** panel on the right shows each service's replicas with their state and health as "
              "the Docker engine reports them (↻ marks a replica that came back), requests per second, errors "
              "and replicas up over time, and each replica's share of the answers.\n"
              "- The log under it follows each phase: replicas starting and dying, the traffic second by second, "
              "and the measurements that must hold. Its badge says whether every phase held.",
        "ja": "**r** を押すと、レッスンのサービスが本物のコンテナで起動します。\n\n"
              "- 右の **ライブ** パネルには、Docker エンジンが報告する各サービスのレプリカの状態とヘルス"
              "(↻ は戻ってきたレプリカ)、毎秒のリクエスト数、エラー、稼働レプリカ数の推移、"
              "各レプリカが応答した割合が出ます。\n"
              "- その下のログが各フェーズを追います: レプリカの起動と停止、毎秒のトラフィック、満たすべき測定値。"
              "バッジは全フェーズが成り立ったかを示します。",
    },
    "hints": {"en": "Hints", "ja": "ヒント"},
    "hint_key": {"en": "**h** shows a hint.", "ja": "**h** でヒントを表示します。"},
    "kubernetes_key": {"en": "- Press **k** for the equivalent Kubernetes manifests beside what ran on Swarm, and how "
                             "they map (before a run too).",
                       "ja": "- **k** で、Swarm で動いたものと同等の Kubernetes マニフェストを並べて表示し、"
                             "その対応も示します(実行前でも見られます)。"},
    "quiz_body": {"en": "Press **t** for the quiz: {count} questions, one at a time, each explained after you "
                        "answer. Your score is saved.",
                  "ja": "**t** でクイズ: 全 {count} 問を一問ずつ。答えるたびに解説が出ます。得点は保存されます。"},
    # a scenario lesson's Kubernetes equivalent
    "kubernetes_title": {"en": "[b]What ran on Swarm · the same in Kubernetes[/b] · Tab · Esc closes",
                         "ja": "[b]Swarm で動いたもの · Kubernetes での同等物[/b] · Tab · Esc で閉じる"},
    "kubernetes_swarm": {"en": "Swarm (as the engine reports it)", "ja": "Swarm(エンジンの報告どおり)"},
    "kubernetes_manifests": {"en": "Kubernetes (equivalent manifests)", "ja": "Kubernetes(同等のマニフェスト)"},
    "kubernetes_mapping": {"en": "How they map:", "ja": "対応:"},
    "kubernetes_not_run": {"en": "Not run yet: press Esc, then r. Once the services are up, what the engine reports "
                                 "for each Swarm service is shown here.",
                           "ja": "まだ実行していません: Esc を押してから r。サービスが起動すると、エンジンが報告する"
                                 "各 Swarm サービスの設定がここに出ます。"},
    "kubernetes_no_swarm": {"en": "Nothing ran on Swarm: this lesson's services ran as plain containers.",
                            "ja": "Swarm では何も動いていません: このレッスンのサービスは普通のコンテナとして"
                                  "動きました。"},
    "kubernetes_in_pane": {"en": "☸ the same in Kubernetes, beside what runs on Swarm: press k",
                           "ja": "☸ Swarm で動くものと同等の Kubernetes を並べて見る: k"},
    # panes and checks
    "press_run": {"en": "Press r to run this setup.", "ja": "r を押すと実行します。"},
    "checks_before": {"en": "Checks before your fix", "ja": "修正前のチェック"},
    "fix_works": {"en": "Your fix works", "ja": "修正できました"},
    # author mode (envlab dev)
    "dev_watch_failed": {"en": "Author mode no longer sees your saves ({why}); quit and start `envlab dev` again.",
                         "ja": "作成モードが保存を検知できなくなりました({why})。"
                               "終了して `envlab dev` を起動し直してください。"},
    "dev_watching": {"en": "Author mode: saving {file} updates this screen; r re-runs the whole lesson.",
                     "ja": "作成モード: {file} を保存するとこの画面が更新されます。r でレッスン全体を再実行。"},
    "dev_refused": {"en": "✗ {count} problem(s) in the saved file: the last good version stays in use",
                    "ja": "✗ 保存したファイルに {count} 件の問題: 最後に正しかった版を使い続けます"},
    "dev_what_to_do": {"en": "What to do: fix the lines above and save again; `envlab schema` lists every field.",
                       "ja": "対処: 上の行を直して保存し直してください。"
                             "`envlab schema` で全フィールドを確認できます。"},
    "dev_warnings": {"en": "⚠ {count} warning(s): the lesson runs, but likely not as meant",
                     "ja": "⚠ {count} 件の警告: 動きますが、意図どおりではない可能性があります"},
    "dev_restarting": {"en": "The setups changed: restarting them.",
                       "ja": "セットアップが変わりました: 再起動します。"},
    "dev_rechecked": {"en": "Checks of version {n}, against the running setups",
                      "ja": "第 {n} 版のチェック(動作中のセットアップに対して)"},
    "holds_both": {"en": "must hold before and after the fix", "ja": "修正の前後とも成り立つこと"},
    "fix_not_yet": {"en": "Your fix: not yet", "ja": "修正: まだです"},
    "why": {"en": "why:", "ja": "理由:"},
    # the live panel of scenario lessons
    "live_title": {"en": "live", "ja": "ライブ"},
    "live_press_r": {"en": "press r to start the services", "ja": "r でサービスを起動します"},
    "live_starting": {"en": "starting the services…", "ja": "サービスを起動しています…"},
    "live_phase": {"en": "phase {n}: {name}", "ja": "フェーズ {n}: {name}"},
    "live_fault": {"en": "⚡ {action} {replica} at {at}s", "ja": "⚡ {at}s に {replica} を {action}"},
    "live_autoscaler": {"en": "autoscaler: {observed} req/s → {desired} replicas",
                        "ja": "オートスケーラー: {observed} req/s → {desired} レプリカ"},
    "live_up": {"en": "{up}/{desired} up", "ja": "{up}/{desired} 稼働"},
    "live_server_fault": {"en": "⚡ {server}: {action} at {at}s", "ja": "⚡ {at}s に {server}: {action}"},
    "live_nothing_on_server": {"en": "nothing runs here", "ja": "何も動いていません"},
    "live_no_services": {"en": "no services yet", "ja": "サービスはまだありません"},
    "live_no_traffic": {"en": "traffic: none yet", "ja": "トラフィック: まだありません"},
    "live_requests": {"en": "req/s", "ja": "req/s"},
    "live_errors": {"en": "errors", "ja": "エラー"},
    "live_replicas": {"en": "replicas", "ja": "レプリカ"},
    "live_replicas_of": {"en": "{up} of {desired}", "ja": "{up}/{desired}"},
    "live_lost": {"en": "logged out", "ja": "ログアウト"},
    "measurement": {"en": "{mark} {label}: {value} (expected {bounds})",
                    "ja": "{mark} {label}: {value}(期待値 {bounds})"},
    "live_lost_count": {"en": "{lost} requests lost the session", "ja": "{lost} 件のリクエストでセッションが消えた"},
    # lesson notifications
    "already_running": {"en": "The lesson is already running.", "ja": "レッスンはすでに実行中です。"},
    "run_finished": {"en": "Run finished", "ja": "実行が終わりました"},
    "profiles_title": {"en": "[b]Whose progress?[/b] In use: {current}. Enter switches; or type a new name.",
                       "ja": "[b]誰の進捗にしますか?[/b] 使用中: {current}。"
                             "Enter で切り替え、または新しい名前を入力。"},
    "profiles_new": {"en": "a new learner's name or seat, then Enter",
                     "ja": "新しい受講者の名前か席番号を入力して Enter"},
    "profiles_done": {"en": "{done} done, {touched} started", "ja": "完了 {done}、着手 {touched}"},
    "profiles_switched": {"en": "Now showing the progress of {name}.", "ja": "{name} の進捗を表示しています。"},
    "run_started": {"en": "Run started", "ja": "実行を始めました"},
    "room_waiting": {
        "en": "[b]Waiting for room on the engine[/b]: {ahead} other run(s) come first ({memory} of {room} MiB, "
              "at most {runs} runs at once). Yours starts by itself as soon as there is room; nothing has "
              "started yet.",
        "ja": "[b]エンジンの空きを待っています[/b]: 先に {ahead} 件の実行があります({room} MiB 中 {memory} MiB、"
              "同時に最大 {runs} 件)。空きができしだい自動で始まります。まだ何も起動していません。"},
    "room_found": {"en": "The engine had room after {seconds} s of waiting.",
                   "ja": "{seconds} 秒待って、エンジンに空きができました。"},
    "run_as_said": {"en": "Every setup behaved as the lesson says; {next}.",
                    "ja": "すべてのセットアップがレッスンの説明どおりに動きました。{next}。"},
    "next_console": {"en": "press f to change the running system yourself, in the console",
                     "ja": "f でコンソールを開き、動いているシステムを自分で変えてみましょう"},
    "running_challenge": {"en": "Measuring your change: {check}…", "ja": "変更を計測しています: {check}…"},
    "challenge_solved": {"en": "It works! Every measurement holds. Press t for the quiz.",
                         "ja": "成功です!すべての計測が基準を満たしました。t でクイズへ。"},
    "challenge_not_yet": {"en": "Not yet: {held} of {total} measurements hold; the live panel shows which do not.",
                          "ja": "まだです。計測 {total} 件中 {held} 件が基準内です。"
                                "どれが外れたかはライブパネルに出ています。"},
    "next_fix": {"en": "press f to fix the broken host yourself", "ja": "f で壊れたホストを自分で直しましょう"},
    "next_quiz": {"en": "press t for the quiz", "ja": "t でクイズへ"},
    "run_not_as_said": {"en": "{what} did not behave as the lesson says: read its pane. Press x to start again; "
                              "if it happens again, run `envlab doctor`.",
                        "ja": "{what} がレッスンの説明どおりに動きませんでした。ペインを読んでください。x でやり直し、"
                              "繰り返すなら `envlab doctor` を実行してください。"},
    "a_check": {"en": "A check", "ja": "チェック"},
    "still_connecting": {"en": "Still connecting to Docker…", "ja": "まだ Docker に接続中です…"},
    "wait_for_run": {"en": "Wait for the run to finish.", "ja": "実行が終わるまでお待ちください。"},
    "run_first": {"en": "Run the lesson first (press r).", "ja": "先にレッスンを実行してください(r)。"},
    "no_more_hints": {"en": "No more hints for this lesson.", "ja": "このレッスンのヒントはこれで全部です。"},
    "not_running": {"en": "{setup} is not running; press r.", "ja": "{setup} は動いていません。r を押してください。"},
    "running_checks": {"en": "Running the checks…", "ja": "チェックを実行しています…"},
    "shell_editor": {"en": "Edit a file with `nano FILE`: Ctrl+O saves it, Ctrl+X leaves the editor.",
                     "ja": "ファイルは `nano ファイル名` で編集できます。Ctrl+O で保存、Ctrl+X でエディタを閉じます。"},
    "probe_after_fix": {"en": "After your fix, {setup} runs the same command again:",
                        "ja": "あなたの修正のあと、{setup} で同じコマンドをもう一度実行します:"},
    "not_fixed_yet": {"en": "Not fixed yet", "ja": "まだ直っていません"},
    "host_stopped": {"en": "{setup} has stopped: its main process ended, so nothing runs in it any more. "
                           "Press x to start the lesson again.",
                     "ja": "{setup} が止まりました。メインのプロセスが終了したため、もう何も動きません。"
                           "x でレッスンをやり直せます。"},
    "host_stopped_title": {"en": "A host has stopped", "ja": "ホストが止まりました"},
    "shell_banner": {"en": "You are inside {setup}. Fix it, then type `exit` to go back to envlab.",
                     "ja": "{setup} の中にいます。直したら `exit` と入力して envlab に戻ります。"},
    "console_banner": {"en": "The console of this lesson's servers: the docker CLI speaks to their swarm's manager "
                             "(allowed: {abilities}). Type `exit` to go back to envlab; the lesson keeps running.",
                       "ja": "このレッスンのサーバーのコンソールです。docker CLI が Swarm のマネージャーと話します"
                             "(許可: {abilities})。`exit` で envlab に戻ります。レッスンは動き続けます。"},
    "console_measures": {"en": "When you leave, envlab measures what you changed.",
                         "ja": "コンソールを出ると、あなたの変更を envlab が計測します。"},
    "console_commands": {"en": "docker → Kubernetes:", "ja": "docker → Kubernetes:"},
    "console_not_ready": {"en": "The console comes with the lesson's servers: press r, and f once they run.",
                          "ja": "コンソールはレッスンのサーバーと一緒に用意されます。"
                                "r を押し、サーバーが動いたら f を押してください。"},
    "verified": {"en": "Verified", "ja": "確認しました"},
    "fixed": {"en": "Fixed! Every check passes. Press t for the quiz.",
              "ja": "直りました!すべてのチェックが通ります。t でクイズへ。"},
    "checks_pass": {"en": "{passed} of {total} checks pass; see why below.",
                    "ja": "{total} 個中 {passed} 個のチェックが通りました。理由は下に。"},
    "inspecting": {"en": "Inspecting the running setups…", "ja": "実行中のセットアップを調べています…"},
    "quiz_saved": {"en": "Quiz saved", "ja": "クイズを保存しました"},
    "quiz_result": {"en": "Quiz: {score} of {total} right.", "ja": "クイズ: {total} 問中 {score} 問正解。"},
    "choose_answer": {"en": "Choose an answer first.", "ja": "先に答えを選んでください。"},
    # after the quiz: what comes next
    "next_title": {"en": "What next", "ja": "次は"},
    "next_up": {"en": "Up next:", "ja": "次のレッスン:"},
    "next_in_chapter": {"en": "Next, {chapter}:", "ja": "次は {chapter}:"},
    "next_earlier": {"en": "Still open from earlier:", "ja": "まだ終えていない前のレッスン:"},
    "next_chapter_done": {"en": "[b $success]✓[/] You have finished {chapter}.",
                          "ja": "[b $success]✓[/] {chapter} を修了しました。"},
    "next_course_done": {"en": "[b $success]✓[/] That was the course's last lesson: every lesson is done. Well done!",
                         "ja": "[b $success]✓[/] コースの最後のレッスンでした。すべてのレッスンを修了しました。"
                               "おつかれさまでした!"},
    "next_only_this": {"en": "Every other lesson of the course is done; this one still has steps to do.",
                       "ja": "コースのほかのレッスンはすべて完了しています。"
                             "このレッスンにはまだ残りのステップがあります。"},
    "next_keys": {"en": "Enter: open it · Esc: stay in this lesson", "ja": "Enter: 開く · Esc: このレッスンに残る"},
    "next_keys_end": {"en": "Esc: close", "ja": "Esc: 閉じる"},
    # quiz
    "question_of": {"en": "Question {n} of {total}", "ja": "問題 {n}/{total}"},
    "right": {"en": "✓ Right.", "ja": "✓ 正解。"},
    "not_quite": {"en": "✗ Not quite. The answer is: {answer}", "ja": "✗ 残念。正解は: {answer}"},
    "quiz_keys": {"en": "Click a choice or press Enter to answer, then Enter or n: next · Esc: close",
                  "ja": "選択肢をクリックするか Enter で回答、もう一度 Enter か n: 次へ · Esc: 閉じる"},
    # the app and its command palette
    "language_now": {"en": "Language: English", "ja": "言語: 日本語"},
    "progress_damaged": {"en": "Progress file damaged", "ja": "進捗ファイルが壊れていました"},
    "progress_kept_aside": {"en": "It was kept aside as {path}; your progress starts afresh.",
                            "ja": "{path} として別に保存しました。進捗は新しく記録されます。"},
    "cmd_help": {"en": "Help", "ja": "ヘルプ"},
    "cmd_help_about": {"en": "The keys and what each screen is for", "ja": "キーの一覧と各画面の使い方"},
    "cmd_language": {"en": "Switch language", "ja": "言語を切り替える"},
    "cmd_language_about": {"en": "English / 日本語", "ja": "English / 日本語"},
    "cmd_reconnect": {"en": "Reconnect to Docker", "ja": "Docker に再接続"},
    "cmd_reconnect_about": {"en": "Try the engine again", "ja": "もう一度エンジンに接続します"},
    "cmd_open_lesson": {"en": "Open lesson: {title}", "ja": "レッスンを開く: {title}"},
    # kiosk mode: the start screen, the countdown, the operator
    "kiosk_welcome": {"en": "Welcome to envlab", "ja": "envlab へようこそ"},
    "kiosk_tagline": {"en": "Why “it works on my machine” happens, on real containers.",
                      "ja": "「自分のマシンでは動く」が起きる理由を、本物のコンテナで。"},
    "kiosk_ask_name": {"en": "Type your name or seat number, then press [b]Enter[/b]. "
                             "Enter with no name starts without one.",
                       "ja": "名前か座席番号を入力して [b]Enter[/b]。何も入力せずに Enter で名前なしで始めます。"},
    "kiosk_name_placeholder": {"en": "name or seat number", "ja": "名前または座席番号"},
    "kiosk_anonymous": {"en": "Start without a name", "ja": "名前なしで始める"},
    "kiosk_language": {"en": "日本語", "ja": "English"},
    "kiosk_cleaning": {"en": "Getting ready for the next learner…", "ja": "次の方のために準備しています…"},
    "kiosk_ready": {"en": "Ready.", "ja": "準備ができました。"},
    "kiosk_hello": {"en": "Hello, {name}. Press Ctrl+D when you are done.",
                    "ja": "{name} さん、こんにちは。終わったら Ctrl+D を押してください。"},
    "kiosk_still_there": {"en": "Still there?", "ja": "まだ続けますか?"},
    "kiosk_countdown": {"en": "Your session ends in [b]{seconds}[/b] s and your lesson's containers are removed "
                              "(your progress is kept).\nPress any key to go on.",
                        "ja": "あと [b]{seconds}[/b] 秒でセッションを終了し、レッスンのコンテナを削除します"
                              "(進捗は保存されます)。\n続けるには何かキーを押してください。"},
    "kiosk_no_link": {"en": "This kiosk opens no browser. The link: {url}",
                      "ja": "このキオスクではブラウザを開きません。リンク: {url}"},
    "kiosk_no_shell": {"en": "The fix-it shell is not offered on this kiosk.",
                       "ja": "このキオスクではシェルを使えません。"},
    "kiosk_pin_title": {"en": "Operator", "ja": "オペレーター"},
    "kiosk_pin_ask": {"en": "The operator's PIN:", "ja": "オペレーターの PIN:"},
    "kiosk_pin_wrong": {"en": "Wrong PIN.", "ja": "PIN が違います。"},
    "kiosk_pin_locked": {"en": "Too many wrong PINs: wait {seconds} s.",
                         "ja": "PIN の誤りが多すぎます: {seconds} 秒待ってください。"},
    "kiosk_quit": {"en": "Quit envlab", "ja": "envlab を終了"},
    "kiosk_end_session": {"en": "End this learner's session", "ja": "この方のセッションを終了"},
    "kiosk_prepare": {"en": "Prepare images", "ja": "イメージを準備"},
    "kiosk_back": {"en": "Back", "ja": "戻る"},
}

#: The footer's key labels, by the action the key runs (an ``app.`` or ``screen.`` namespace is dropped).
#: English is the binding's own description in ``BINDINGS``, so only the other languages are here.
KEY_LABELS: dict[str, dict[str, str]] = {
    # the app (Textual adds the command palette's key)
    "help": {"ja": "ヘルプ"},
    "quit": {"ja": "終了"},
    "command_palette": {"ja": "コマンド"},
    # home
    "open": {"ja": "開く"},
    "resume": {"ja": "続きから"},
    "switch_language": {"ja": "言語"},
    "forget": {"ja": "進捗をリセット"},
    "profiles": {"ja": "受講者"},
    "connect": {"ja": "Docker に再接続"},
    "prepare_images": {"ja": "イメージを準備"},
    # lesson
    "run": {"ja": "実行"},
    "next_step": {"ja": "次へ"},
    "previous_step": {"ja": "前へ"},
    "hint": {"ja": "ヒント"},
    "inspect": {"ja": "調査"},
    "fix_it": {"ja": "直す"},
    "console": {"ja": "コンソール"},
    "verify": {"ja": "確認"},
    "measure": {"ja": "確認"},
    "quiz": {"ja": "クイズ"},
    "reset": {"ja": "初期化"},
    "kubernetes": {"ja": "K8s"},  # so that a lesson with a console lists every key in 80 columns
    "back": {"ja": "戻る"},
    "cancel": {"ja": "中止"},
    "recheck": {"ja": "チェック"},
    "leave": {"ja": "終了"},
    # modals
    "next": {"ja": "次へ"},
    "dismiss": {"ja": "閉じる"},
    "next_setups": {"ja": "ほかのセットアップ"},  # the drift inspector: the setups that did not fit
    "previous_setups": {"ja": "前のセットアップ"},
    "dismiss_quiz": {"ja": "閉じる"},
    "follow": {"ja": "開く"},
    "stay": {"ja": "ここに残る"},
    "answer(True)": {"ja": "はい"},
    "answer(False)": {"ja": "いいえ"},
    # kiosk mode
    "done": {"ja": "終わる"},
    "operator": {"ja": "オペレーター"},
}


def t(key: str, lang: str, **values: Any) -> str:
    """The interface text ``key`` in ``lang`` (else English), with ``values`` filled in."""
    texts = STRINGS[key]
    return (texts.get(lang) or texts["en"]).format(**values)


def key_label(action: str, lang: str, english: str) -> str:
    """The footer label, in ``lang``, of a key that runs ``action``; ``english`` (the binding's own) if none."""
    name = action.removeprefix("app.").removeprefix("screen.")
    return KEY_LABELS.get(name, {}).get(lang, english)


def size_text(size: int, lang: str) -> str:
    """A size as people round it: ``450 MB``, ``1.7 GB``."""
    if size >= 1_000_000_000:
        return t("gigabytes", lang, n=f"{size / 1e9:.1f}")
    return t("megabytes", lang, n=f"{max(size / 1e6, 1):.0f}")


def duration_text(seconds: float, lang: str) -> str:
    """A duration as people round it: ``40 s``, ``3 min`` (whole minutes past 90 seconds)."""
    if seconds < 90:
        return t("seconds", lang, n=f"{max(seconds, 0):.0f}")
    return t("minutes", lang, n=f"{seconds / 60:.0f}")
