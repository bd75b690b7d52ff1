"""The console's API filter configuration: what each ability lets through, and the refusals that come before
any of it (the engine test tests/engine/test_engine_console.py proves them against a real engine)."""

from __future__ import annotations

import re

import pytest

from envlab.runtime.docker.console import ALLOWED, REFUSED_BODIES, filter_config


def allowed_paths(config: str) -> list[str]:
    return re.findall(r"path_reg '([^']+)'", config)


def allowed(config: str, method: str, path: str) -> bool:
    """Whether an ``http-request allow`` of ``config`` lets ``method path`` through."""
    methods = dict(re.findall(r"acl (\w+)_method method ([A-Z ]+)", config))
    paths = dict(re.findall(r"acl (\w+)_path path_reg '([^']+)'", config))
    return any(method in methods[name].split() and re.search(paths[name], path)
               for name in re.findall(r"http-request allow if (\w+)_method", config))


def test_reading_is_always_allowed_and_nothing_else_unless_asked() -> None:
    config = filter_config(())
    assert allowed_paths(config) == [rule.path for rule in ALLOWED["read"]]
    assert "method POST" not in config and "method DELETE" not in config


@pytest.mark.parametrize(("ability", "method", "path"), [
    ("scale", "POST", "/v1.41/services/web/update"), ("drain", "POST", "/v1.41/nodes/node-2/update"),
    ("create", "POST", "/v1.41/services/create"), ("create", "DELETE", "/v1.41/services/web"),
    ("containers", "GET", "/v1.41/containers/json"), ("containers", "GET", "/v1.41/containers/web-1/json"),
    ("containers", "GET", "/v1.41/containers/web-1/logs"), ("restart", "POST", "/v1.41/containers/web-1/restart"),
    ("restart", "POST", "/v1.41/containers/web-1/start"), ("restart", "POST", "/v1.41/containers/web-1/update"),
])
def test_each_ability_lets_its_own_requests_through(ability: str, method: str, path: str) -> None:
    assert not allowed(filter_config(()), method, path)
    assert allowed(filter_config((ability,)), method, path)


def test_reading_lets_the_cli_s_reads_through_and_nothing_of_the_engine_s_own() -> None:
    config = filter_config(())
    for path in ("/_ping", "/v1.41/services", "/v1.41/tasks", "/v1.41/nodes/node-1", "/v1.41/services/web/logs"):
        assert allowed(config, "GET", path), path
    for path in ("/v1.41/containers/json", "/v1.41/images/json", "/v1.41/swarm", "/v1.41/services/../containers/json",
                 "/v1.41/networks", "/v1.41/volumes", "/v1.41/exec/x/json"):
        assert not allowed(config, "GET", path), path


def test_starting_a_container_is_let_through_only_without_a_body() -> None:
    # an old API version's start still reads a host config (privileged, binds...) from the body
    config = filter_config(("restart",))
    starts = [line for line in config.splitlines() if "http-request allow if restart_0_method" in line]
    assert starts == ["    http-request allow if restart_0_method restart_0_path !has_body"]
    assert "acl has_body req.body_len gt 0" in config
    assert re.search(ALLOWED["restart"][0].path, "/v1.23/containers/web-1/start")
    for path in ("/v1.41/containers/create", "/v1.41/containers/web-1/exec", "/v1.41/containers/web-1/archive",
                 "/v1.41/commit", "/v1.41/containers/web-1/attach"):
        assert not allowed(filter_config(("containers", "restart")), "POST", path), path


def test_every_refusal_comes_before_the_first_allow() -> None:
    lines = filter_config(("scale", "drain", "create", "containers", "restart")).splitlines()
    first_allow = next(i for i, line in enumerate(lines) if "http-request allow" in line)
    denies = [i for i, line in enumerate(lines) if "http-request deny" in line]
    assert len(denies) == len(REFUSED_BODIES) + 3  # + too long or chunked, escapes or non-ASCII, the last word
    assert all(i < first_allow for i in denies[:-1]) and denies[-1] > first_allow


def test_an_unknown_ability_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown console abilities: exec"):
        filter_config(("read", "exec"))


def test_a_console_reaching_several_servers_sends_each_port_to_its_own_server_behind_the_same_rules() -> None:
    config = filter_config(("containers", "restart"), ("node-1", "node-2", "node-3"))
    lines = config.splitlines()
    assert [line.split()[1] for line in lines if line.startswith("    bind")] == [":2375", ":2376", ":2377"]
    assert "    use_backend server_node-2 if { dst_port 2376 }" in lines
    assert "    use_backend server_node-3 if { dst_port 2377 }" in lines
    assert "    default_backend server_node-1" in lines
    assert lines.count("frontend api") == 1  # one set of rules, whichever server a request goes to
    for name in ("node-1", "node-2", "node-3"):
        assert f"    server engine /run/engines/{name}/docker.sock" in lines
    last_deny = max(i for i, line in enumerate(lines) if "http-request deny" in line)
    assert all(i > last_deny for i, line in enumerate(lines) if "use_backend" in line or "default_backend" in line)
