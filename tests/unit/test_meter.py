"""The layer meter asks the engine where a container's layer is; an engine whose driver keeps no layer
folders (vfs, as a cluster node's engine runs where overlay2 cannot) answers with no ``Data`` at all, and the
meter must not fail on it (a failure would end the disk watchdog's thread, and every disk bound with it)."""

from __future__ import annotations

from typing import Any

from envlab.runtime.docker.meter import LayerMeter


class Engine:
    def __init__(self, driver: dict[str, Any] | None) -> None:
        self.driver = driver

    def inspect_container(self, cid: str) -> dict[str, Any]:
        return {"Id": cid, "GraphDriver": self.driver}


def test_a_driver_without_layer_folders_has_no_layer_to_measure() -> None:
    for driver in ({"Name": "vfs", "Data": None}, None, {"Name": "overlay2"}):
        meter = LayerMeter(Engine(driver))  # type: ignore[arg-type]
        assert meter._upper("c1") is None
