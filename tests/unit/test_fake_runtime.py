"""The fake runtime behaves as Docker does where the engine and the UI tests lean on it: replicas, an
orchestrator, faults, health, events, rolling updates and the shop's balancer over real loopback HTTP."""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from envlab.errors import EnvlabError, ImageMissing
from envlab.runtime.contract import NS, Health, Replica, Resource, ServiceSpec, Update, wait_for
from envlab.runtime.fake import FakeRuntime
from envlab.runtime.labels import LESSON, SERVICE, SESSION

SCOPE = {SESSION: "s1", LESSON: "shop"}
CHECK = Health("curl -fsS http://127.0.0.1:8000/healthz")
QUICK = Health("curl -fsS http://127.0.0.1:8000/healthz", interval=0.05, retries=2)  # a hang shows in 0.1 s


def until(predicate: Callable[[], bool], timeout: float = 5) -> bool:
    return wait_for(predicate, timeout=timeout, every=0.01)


class Recorder:
    """Every event the fake streams for ``SCOPE``, collected on a thread of its own."""

    def __init__(self, fake: FakeRuntime) -> None:
        self.events: list[dict[str, Any]] = []
        self.stop = threading.Event()
        stream = fake.container_events(SCOPE, self.stop)
        self._thread = threading.Thread(target=lambda: self.events.extend(stream), daemon=True)
        self._thread.start()

    def actions(self, container: str) -> list[str]:
        return [e["Action"] for e in list(self.events) if e["id"] == container]

    def close(self) -> None:
        self.stop.set()
        self._thread.join(timeout=2)


@pytest.fixture
def fake() -> FakeRuntime:
    return FakeRuntime(images={"shop", "balancer", "redis"})


@pytest.fixture
def recorder(fake: FakeRuntime) -> Iterator[Recorder]:
    recorder = Recorder(fake)
    yield recorder
    recorder.close()
    assert not recorder._thread.is_alive(), "the events stream must end once stop is set"


def spec(service: str, *, image: str = "shop", replicas: int = 3, network: str = "net", **options: Any) -> ServiceSpec:
    return ServiceSpec(name=f"envlab-s1-shop-{service}", alias=service, image=image,
                       labels={**SCOPE, SERVICE: service}, network=network, replicas=replicas, **options)


def swarm_service(fake: FakeRuntime, service: str = "web", **options: Any) -> str:
    fake.ensure_swarm()
    network = fake.create_network("net", dict(SCOPE), overlay=True)
    return fake.create_service(spec(service, image=fake.image_id("shop"), network=network, **options))


def running(fake: FakeRuntime, service: str = "web") -> list[Replica]:
    return [r for r in fake.replicas({**SCOPE, SERVICE: service}) if r.state == "running"]


def ready(fake: FakeRuntime, service: str = "web") -> list[Replica]:
    return [r for r in fake.replicas({**SCOPE, SERVICE: service}) if r.ready]


def get(address: tuple[str, int], path: str, *, method: str = "GET", sid: str | None = None,
        body: str = "") -> tuple[int, dict[str, str], str]:
    connection = http.client.HTTPConnection(*address, timeout=3)
    headers = {"Cookie": f"sid={sid}"} if sid else {}
    if body:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    connection.request(method, path, body=body or None, headers=headers)
    response = connection.getresponse()
    text = response.read().decode()
    connection.close()
    return response.status, {k: v for k, v in response.getheaders()}, text


def login(address: tuple[str, int], user: str = "alice") -> tuple[str, str]:
    """Log in; return the session id and the replica that made it."""
    status, headers, _text = get(address, "/login", method="POST", body=f"user={user}")
    assert status == 200 and headers["Set-Cookie"].endswith("; Path=/; HttpOnly")
    return headers["Set-Cookie"].split(";")[0].removeprefix("sid="), headers["X-Replica"]


def balanced(fake: FakeRuntime, *, web_env: dict[str, str], sessions: bool = False,
             restart: str = "no") -> tuple[str, int]:
    """Three plain shop replicas with a health check (and a session store), the balancer in front."""
    for index in (1, 2, 3):
        fake.run_replica(spec("web", env=web_env, health=CHECK, restart=restart), index)
    if sessions:
        fake.run_replica(spec("sessions", image="redis", replicas=1), 1)
    assert until(lambda: len(ready(fake)) == 3)
    balancer = fake.run_replica(spec("balancer", image="balancer", replicas=1, ports=[8080],
                                     env={"BACKEND_HOST": "web", "BACKEND_PORT": "8000"}), 1)
    return fake.published_port(balancer, 8080)


# the orchestrator ----------------------------------------------------------------------------
def test_a_crashed_task_is_replaced_in_its_slot(fake: FakeRuntime, recorder: Recorder) -> None:
    swarm_service(fake, health=CHECK)
    assert until(lambda: len(ready(fake)) == 3)
    victim = next(r for r in ready(fake) if r.label == "web-2")

    fake.crash(victim.id)

    assert next(r for r in fake.replicas(SCOPE) if r.id == victim.id).state == "exited"
    assert until(lambda: len(ready(fake)) == 3)
    replacement = next(r for r in ready(fake) if r.label == "web-2")
    assert replacement.id != victim.id and replacement.name.split(".")[1] == "2"
    assert until(lambda: recorder.actions(victim.id)[-1:] == ["die"]), "a crash is a die, not a stop"
    assert until(lambda: recorder.actions(replacement.id)[:2] == ["create", "start"])
    died_at = next(e["timeNano"] for e in recorder.events if e["id"] == victim.id and e["Action"] == "die")
    started_at = next(e["timeNano"] for e in recorder.events if e["id"] == replacement.id and e["Action"] == "start")
    assert died_at < started_at
    event = next(e for e in recorder.events if e["id"] == replacement.id)
    assert event["Type"] == "container" and event["status"] == event["Action"]
    assert event["Actor"]["Attributes"][SERVICE] == "web" and event["Actor"]["Attributes"]["name"] == replacement.name


def test_a_hung_task_turns_unhealthy_and_is_replaced(fake: FakeRuntime, recorder: Recorder) -> None:
    swarm_service(fake, health=QUICK)
    assert until(lambda: len(ready(fake)) == 3)
    victim = ready(fake)[0]

    fake.hang(victim.id)

    assert until(lambda: "health_status: unhealthy" in recorder.actions(victim.id))
    assert until(lambda: len(ready(fake)) == 3 and victim.id not in {r.id for r in ready(fake)})
    assert {r.label for r in ready(fake)} == {"web-1", "web-2", "web-3"}


def test_a_stopped_task_is_replaced(fake: FakeRuntime, recorder: Recorder) -> None:
    swarm_service(fake)
    victim = running(fake)[0]
    fake.stop(victim.id)
    assert until(lambda: recorder.actions(victim.id)[-2:] == ["die", "stop"])
    assert until(lambda: len(running(fake)) == 3 and victim.id not in {r.id for r in running(fake)})


def test_an_env_update_rolls_every_task_and_completes(fake: FakeRuntime) -> None:
    service = swarm_service(fake, health=CHECK, env={"APP_VERSION": "v1"})
    assert until(lambda: len(ready(fake)) == 3)
    before = {r.id for r in ready(fake)}
    assert fake.update_status(service) == "", "a service never updated has no update status"

    fake.update_service(service, env={"APP_VERSION": "v2"})

    assert fake.update_status(service) == "updating"
    assert until(lambda: fake.update_status(service) == "completed")
    after = ready(fake)
    assert {r.label for r in after} == {"web-1", "web-2", "web-3"} and not before & {r.id for r in after}
    assert all(fake.container_env(r.id)["APP_VERSION"] == "v2" for r in after)
    assert fake.service_env(service) == {"APP_VERSION": "v2"}
    assert "APP_VERSION=v2" in fake.service_spec(service)["TaskTemplate"]["ContainerSpec"]["Env"]


def test_a_failing_release_rolls_back_to_the_previous_spec(fake: FakeRuntime) -> None:
    service = swarm_service(fake, health=CHECK, env={"APP_VERSION": "v2"},
                            update=Update("start-first", 1, 0, "rollback", 1.0))
    assert until(lambda: len(ready(fake)) == 3)
    before = {r.id for r in ready(fake)}

    fake.update_service(service, env={"APP_VERSION": "v3", "REQUIRE_SETTING": "1"})  # v3 exits at start

    assert until(lambda: fake.update_status(service) == "rollback_completed")
    assert fake.service_env(service) == {"APP_VERSION": "v2"}
    assert {r.id for r in ready(fake)} == before, "start-first: the old tasks served throughout"


def test_a_failing_release_pauses_the_update(fake: FakeRuntime) -> None:
    service = swarm_service(fake, update=Update(failure_action="pause"))
    fake.update_service(service, env={"REQUIRE_SETTING": "1"})
    assert until(lambda: fake.update_status(service) == "paused")


def test_scaling_adds_and_removes_slots(fake: FakeRuntime) -> None:
    service = swarm_service(fake)
    fake.update_service(service, replicas=5)
    assert until(lambda: sorted(r.label for r in running(fake)) == ["web-1", "web-2", "web-3", "web-4", "web-5"])
    fake.update_service(service, replicas=2)
    assert sorted(r.label for r in fake.replicas(SCOPE)) == ["web-1", "web-2"]
    assert fake.update_status(service) == "", "a scale alone is no rolling update"
    assert fake.service_spec(service)["Mode"]["Replicated"]["Replicas"] == 2


def test_the_service_spec_has_the_engine_shape(fake: FakeRuntime) -> None:
    service = swarm_service(fake, health=CHECK, stop_grace=2, env={"SESSION_STORE": "redis"},
                            update=Update("start-first", 1, 0, "rollback", 1.0))
    shown = fake.service_spec(service)
    container = shown["TaskTemplate"]["ContainerSpec"]
    assert shown["EndpointSpec"]["Mode"] == "dnsrr" and shown["Mode"]["Replicated"]["Replicas"] == 3
    assert container["Env"] == ["SESSION_STORE=redis"] and container["StopGracePeriod"] == 2 * NS
    assert container["Healthcheck"] == CHECK.docker()
    assert shown["UpdateConfig"]["Order"] == "start-first" and shown["RollbackConfig"]["Order"] == "start-first"
    fake.update_service(service, health=None)
    assert fake.service_spec(service)["TaskTemplate"]["ContainerSpec"]["Healthcheck"] == {"Test": ["NONE"]}


def test_leave_swarm_only_when_envlab_made_it_and_no_service_is_left(fake: FakeRuntime) -> None:
    assert fake.ensure_swarm() is True and fake.swarm == "active"
    assert fake.ensure_swarm() is False
    network = fake.create_network("net", dict(SCOPE), overlay=True)
    service = fake.create_service(spec("web", network=network))
    assert fake.leave_swarm_if_ours() is False
    assert len(fake.replicas(SCOPE)) == 3

    fake.remove(Resource("service", service, "envlab-s1-shop-web", {}))

    assert fake.replicas(SCOPE) == [] and fake.services == {}
    assert fake.leave_swarm_if_ours() is True and fake.swarm == "inactive"
    assert "net" not in fake.networks, "an overlay network goes with the swarm"
    assert fake.leave_swarm_if_ours() is False


def test_a_users_own_swarm_is_never_left(fake: FakeRuntime) -> None:
    fake.swarm = "active"
    assert fake.ensure_swarm() is False
    assert fake.leave_swarm_if_ours() is False and fake.swarm == "active"


def test_services_need_a_swarm_and_present_images(fake: FakeRuntime) -> None:
    with pytest.raises(EnvlabError, match="swarm"):
        fake.create_service(spec("web"))
    fake.ensure_swarm()
    fake.create_network("net", {}, overlay=True)
    with pytest.raises(ImageMissing):
        fake.create_service(spec("web", image="sha256:absent"))


# plain replicas -------------------------------------------------------------------------------
@pytest.mark.parametrize("policy", ["always", "on-failure", "unless-stopped"])
def test_a_restart_policy_restarts_a_crashed_replica_in_place(fake: FakeRuntime, recorder: Recorder,
                                                              policy: str) -> None:
    restarting = fake.run_replica(spec("web", restart=policy), 1)
    staying = fake.run_replica(spec("web", restart="no"), 2)

    fake.crash(staying)  # first: had it a restart coming, it would come before the other's
    fake.crash(restarting)

    assert until(lambda: recorder.actions(restarting)[-2:] == ["die", "start"])
    state = {r.id: r.state for r in fake.replicas(SCOPE)}
    assert state == {restarting: "running", staying: "exited"}, "restart no: the crashed replica stays dead"


def test_a_stopped_replica_is_not_restarted(fake: FakeRuntime, recorder: Recorder) -> None:
    stopped = fake.run_replica(spec("web", restart="always"), 1)
    crashed = fake.run_replica(spec("web", restart="always"), 2)
    fake.stop(stopped)
    fake.crash(crashed)
    assert until(lambda: recorder.actions(crashed)[-1:] == ["start"])
    assert {r.id: r.state for r in fake.replicas(SCOPE)}[stopped] == "exited"


def test_health_starts_then_passes_and_a_hang_fails_it(fake: FakeRuntime, recorder: Recorder) -> None:
    checked = fake.run_replica(spec("web", health=Health("true", interval=0.2, retries=2)), 1)
    unchecked = fake.run_replica(spec("web"), 2)
    health = {r.id: r.health for r in fake.replicas(SCOPE)}
    assert health == {checked: "starting", unchecked: ""}
    assert until(lambda: fake.replicas(SCOPE)[0].health == "healthy")

    hung_at = time.monotonic()
    fake.hang(checked)

    assert fake.replicas(SCOPE)[0].health == "healthy", "one missed check is not yet unhealthy"
    assert until(lambda: "health_status: unhealthy" in recorder.actions(checked))
    assert time.monotonic() - hung_at >= 0.4, "unhealthy only after interval × retries failed checks"
    hung = fake.replicas(SCOPE)[0]
    assert (hung.state, hung.health, hung.up) == ("running", "unhealthy", False)
    assert fake.replicas(SCOPE)[1].health == "", "no health check: nobody notices a hang"


def test_replicas_filter_by_labels_oldest_first(fake: FakeRuntime) -> None:
    first = fake.run_replica(spec("web"), 2)
    second = fake.run_replica(spec("web"), 1)
    fake.run_replica(spec("sessions", image="redis"), 1)
    assert [r.id for r in fake.replicas({**SCOPE, SERVICE: "web"})] == [first, second]
    assert [r.label for r in fake.replicas({**SCOPE, SERVICE: "web"})] == ["web-2", "web-1"]
    assert fake.replicas({SESSION: "someone else"}) == []


def test_a_removed_replica_is_gone_with_a_destroy_event(fake: FakeRuntime, recorder: Recorder) -> None:
    replica = fake.run_replica(spec("web"), 1)
    fake.remove_container(replica)
    assert fake.replicas(SCOPE) == []
    assert until(lambda: recorder.actions(replica)[-1:] == ["destroy"])
    fake.remove_container(replica)  # already gone: fine


# the balancer ---------------------------------------------------------------------------------
def test_the_balancer_round_robins_over_ready_replicas(fake: FakeRuntime) -> None:
    address = balanced(fake, web_env={"APP_VERSION": "v7"})
    answers = [get(address, "/") for _ in range(6)]
    labels = [headers["X-Replica"] for _status, headers, _text in answers]
    assert sorted(labels[:3]) == ["web-1", "web-2", "web-3"] and labels[3:] == labels[:3]
    assert all(status == 200 and headers["X-Version"] == "v7" for status, headers, _text in answers)
    assert get(address, "/healthz")[0] == 200

    crashed = ready(fake)[0]
    fake.crash(crashed.id)
    assert crashed.label not in {get(address, "/")[1]["X-Replica"] for _ in range(4)}
    for replica in ready(fake):
        fake.crash(replica.id)
    status, headers, _text = get(address, "/")
    assert status == 503 and "X-Replica" not in headers


@pytest.mark.parametrize(("mode", "fault", "statuses"), [
    ("checks", "hang", [200, 200]), ("dns", "hang", [200, 504]),
    ("checks", "warmup", [200, 200]), ("dns", "warmup", [200, 503]),
])
def test_a_replica_that_does_not_answer_without_a_health_check(fake: FakeRuntime, mode: str, fault: str,
                                                                statuses: list[int]) -> None:
    """Frozen or still warming up: its own checks keep the balancer off it; trusting DNS alone, it sends
    users there."""
    silent = fake.run_replica(spec("web", env={"WARMUP_SECONDS": "60"} if fault == "warmup" else {}), 1)
    fake.run_replica(spec("web"), 2)
    balancer = fake.run_replica(spec("balancer", image="balancer", ports=[8080],
                                     env={"BACKEND_HOST": "web", "BALANCER_MODE": mode}), 1)
    address = fake.published_port(balancer, 8080)
    if fault == "hang":
        fake.hang(silent)
    assert sorted(get(address, "/")[0] for _ in range(2)) == statuses


def test_a_warm_up_delays_a_passing_health_check(fake: FakeRuntime) -> None:
    started = time.monotonic()
    fake.run_replica(spec("web", env={"WARMUP_SECONDS": "0.3"}, health=QUICK), 1)
    assert until(lambda: fake.replicas(SCOPE)[0].health == "healthy")
    assert time.monotonic() - started >= 0.3


def test_memory_sessions_are_lost_on_other_replicas(fake: FakeRuntime) -> None:
    address = balanced(fake, web_env={"SESSION_STORE": "memory"}, restart="always")
    sid, home = login(address)
    carts = [get(address, "/cart", sid=sid) for _ in range(3)]
    known = {headers["X-Replica"]: status for status, headers, _text in carts}
    assert known == {**dict.fromkeys({"web-1", "web-2", "web-3"} - {home}, 401), home: 200}
    assert get(address, "/cart")[0] == 401, "no cookie, no cart"

    fake.crash(next(r.id for r in ready(fake) if r.label == home))
    assert until(lambda: len(ready(fake)) == 3), "restarted in place"
    carts = [get(address, "/cart", sid=sid) for _ in range(3)]
    assert {headers["X-Replica"]: status for status, headers, _text in carts} == dict.fromkeys(
        ["web-1", "web-2", "web-3"], 401), "its memory died with the crash"


def test_shared_sessions_survive_other_replicas_and_crashes(fake: FakeRuntime) -> None:
    address = balanced(fake, web_env={"SESSION_STORE": "redis"}, sessions=True)
    sid, _home = login(address)
    assert [get(address, "/cart", sid=sid)[0] for _ in range(3)] == [200, 200, 200]
    fake.crash(ready(fake)[0].id)
    assert [get(address, "/cart", sid=sid)[0] for _ in range(3)] == [200, 200, 200]

    fake.stop(running(fake, "sessions")[0].id)

    status, _headers, text = get(address, "/cart", sid=sid)
    assert status == 503 and "session store unavailable" in text


def test_a_plain_published_port_answers_ok_and_closes_with_its_container(fake: FakeRuntime) -> None:
    container = fake.run_replica(spec("web", ports=[9000]), 1)
    address = fake.published_port(container, 9000)
    assert address[0] == "127.0.0.1" and get(address, "/")[:1] == (200,)
    with pytest.raises(EnvlabError, match="port 9001 is not published"):
        fake.published_port(container, 9001)
    fake.remove_container(container)

    def refused() -> bool:
        try:
            get(address, "/")
        except OSError:
            return True
        return False

    assert until(refused)


# images and resources ---------------------------------------------------------------------------
def test_images_ids_labels_builds_and_bases(fake: FakeRuntime) -> None:
    assert fake.image_id("shop") == "sha256:shop" and fake.image_present("sha256:shop")
    with pytest.raises(ImageMissing):
        fake.image_id("absent")
    lines: list[str] = []
    built = fake.build_image(context=[], dockerfile="FROM scratch", tag="fix", labels={"k": "v"},
                             on_line=lines.append)
    assert built == fake.image_id("fix") and fake.image_labels(built) == {"k": "v"} and lines
    assert fake.built == ["fix"] and fake.image_labels("absent") is None
    notes: list[str] = []
    assert fake.provide_base("debian:bookworm", lambda note, _done: notes.append(note)) == "bootstrapped"
    assert notes and fake.provide_base("debian:bookworm", lambda *_: None) == "present"
    with pytest.raises(ImageMissing):
        fake.run_replica(spec("web", image="sha256:absent"), 1)
    assert fake.engine_info().version == "fake"


def test_resources_are_listed_by_label_and_removed(fake: FakeRuntime) -> None:
    swarm_service(fake)
    fake.run_replica(spec("balancer", image="balancer"), 1)
    kinds = sorted(r.kind for r in fake.list_resources(SCOPE))
    assert kinds == ["container"] * 4 + ["network", "service"]
    assert fake.list_resources({SESSION: "someone else"}) == []
    for resource in fake.list_resources(SCOPE):
        fake.remove(resource)
        fake.remove(resource)  # a resource already gone is fine
    assert fake.list_resources() == [] and fake.containers == {} and fake.networks == {}
