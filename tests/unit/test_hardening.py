"""The last line at the engine's door: whatever reaches the Docker runtime is held to the container
policy again, so a lesson that slipped past validation still gets nothing more."""

from __future__ import annotations

import pytest

from envlab.errors import EnvlabError
from envlab.runtime.contract import ContainerSpec
from envlab.runtime.docker.hardening import container_kwargs


def spec(**overrides: object) -> ContainerSpec:
    values: dict[str, object] = {"name": "envlab-x-l-s", "image": "i", "labels": {}, "hostname": "s"}
    values.update(overrides)
    return ContainerSpec(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(("overrides", "said"), [
    ({"cap_add": ["ALL"]}, "every capability"),
    ({"cap_add": ["SYS_ADMIN"]}, "'SYS_ADMIN' is not a capability"),
    ({"memory": "0m"}, "outside what envlab gives"),
    ({"memory": "64g"}, "outside what envlab gives"),
    ({"pids": 100_000}, "outside what envlab gives"),
    ({"cpus": 64.0}, "outside what envlab gives"),
])
def test_what_no_container_may_have_is_refused_at_the_runtime(overrides: dict[str, object], said: str) -> None:
    with pytest.raises(EnvlabError, match=said):
        container_kwargs(spec(**overrides), api=None)  # type: ignore[arg-type]


def test_a_container_within_the_policy_is_hardened_as_always() -> None:
    kwargs = container_kwargs(spec(cap_add=["cap_chown"], memory="128m", cpus=0.5, pids=64), api=None)  # type: ignore[arg-type]
    assert kwargs["cap_drop"] == ["ALL"] and kwargs["cap_add"] == ["CHOWN"]
    assert kwargs["security_opt"] == ["no-new-privileges:true"] and kwargs["network_mode"] == "none"
    assert kwargs["mem_limit"] == kwargs["memswap_limit"] == "128m" and kwargs["pids_limit"] == 64
    assert {u["Name"] for u in kwargs["ulimits"]} == {"fsize", "core"}


def test_a_file_too_large_to_read_still_exists_but_its_content_is_not_checked() -> None:
    from envlab.engine.checks import run_check
    from envlab.lessons.model import FileCheck
    from envlab.runtime.bounds import FILE_BYTES, FileTooLarge
    from envlab.runtime.fake import FakeRuntime

    class Huge(FakeRuntime):
        def read_file(self, container: str, path: str) -> bytes | None:
            raise FileTooLarge(path, 100 * 1024**3)

    fake = Huge(images={"i"})
    container = fake.start(spec())
    exists = FileCheck(name="there", target="s", type="file", path="/big")
    content = FileCheck(name="holds", target="s", type="file", path="/big", contains="x")
    assert run_check(exists, fake, container).passed
    result = run_check(content, fake, container)
    assert not result.passed
    limit = f"{FILE_BYTES / 1024**2:.1f} MiB"
    assert result.detail == (f"/big is 100.0 GiB, more than the {limit} envlab reads of a file, "
                             "so its content was not checked")
