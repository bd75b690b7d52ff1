"""A scenario lesson on servers, run on the fake runtime: the servers start first and every step is shown, the
images travel to them, the services run on the cluster, a server's power-off names what it held, who runs
where is told, and the teardown leaves nothing. What each step and line says, in English and Japanese."""

from __future__ import annotations

import re

from envlab.engine.describe import describe
from envlab.engine.images import image_needs, node_image, registry_image
from envlab.engine.outcome import RunSummary
from envlab.engine.run import open_run
from envlab.engine.scenario.events import ClusterStepped, ServerFaulted, ServersSeen, ServiceStarted
from envlab.engine.scenario.servers import cluster_words
from envlab.engine.wording import Words, say
from envlab.lessons.catalog import load_checked
from envlab.runtime.contract import CLUSTER_STEP_TEXT, ClusterSpec, ClusterStep, NodeSpec
from envlab.runtime.fake import FakeRuntime
from envlab.runtime.labels import Session
from tests.helpers import FIXTURES

LESSON = FIXTURES / "servers" / "tiny-servers.yaml"


def test_every_step_of_starting_servers_and_carrying_an_image_is_said_in_both_languages() -> None:
    fake = FakeRuntime(images={node_image(), registry_image(), "debian:bookworm-slim"})
    spec = ClusterSpec("c", Session().labels(lesson="l"),
                       (NodeSpec("node-1", node_image(), "manager"), NodeSpec("node-2", node_image())),
                       registry_image())
    steps = [*fake.start_cluster(spec), *fake.distribute_image("c", "debian:bookworm-slim")]
    said = [cluster_words(step) for step in steps]
    assert all(isinstance(words, Words) for words in said), steps
    for words in said:
        assert say(words, "ja") != say(words, "en"), words.key


def test_every_kind_of_cluster_step_the_runtime_can_take_has_words_in_both_languages() -> None:
    from envlab.engine.wording import WORDS

    for kind, text in CLUSTER_STEP_TEXT.items():
        names = re.findall(r"{(\w+)}", text)
        words = cluster_words(ClusterStep.of("node-1", kind, 0.1, **dict.fromkeys(names, "x")))
        assert words.key in WORDS and set(WORDS[words.key]) >= {"en", "ja"}, kind
        assert "{" not in say(words, "ja"), kind  # every value the Japanese names is given


def test_a_lesson_on_servers_runs_its_services_on_them_and_leaves_nothing() -> None:
    loaded = load_checked(LESSON)
    fake = FakeRuntime(images={need.tag for need in image_needs([loaded])})
    events = list(open_run(loaded, fake).events())
    summary = RunSummary.of(events)
    assert summary.ok, [describe(e) for e in events]
    stepped = [e for e in events if isinstance(e, ClusterStepped)]
    assert stepped[-1].what.startswith("pulled registry:5000/envlab-svc/balancer:")  # the last image travelled
    started = [e for e in events if isinstance(e, ServiceStarted)]
    assert {e.service: e.image.split(":")[0] for e in started if e.service != "balancer"} == {
        "web": "registry", "sessions": "registry"}  # services name the registry's copy of their image
    faulted = [e for e in events if isinstance(e, ServerFaulted)]
    assert [(e.phase, e.server, e.action) for e in faulted] == [("server-dies", "node-3", "power-off")]
    seen = [e for e in events if isinstance(e, ServersSeen)]
    assert seen and [name for name, _status, _on in seen[0].servers] == ["node-1", "node-2", "node-3"]
    assert fake.list_resources() == [] and fake.clusters == {}
    assert fake.swarm == "inactive", "the servers form their own swarm: the engine's is never made"


def test_plain_containers_run_where_they_are_placed_and_a_server_powered_on_again_brings_none_back() -> None:
    loaded = load_checked(FIXTURES / "servers" / "tiny-plain-servers.yaml")
    fake = FakeRuntime(images={need.tag for need in image_needs([loaded])})
    events = list(open_run(loaded, fake).events())
    summary = RunSummary.of(events)
    assert summary.as_claimed, [describe(e) for e in events]
    faulted = [(e.phase, e.server, e.action, e.replicas) for e in events if isinstance(e, ServerFaulted)]
    assert faulted == [("server-dies", "node-2", "power-off", ("web-2", "web-4")),
                       ("server-back", "node-2", "power-on", ())]
    assert fake.list_resources() == [] and fake.clusters == {}


def test_what_servers_do_reads_in_japanese() -> None:
    fault = ServerFaulted("p", "node-3", "power-off", ("web-2", "web-5"), 3.2)
    assert describe(fault, "ja")[0] == "⚡ t=3.2s node-3: サーバーの電源が落ちました(動いていたもの: web-2, web-5)"
    assert describe(fault)[0] == "⚡ t=3.2s node-3: the server lost power, holding web-2, web-5"
    back = ServerFaulted("p", "node-3", "power-on", (), 9.0)
    assert describe(back, "ja")[0] == "⚡ t=9.0s node-3: サーバーの電源が再び入りました(動いていたもの: なし)"
    seen = ServersSeen((("node-1", "ready", ("web-1",)), ("node-3", "down", ())))
    assert describe(seen, "ja")[0] == "  サーバー: node-1 [稼働中] web-1 · node-3 [ダウン] なし"
    step = ClusterStepped("node-2", cluster_words(ClusterStep.of("node-2", "joined", 0.25, role="worker")), 0.25)
    assert describe(step, "ja")[0] == "⛁ node-2: worker として Swarm に参加(0.2 秒)"
