"""Images, containers, networks, resources and exec in memory; the HTTP behind published ports."""

from __future__ import annotations

import functools
import platform
import re

from envlab.errors import EnvlabError, ImageMissing
from envlab.runtime.contract import (
    PREPARE_HINT,
    ContainerSpec,
    EngineInfo,
    ExecResult,
    LineSink,
    Progress,
    Resource,
    replica_label,
)
from envlab.runtime.fake.http import NO_SERVER, TIMED_OUT, Answer, LoopbackServer, Request, ShopReplica, shop_answer
from envlab.runtime.fake.state import FakeContainer, FakeState, matches
from envlab.runtime.labels import LESSON, SERVICE, SESSION

_FROM = re.compile(r"^\s*FROM\s+(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?", re.IGNORECASE | re.MULTILINE)


class ContainerOps(FakeState):
    """The :class:`~envlab.runtime.contract.Images` and :class:`~envlab.runtime.contract.Containers`
    half of :class:`~envlab.runtime.fake.FakeRuntime`."""

    def engine_info(self) -> EngineInfo:
        """A fake engine on this machine's OS and kernel."""
        return EngineInfo("fake", "1.41", "linux", platform.machine(), platform.release(),
                          memory=8 << 30, cpus=2, root_dir="", storage="fake", swarm=self.swarm)

    # images ----------------------------------------------------------------------------------
    def image_present(self, ref: str) -> bool:
        """Whether ``ref``, a tag or an id :meth:`image_id` returned, is present."""
        return self._tag(ref) is not None

    def image_labels(self, ref: str) -> dict[str, str] | None:
        """The labels the image was built with, or ``None`` when it is absent."""
        with self._lock:
            tag = self._tag(ref)
            return None if tag is None else dict(self._image_labels.get(tag, {}))

    def image_id(self, ref: str) -> str:
        """``sha256:<tag>``; raises :class:`~envlab.errors.ImageMissing` when absent."""
        tag = self._tag(ref)
        if tag is None:
            raise ImageMissing(f"image {ref} is not on this engine", hint=PREPARE_HINT)
        return f"sha256:{tag}"

    def build_image(self, *, context: list[tuple[str, bytes, int]], dockerfile: str, tag: str,
                    labels: dict[str, str], on_line: LineSink, network: bool = False) -> str:
        """Make ``tag`` present with ``labels`` at once, after one line of build output.

        As on Docker, nothing is pulled: a ``FROM`` image that is not present (nor an earlier stage, nor
        ``scratch``) raises :class:`~envlab.errors.ImageMissing` before anything is built.
        """
        stages: set[str] = {"scratch"}
        for match in _FROM.finditer(dockerfile):
            image, stage = match.group(1), match.group(2)
            if image.lower() not in stages and not self.image_present(image):
                raise ImageMissing(f"{tag} starts from {image}, which is not on this engine", hint=PREPARE_HINT)
            stages.add((stage or "").lower())
        on_line("Step 1/1 : FROM scratch")
        with self._lock:
            self.images.add(tag)
            self.built.append(tag)
            self.builds[tag] = (list(context), dockerfile, network)
            self._image_labels[tag] = dict(labels)
        return f"sha256:{tag}"

    def provide_base(self, tag: str, progress: Progress) -> str:
        """``"present"``, or make it present as a bootstrap would and say ``"bootstrapped"``."""
        if self.image_present(tag):
            return "present"
        progress(f"bootstrapping {tag}", None)
        with self._lock:
            self.images.add(tag)
        progress(f"bootstrapped {tag}", 1.0)
        return "bootstrapped"

    # networks and containers -----------------------------------------------------------------
    def create_network(self, name: str, labels: dict[str, str], *, overlay: bool = False) -> str:
        """A network named ``name``; an overlay one needs an active swarm, as on Docker."""
        with self._lock:
            if overlay and self.swarm != "active":
                raise EnvlabError(f"cannot create overlay network {name}: this node is not a swarm manager")
            self.networks[name] = dict(labels)
            if overlay:
                self._overlay.add(name)
        return name

    def start(self, spec: ContainerSpec) -> str:
        """Create and start a container of a present image; names are unique, as on Docker."""
        with self._lock:
            if not self.image_present(spec.image):
                raise ImageMissing(f"image {spec.image} is not on this engine", hint=PREPARE_HINT)
            if any(box.spec.name == spec.name for box in self.containers.values()):
                raise EnvlabError(f"the container name {spec.name} is already in use")
            return self._create(spec)

    def put_files(self, container: str, files: list[tuple[str, bytes, int]]) -> None:
        """Store the files (modes are not kept)."""
        with self._lock:
            box = self._get(container)
            for path, data, _mode in files:
                box.files[path] = data

    def exec(self, container: str, command: str, *, on_line: LineSink, timeout: float) -> ExecResult:
        """Answer from :attr:`script`; with :attr:`block`, wait for it first (outside the lock)."""
        with self._lock:
            box = self._running(container)
            self.commands.append((box.spec.hostname, command))
        if self.block is not None:
            # Like a real exec stream, a blocked command ends when its container is removed.
            while not self.block.wait(0.02):
                if container not in self.containers:
                    raise EnvlabError("the container was removed")
        for (image, pattern), (code, lines) in self.script.items():
            if image in (box.spec.image, box.spec.hostname, "*") and re.search(pattern, command):
                for line in lines:
                    on_line(line)
                return ExecResult(code, "\n".join(lines))
        return ExecResult(0, "")

    def read_file(self, container: str, path: str) -> bytes | None:
        """A file :meth:`put_files` wrote, or ``None``."""
        with self._lock:
            return self._get(container).files.get(path)

    def container_env(self, container: str) -> dict[str, str]:
        """The environment the container was started with."""
        with self._lock:
            return dict(self._get(container).spec.env)

    def published_port(self, container: str, port: int) -> tuple[str, int]:
        """A real server on 127.0.0.1 for a port in the spec: the shop's balancer when the container's
        env names a ``BACKEND_HOST``, else one that answers 200 "ok"."""
        with self._lock:
            box = self._get(container)
            if port not in box.spec.ports:
                raise EnvlabError(f"port {port} is not published by this container")
            if port not in box.ports:
                route = self._balance if "BACKEND_HOST" in box.spec.env else self._ok
                box.ports[port] = LoopbackServer(functools.partial(route, container))
            return box.ports[port].address

    def list_resources(self, labels: dict[str, str] | None = None) -> list[Resource]:
        """Services, containers, networks and volumes carrying ``labels``."""
        wanted = labels or {}
        with self._lock:
            found = [Resource("service", s.id, s.spec.name, dict(s.spec.labels)) for s in self.services.values()]
            found += [Resource("container", cid, box.spec.name, dict(box.spec.labels))
                      for cid, box in self.containers.items()]
            found += [Resource("network", n, n, dict(lab)) for n, lab in self.networks.items()]
            found += [Resource("volume", v, v, dict(lab)) for v, lab in self.volumes.items()]
        return [r for r in found if matches(r.labels, wanted)]

    def remove(self, resource: Resource) -> None:
        """Remove a service (and its tasks), a container, a network or a volume; one already gone is fine."""
        with self._lock:
            if resource.kind == "service":
                if self.services.pop(resource.id, None) is not None:
                    for cid, _box in self._tasks(resource.id):
                        self._remove(cid)
            elif resource.kind == "container":
                if resource.id in self.containers:
                    self._remove(resource.id, by_hand=True)
            elif resource.kind == "volume":
                self.volumes.pop(resource.id, None)
            else:
                self.networks.pop(resource.id, None)
                self._overlay.discard(resource.id)

    # HTTP on published ports (called on the servers' threads, so each takes the lock) ---------
    def _ok(self, cid: str, request: Request) -> Answer | None:
        with self._lock:
            box = self.containers.get(cid)
            return Answer(200, "ok") if box is not None and box.state == "running" and not box.hung else None

    def _balance(self, cid: str, request: Request) -> Answer | None:
        """The lesson's balancer: round robin over the ready replicas of ``BACKEND_HOST``."""
        with self._lock:
            box = self.containers.get(cid)
            if box is None or box.state != "running" or box.hung:
                return None
            env = box.spec.env
            ready = [peer for peer in self._peers(box, env["BACKEND_HOST"]) if peer.ready]
            if env.get("BALANCER_MODE", "checks") == "checks":
                # Its own checks keep it off a frozen or warming replica, whatever the engine says.
                ready = [peer for peer in ready if peer.answering]
            if not ready:
                return NO_SERVER
            pick = ready[box.turn % len(ready)]
            box.turn += 1
            if not pick.answering:  # trusting DNS alone, with no retries: the user sees the failure
                return TIMED_OUT if pick.hung else NO_SERVER
            return shop_answer(ShopReplica(replica_label(pick.spec.labels), pick.spec.env.get("APP_VERSION", "v1"),
                                           self._store(pick)), request)

    def _peers(self, box: FakeContainer, service: str) -> list[FakeContainer]:
        """The containers of ``service`` in the same session and lesson as ``box``."""
        scope = {k: box.spec.labels[k] for k in (SESSION, LESSON) if k in box.spec.labels}
        return [peer for peer in self.containers.values()
                if peer.spec.labels.get(SERVICE) == service and matches(peer.spec.labels, scope)]

    def _store(self, replica: FakeContainer) -> dict[str, str] | None:
        """Where a shop replica keeps sessions: its memory, or a ready session-store replica's (None: down)."""
        env = replica.spec.env
        if env.get("SESSION_STORE", "memory") != "redis":
            return replica.sessions
        store = next((peer for peer in self._peers(replica, env.get("REDIS_HOST", "sessions"))
                      if peer.ready and not peer.hung), None)
        return store.sessions if store is not None else None
