"""A scripted in-memory runtime for unit and UI tests. Lesson proofs never use it: they need Docker."""

from __future__ import annotations

import itertools
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

from envlab.errors import EnvlabError, ImageMissing
from envlab.runtime.errors import PREPARE_HINT
from envlab.runtime.protocol import ContainerSpec, ExecResult, LineSink, Resource


@dataclass
class FakeContainer:
    spec: ContainerSpec
    files: dict[str, bytes] = field(default_factory=dict)


@dataclass
class FakeRuntime:
    """Answers exec calls from a table of (image, command regex) → (exit code, output lines).

    Attributes:
        script: ``{(image, pattern): (exit_code, [lines])}``; the first matching entry wins; an
            unmatched command exits 0 with no output.
        images: Images that are "present".
        commands: Every (container name, command) executed, in order.
    """

    script: dict[tuple[str, str], tuple[int, list[str]]] = field(default_factory=dict)
    images: set[str] = field(default_factory=set)
    commands: list[tuple[str, str]] = field(default_factory=list)
    containers: dict[str, FakeContainer] = field(default_factory=dict)
    networks: dict[str, dict[str, str]] = field(default_factory=dict)
    built: list[str] = field(default_factory=list)
    block: threading.Event | None = None  # when set, exec waits for it (to test cancellation)
    _ids: itertools.count[int] = field(default_factory=itertools.count)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def image_present(self, ref: str) -> bool:
        return ref in self.images

    def build_image(self, *, context: Path | None, dockerfile: str | None, inline: str | None, tag: str,
                    labels: dict[str, str], on_line: LineSink) -> str:
        on_line("Step 1/1 : FROM scratch")
        self.images.add(tag)
        self.built.append(tag)
        return f"sha256:{tag}"

    def create_network(self, name: str, labels: dict[str, str]) -> str:
        with self._lock:
            self.networks[name] = labels
        return name

    def start(self, spec: ContainerSpec) -> str:
        if spec.image not in self.images:
            raise ImageMissing(f"image {spec.image} is not on this engine", hint=PREPARE_HINT)
        with self._lock:
            cid = f"c{next(self._ids)}"
            self.containers[cid] = FakeContainer(spec)
        return cid

    def put_files(self, container: str, files: list[tuple[str, bytes, int]]) -> None:
        for path, data, _mode in files:
            self.containers[container].files[path] = data

    def exec(self, container: str, command: str, *, on_line: LineSink, timeout: float) -> ExecResult:
        box = self.containers[container]
        with self._lock:
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
        return self.containers[container].files.get(path)

    def container_env(self, container: str) -> dict[str, str]:
        return dict(self.containers[container].spec.env)

    def published_port(self, container: str, port: int) -> tuple[str, int]:
        raise EnvlabError(f"port {port} is not published (the fake runtime serves no HTTP)")

    def list_resources(self, labels: dict[str, str] | None = None) -> list[Resource]:
        wanted = labels or {}
        found = [Resource("container", cid, c.spec.name, c.spec.labels) for cid, c in self.containers.items()]
        found += [Resource("network", n, n, lab) for n, lab in self.networks.items()]
        return [r for r in found if all(r.labels.get(k) == v for k, v in wanted.items())]

    def remove(self, resource: Resource) -> None:
        with self._lock:
            if resource.kind == "container":
                self.containers.pop(resource.id, None)
            else:
                self.networks.pop(resource.id, None)


def os_skew_runtime() -> FakeRuntime:
    """A fake that behaves like the real engine does for lessons/01-os-skew.yaml."""
    from envlab.engine.images import fix_image, host_image
    from envlab.lessons.catalog import find_lesson

    lesson = find_lesson("os-skew").lesson
    dev, prod = (host_image(h) for h in lesson.hosts)  # type: ignore[arg-type]
    fake = FakeRuntime(images={dev, prod, fix_image("os-skew")})
    report = ["Inventory report for Osaka warehouse", "  bolts     120"]
    fake.script = {
        ("prod-server", r"python3 --version"): (0, ["Python 3.9.2"]),
        ("dev-laptop", r"python3 --version"): (0, ["Python 3.11.2"]),
        ("prod-server", r"inventory\.py --config"): (1, ["Traceback (most recent call last):",
                                                "ModuleNotFoundError: No module named 'tomllib'"]),
        ("*", r"inventory\.py --config"): (0, report),
    }
    return fake
