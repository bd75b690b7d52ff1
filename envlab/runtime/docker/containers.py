"""Images, hardened labelled containers and clean-up on a Docker engine through the Docker SDK."""

from __future__ import annotations

import contextlib
import io
import posixpath
import tarfile
import threading
import time

import docker
import docker.errors

from envlab.errors import EnvlabError, ImageMissing
from envlab.runtime.bounds import DiskBoundExceeded, DiskBreach
from envlab.runtime.contract import (
    PREPARE_HINT,
    ContainerSpec,
    EngineInfo,
    ExecResult,
    LineSink,
    Progress,
    Resource,
    wait_for,
)
from envlab.runtime.docker import archive, builds
from envlab.runtime.docker.bases import bootstrap, try_pull
from envlab.runtime.docker.builds import BuildFailed as BuildFailed
from envlab.runtime.docker.errors import translating
from envlab.runtime.docker.hardening import container_kwargs
from envlab.runtime.docker.nodes import remove_engines_folder
from envlab.runtime.docker.output import LineSplitter
from envlab.runtime.docker.watchdog import DiskWatchdog
from envlab.runtime.labels import CLUSTER, MANAGED


class ContainerOps:
    """The :class:`~envlab.runtime.contract.Images` and :class:`~envlab.runtime.contract.Containers`
    half of :class:`~envlab.runtime.docker.DockerRuntime`.

    Args:
        client: A connected client (see :func:`envlab.runtime.docker.client.connect`).
    """

    #: Whether this is a cluster node's engine (its containers publish ports on the node's same port).
    on_node = False

    def __init__(self, client: docker.DockerClient) -> None:
        self.client = client
        self.api: docker.APIClient = client.api
        self.disk = DiskWatchdog(self.api)

    def engine_info(self) -> EngineInfo:
        """The engine's version, OS and kernel."""
        with translating("asking the engine's version"):
            version = self.client.version()
            info = self.api.info()
        return EngineInfo(str(version.get("Version", "?")), str(version.get("ApiVersion", "?")),
                          str(version.get("Os", "?")), str(version.get("Arch", "?")),
                          str(version.get("KernelVersion", "?")), memory=int(info.get("MemTotal") or 0),
                          cpus=int(info.get("NCPU") or 0), root_dir=str(info.get("DockerRootDir") or ""),
                          storage=str(info.get("Driver") or ""),
                          swarm=str((info.get("Swarm") or {}).get("LocalNodeState") or ""),
                          registry=str(next(iter((info.get("RegistryConfig") or {}).get("Mirrors") or []), "")
                                       or info.get("IndexServerAddress") or ""))

    # images -----------------------------------------------------------------------------------
    def image_present(self, ref: str) -> bool:
        """Whether ``ref`` is on the engine; never pulls."""
        with translating(f"looking up image {ref}"):
            try:
                self.client.images.get(ref)
            except docker.errors.ImageNotFound:
                return False
        return True

    def build_image(
        self, *, context: list[tuple[str, bytes, int]], dockerfile: str, tag: str, labels: dict[str, str],
        on_line: LineSink, network: bool = False,
    ) -> str:
        """Build from what the engine read, hardened and never pulling (see :mod:`~envlab.runtime.docker.builds`)."""
        for image in builds.named_images(dockerfile):
            if not self.image_present(image):
                raise ImageMissing(f"{tag} starts from {image}, which is not on this engine (envlab never pulls "
                                   "implicitly)", hint=PREPARE_HINT)
        with translating("asking the engine's CPU count"):
            cpus = int(self.api.info().get("NCPU") or 1)
        return builds.build(self.api, context=context, dockerfile=dockerfile, tag=tag, labels=labels,
                            on_line=on_line, network=network, cpus=cpus)

    def image_id(self, ref: str) -> str:
        """The local id of ``ref``; never pulls."""
        with translating(f"looking up image {ref}"):
            try:
                return str(self.api.inspect_image(ref)["Id"])
            except docker.errors.ImageNotFound:
                raise ImageMissing(f"image {ref} is not on this engine", hint=PREPARE_HINT) from None

    def image_labels(self, ref: str) -> dict[str, str] | None:
        """The labels of image ``ref``, or ``None`` when it is not on the engine."""
        with translating(f"looking up image {ref}"):
            try:
                return dict(self.client.images.get(ref).labels or {})
            except docker.errors.ImageNotFound:
                return None

    def provide_base(self, tag: str, progress: Progress) -> str:
        """Make a public base tag present: ``"present"``, ``"pulled"`` or ``"bootstrapped"``."""
        if self.image_present(tag):
            return "present"
        if try_pull(self.client, tag, progress):
            return "pulled"
        bootstrap(self.client, tag, progress)
        return "bootstrapped"

    # networks and containers ------------------------------------------------------------------
    def create_network(self, name: str, labels: dict[str, str], *, overlay: bool = False) -> str:
        """A labelled bridge network, or an attachable overlay network for Swarm services."""
        with translating(f"creating network {name}"):
            if overlay:
                network = self.client.networks.create(name, driver="overlay", attachable=True, labels=labels)
            else:
                network = self.client.networks.create(name, driver="bridge", labels=labels)
        return str(network.id)

    def start(self, spec: ContainerSpec) -> str:
        """Create and start a hardened container; remove it again if starting fails."""
        if not self.image_present(spec.image):
            raise ImageMissing(f"image {spec.image} is not on this engine", hint=PREPARE_HINT)
        with translating(f"creating container {spec.name}"):
            kwargs = container_kwargs(spec, self.api, on_node=self.on_node)
            container = self.client.containers.create(spec.image, **kwargs)
        try:
            with translating(f"starting container {spec.name}"):
                container.start()
        except BaseException:
            # testcontainers' rule: a failed start leaves nothing behind.
            self._force_remove(container.id)
            raise
        self.disk.watch(spec.labels, str(container.id))
        return str(container.id)

    def disk_breaches(self) -> list[DiskBreach]:
        """The containers the disk watchdog stopped for passing their disk bound, oldest first."""
        return self.disk.breaches()

    def put_files(self, container: str, files: list[tuple[str, bytes, int]]) -> None:
        """Write ``(path, data, mode)`` files in one archive; missing parent folders are created.

        The archive holds no folder entries: the engine creates missing parents itself (0755), and a
        folder entry would reset an existing folder's mode (``/tmp`` would lose its sticky bit).
        """
        buffer = io.BytesIO()
        now = int(time.time())
        with tarfile.open(fileobj=buffer, mode="w") as archive:
            for path, data, mode in files:
                # Relative to the container's root, with `..` folded in: the engine extracts below "/".
                name = posixpath.normpath("/" + path).lstrip("/")
                if not name or "\0" in name:
                    raise EnvlabError(f"cannot place a file at {path!r} in a container")
                info = tarfile.TarInfo(name)
                info.size, info.mode, info.mtime = len(data), mode & 0o7777, now
                archive.addfile(info, io.BytesIO(data))
        with translating(f"copying {len(files)} file(s) into a container"):
            self.api.put_archive(container, "/", buffer.getvalue())

    def exec(self, container: str, command: str, *, on_line: LineSink, timeout: float) -> ExecResult:
        """Run ``/bin/sh -c command``, stream merged stdout/stderr, read the real exit code.

        What comes back is bounded by :class:`~envlab.runtime.docker.output.LineSplitter`: long lines
        are cut, a flood stops streaming, and the output keeps its head and tail, marked where cut.

        Raises:
            DiskBoundExceeded: The disk watchdog had stopped the container before the command.
        """
        if (breach := self.disk.breach(container)) is not None:
            raise DiskBoundExceeded(breach)
        with translating("running a command in a container"):
            exec_id = self.api.exec_create(container, ["/bin/sh", "-c", command], stdout=True, stderr=True)["Id"]
            stream = self.api.exec_start(exec_id, stream=True, tty=False, demux=False)
            expired = threading.Event()

            def expire() -> None:
                expired.set()
                stream.close()

            watchdog = threading.Timer(timeout, expire)
            watchdog.daemon = True
            watchdog.start()
            splitter = LineSplitter(on_line)
            try:
                for chunk in stream:
                    splitter.feed(chunk)
            except Exception:
                if not expired.is_set():
                    raise
            finally:
                watchdog.cancel()
                splitter.close()
            if expired.is_set():
                on_line(f"[envlab] stopped after {timeout:g}s without finishing")
                return ExecResult(124, splitter.output(), timed_out=True)
            code = self.api.exec_inspect(exec_id).get("ExitCode")
        output = splitter.output()
        if (breach := self.disk.breach(container)) is not None:  # it was stopped while the command ran
            note = f"[envlab] {breach.describe()}"
            on_line(note)
            output = f"{output}\n{note}" if output else note
        return ExecResult(int(code if code is not None else -1), output)

    def read_file(self, container: str, path: str) -> bytes | None:
        """Read a regular file through the archive API (nothing runs inside the container); a symlink
        is followed inside the container's own root (see :mod:`envlab.runtime.docker.archive`).

        Raises:
            FileTooLarge: The file is over :data:`~envlab.runtime.bounds.FILE_BYTES`; none of it was read.
        """
        return archive.read_file(self.api, container, path)

    def container_env(self, container: str) -> dict[str, str]:
        """The environment from the container's configuration."""
        with translating("inspecting a container"):
            env = self.api.inspect_container(container)["Config"].get("Env") or []
        return dict(item.split("=", 1) if "=" in item else (item, "") for item in env)

    def published_port(self, container: str, port: int) -> tuple[str, int]:
        """Where ``port/tcp`` is published on loopback."""
        with translating("inspecting a container"):
            ports = self.api.inspect_container(container)["NetworkSettings"]["Ports"] or {}
        bindings = ports.get(f"{port}/tcp") or []
        if not bindings:
            raise EnvlabError(f"port {port} is not published by this container")
        return bindings[0]["HostIp"] or "127.0.0.1", int(bindings[0]["HostPort"])

    # ownership --------------------------------------------------------------------------------
    def list_resources(self, labels: dict[str, str] | None = None) -> list[Resource]:
        """Every container, network and volume labelled as envlab's (optionally narrowed)."""
        wanted = [f"{MANAGED}=true", *(f"{k}={v}" for k, v in (labels or {}).items())]
        found: list[Resource] = []
        # The low-level listings answer in one call each; the high-level ones inspect every item and
        # fail when another process removes one in between.
        with translating("listing envlab's containers, networks and volumes"):
            for c in self.api.containers(all=True, filters={"label": wanted}):
                name = (c.get("Names") or ["/" + c["Id"][:12]])[0].lstrip("/")
                found.append(Resource("container", c["Id"], name, dict(c.get("Labels") or {})))
            found += self._services(wanted)
            for n in self.api.networks(filters={"label": wanted}):
                found.append(Resource("network", n["Id"], n["Name"], dict(n.get("Labels") or {})))
            for v in self.api.volumes(filters={"label": wanted}).get("Volumes") or []:
                found.append(Resource("volume", v["Name"], v["Name"], dict(v.get("Labels") or {})))
        return found

    def remove(self, resource: Resource) -> None:
        """Remove a resource; one that is already gone is fine."""
        with translating(f"removing {resource.kind} {resource.name}"):
            try:
                if resource.kind == "container":
                    self._remove_container(resource.id)
                elif resource.kind == "service":
                    self._remove_service(resource.id)
                elif resource.kind == "network":
                    self._remove_network(resource.id)
                    if resource.labels.get(CLUSTER):  # the cluster's last piece: its nodes' sockets go with it
                        remove_engines_folder(resource.labels[CLUSTER])
                else:
                    self.api.remove_volume(resource.id, force=True)
            except docker.errors.NotFound:
                pass

    def _remove_container(self, cid: str) -> None:
        """Remove a container; when another process is removing it already, wait until it is gone."""
        try:
            self.api.remove_container(cid, force=True, v=True)
        except docker.errors.APIError as exc:
            if exc.status_code != 409 or "already in progress" not in str(exc.explanation or ""):
                raise

            def gone() -> bool:
                return not self.api.containers(all=True, filters={"id": cid})

            if not wait_for(gone, timeout=30, every=0.2):
                raise

    def _services(self, wanted: list[str]) -> list[Resource]:
        """Swarm services with the labels; none when this node is no swarm manager."""
        if self.client.info().get("Swarm", {}).get("ControlAvailable") is not True:
            return []
        try:
            services = self.api.services(filters={"label": wanted})
        except docker.errors.APIError:
            return []  # the swarm went away between the two calls
        return [Resource("service", s["ID"], s["Spec"]["Name"], dict(s["Spec"].get("Labels") or {}))
                for s in services]

    def _remove_service(self, service_id: str) -> None:
        """Remove a service and wait until its task containers are gone (they hold its networks)."""
        self.api.remove_service(service_id)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            tasks = self.api.containers(all=True, filters={"label": f"com.docker.swarm.service.id={service_id}"})
            if not tasks:
                return
            for task in tasks:
                with contextlib.suppress(docker.errors.APIError):  # the orchestrator removed it first
                    self.api.remove_container(task["Id"], force=True)
            time.sleep(0.2)

    def _remove_network(self, network_id: str) -> None:
        """Remove a network and wait until it is gone.

        An overlay network stays busy for a moment after its last task ends, and the swarm removes it
        asynchronously: the call returns while the network is still listed.
        """
        deadline = time.monotonic() + 20
        while True:
            try:
                self.api.remove_network(network_id)
                break
            except docker.errors.NotFound:
                return
            except docker.errors.APIError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        while time.monotonic() < deadline:
            try:
                self.api.inspect_network(network_id)
            except docker.errors.NotFound:
                return
            time.sleep(0.2)

    def _force_remove(self, container_id: str) -> None:
        # Best effort while already failing; the sweep at the next start catches the rest.
        with contextlib.suppress(docker.errors.DockerException):
            self.api.remove_container(container_id, force=True, v=True)
