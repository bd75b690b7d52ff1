"""Measure how much each container wrote (its writable layer), cheaply enough to ask every 2 s.

The engine can say it itself (``SizeRw`` of a listing with sizes), but on fuse-overlayfs it compares
the container's whole tree with its image's to do so: about a second, half of it the daemon's CPU, per
container, however little the container wrote. A layer is a folder on the engine's host, though
(``GraphDriver.Data.UpperDir`` for overlay-style storage), so envlab runs one small helper that sees
the engine's folder of layers read-only and asks ``du`` about the layers it watches: about 50 ms for
the three containers of a drift lesson.

The helper runs a Debian base image (never a lesson's image, whose ``du`` could lie), with no network,
a read-only root, small limits and every capability dropped but ``DAC_READ_SEARCH`` (``du`` must enter
folders a learner made unreadable). It can read the engine's layers, which envlab can already do
through the engine's socket; nothing of a lesson runs in it. Without overlay-style storage, or without
a Debian base on the engine, the meter asks the engine instead.

Like a session's lease, the helper is tethered to this process (:mod:`envlab.runtime.docker.tether`):
it never outlives the envlab that started it.
"""

from __future__ import annotations

import contextlib
import os
import posixpath
import threading
from typing import Any

import docker
import docker.errors
from docker.types import Mount

from envlab.runtime.contract import NS
from envlab.runtime.docker.tether import TETHERED_COMMAND, start_tethered
from envlab.runtime.labels import HOSTNAME, PID, SETUP, STARTED

#: Images the helper may run: Debian bases (``du`` from coreutils), never an image a lesson built.
HELPER_IMAGES = ("debian:bookworm-slim", "debian:bullseye-slim", "debian:trixie-slim")
#: Where the helper sees the engine's layer folder.
LAYERS = "/layers"
#: The helper's ``io.envlab.setup`` label.
METER_SETUP = "disk-meter"


class LayerMeter:
    """Bytes in use by the writable layers of running containers.

    Args:
        api: The engine's low-level client.
    """

    def __init__(self, api: docker.APIClient) -> None:
        self._api = api
        self._lock = threading.RLock()  # one helper, whichever thread asks (close() runs inside sizes())
        self._helper: str | None = None
        self._stdin: Any = None  # the helper's attached input: closing it ends the helper
        self._root: str | None = None  # the layer folder the helper sees, on the engine's host
        self._usable = True  # False once the helper cannot run on this engine: ask the engine
        self._uppers: dict[str, str | None] = {}  # container id → its layer under the root, if known

    @property
    def helper(self) -> str | None:
        """The helper container's id while it runs."""
        return self._helper

    def sizes(self, rows: list[dict[str, Any]]) -> dict[str, int]:
        """Bytes in use by the layer of each listed container (rows of a container listing).

        Raises:
            docker.errors.DockerException: The engine failed; ask again later.
        """
        with self._lock:
            return self._sizes(rows)

    def close(self) -> None:
        """Remove the helper (nothing needs measuring any more)."""
        with self._lock:
            helper, stdin, self._helper, self._stdin = self._helper, self._stdin, None, None
            self._uppers.clear()
        if stdin is not None:
            with contextlib.suppress(OSError):
                stdin.close()
        if helper is not None:
            with contextlib.suppress(docker.errors.DockerException):
                self._api.remove_container(helper, force=True)

    def _sizes(self, rows: list[dict[str, Any]]) -> dict[str, int]:
        ids = [str(row["Id"]) for row in rows if str(row["Id"]) != self._helper]
        if not ids:
            return {}
        sized: dict[str, int] = {}
        if self._usable and self._ensure_helper(rows, ids[0]):
            try:
                sized = self._du(ids)
            except docker.errors.APIError:
                self.close()  # a clean-up removed or stopped it: another starts at the next poll
        self._uppers = {cid: upper for cid, upper in self._uppers.items() if cid in ids}
        missing = [cid for cid in ids if cid not in sized]
        if missing:
            found = self._api.containers(all=True, filters={"id": missing}, size=True)
            sized.update({str(row["Id"]): int(row.get("SizeRw") or 0) for row in found})
        return sized

    def _du(self, ids: list[str]) -> dict[str, int]:
        known = {cid: upper for cid in ids if (upper := self._upper(cid)) is not None}
        if not known:
            return {}
        paths = {posixpath.join(LAYERS, upper): cid for cid, upper in known.items()}
        # Allocated bytes, which is what fills a disk; du exits non-zero for a layer removed meanwhile
        # and still prints the others.
        exec_id = self._api.exec_create(self._helper, ["du", "-s", "-B1", "--", *paths], stdout=True, stderr=False)
        output = self._api.exec_start(exec_id)
        sized: dict[str, int] = {}
        for line in output.decode("utf-8", errors="replace").splitlines():
            size, _, path = line.partition("\t")
            if path in paths and size.isdigit():
                sized[paths[path]] = int(size)
        return sized

    def _upper(self, cid: str) -> str | None:
        """The container's layer folder relative to the helper's root, ``None`` when it is not there."""
        if cid not in self._uppers:
            with contextlib.suppress(docker.errors.NotFound):
                # a driver with no layer folders (vfs, as a cluster node's engine may run) or a container
                # mid-removal has no Data at all
                driver = self._api.inspect_container(cid).get("GraphDriver") or {}
                upper = (driver.get("Data") or {}).get("UpperDir")
                if upper and self._root and posixpath.dirname(posixpath.dirname(upper)) == self._root:
                    self._uppers[cid] = posixpath.relpath(upper, self._root)
                    return self._uppers[cid]
            self._uppers[cid] = None
        return self._uppers[cid]

    def _ensure_helper(self, rows: list[dict[str, Any]], first: str) -> bool:
        if self._helper is not None:
            return True
        data = self._api.inspect_container(first).get("GraphDriver", {}).get("Data") or {}
        image = next((i for i in HELPER_IMAGES if self._present(i)), None)
        if not data.get("UpperDir") or image is None:
            self._usable = False
            return False
        self._root = posixpath.dirname(posixpath.dirname(str(data["UpperDir"])))
        self._uppers.clear()
        labels = dict(rows[0].get("Labels") or {})
        try:
            self._helper, self._stdin = self._start(image, labels)
        except docker.errors.APIError:
            self._usable = False  # this engine refuses the mount: the engine's own sizes will do
            return False
        return True

    def _start(self, image: str, labels: dict[str, str]) -> tuple[str, Any]:
        """Start the helper, labelled with whose process it is but neither as a session's nor as
        ``io.envlab.managed``: it removes itself when the process ends, so no sweep or clean-up has to
        (and a run's teardown, which removes what its session has, must not take it from other runs)."""
        mine = {key: labels[key] for key in (PID, HOSTNAME, STARTED) if key in labels}
        created = self._api.create_container(
            image, command=TETHERED_COMMAND, network_disabled=True,
            labels={**mine, SETUP: METER_SETUP},
            name=f"envlab-disk-meter-{os.urandom(6).hex()}", stdin_open=True,  # not detached: StdinOnce
            host_config=self._api.create_host_config(
                network_mode="none", cap_drop=["ALL"], cap_add=["DAC_READ_SEARCH"], read_only=True,
                security_opt=["no-new-privileges:true"], mem_limit="32m", memswap_limit="32m", pids_limit=16,
                nano_cpus=NS // 2, init=True, auto_remove=True,
                # The engine insists that a mount inside its own folder follows the mounts made there later.
                mounts=[Mount(LAYERS, self._root, type="bind", read_only=True, propagation="rslave")]),
        )
        cid = str(created["Id"])
        return cid, start_tethered(self._api, cid)

    def _present(self, image: str) -> bool:
        try:
            self._api.inspect_image(image)
        except docker.errors.ImageNotFound:
            return False
        return True
