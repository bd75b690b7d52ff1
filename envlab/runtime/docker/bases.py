"""Make base images present without a registry: pull when one answers, else debootstrap offline."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import docker
import docker.errors

from envlab.errors import EnvlabError
from envlab.runtime.contract import MIRROR_VARIABLE, OFFLINE_VARIABLE, Progress
from envlab.runtime.docker.errors import translating
from envlab.runtime.labels import KIND

_DEBIAN_TAG = re.compile(r"^(?:library/)?debian:(?P<suite>[a-z]+)(?:-slim)?$")


class ImagePrepareError(EnvlabError):
    """A base image could neither be pulled nor built offline."""


def debian_suite(tag: str) -> str | None:
    """The Debian suite a public tag names (``debian:bookworm-slim`` → ``bookworm``), if any."""
    match = _DEBIAN_TAG.match(tag)
    return match.group("suite") if match else None


def try_pull(client: docker.DockerClient, tag: str, progress: Progress) -> bool:
    """Pull ``tag`` if a registry answers; ``False`` when none does (the usual case offline)."""
    if os.environ.get(OFFLINE_VARIABLE):
        return False
    repository, _, version = tag.rpartition(":")
    try:
        for event in client.api.pull(repository, version, stream=True, decode=True):
            if "error" in event:
                return False
            progress(f"pulling {tag}: {event.get('status', '')}", None)
    except (docker.errors.APIError, docker.errors.DockerException):
        return False
    return True


def bootstrap(client: docker.DockerClient, tag: str, progress: Progress) -> None:
    """Build ``tag`` offline: debootstrap a minimal Debian, then import it under the same tag.

    The mirror is debootstrap's own default unless ``ENVLAB_DEBIAN_MIRROR`` names another one.

    Raises:
        ImagePrepareError: The tag is not a Debian one, or this machine cannot run debootstrap.
    """
    suite = debian_suite(tag)
    if suite is None:
        raise ImagePrepareError(
            f"{tag} is not on this engine, no registry answered, and only Debian tags can be built offline",
            hint=f"load it by hand (`docker load -i {tag.replace(':', '_')}.tar`) or use a debian:<suite>-slim tag",
        )
    if not sys.platform.startswith("linux") or os.geteuid() != 0 or shutil.which("debootstrap") is None:
        raise ImagePrepareError(
            f"{tag} is not on this engine and no registry answered",
            hint="building it offline needs Linux, root and debootstrap (`apt-get install debootstrap`), "
            "or load the image by hand with `docker load`",
        )
    with tempfile.TemporaryDirectory(prefix="envlab-rootfs-") as tmp:
        root = Path(tmp) / "rootfs"
        _debootstrap(suite, root, progress)
        _slim(root)
        progress(f"{tag}: importing the root filesystem into the engine", 0.85)
        repository, _, version = tag.rpartition(":")
        changes = ['CMD ["bash"]', f"LABEL {KIND}=base io.envlab.suite={suite}"]
        # tar(1) streams the tree straight into the engine: no archive on disk, no Python in the copy.
        packer = subprocess.Popen(["tar", "-C", str(root), "--numeric-owner", "-cf", "-", "."],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out, err = packer.stdout, packer.stderr
        assert out is not None and err is not None
        try:
            with translating(f"importing {tag}"):
                answer = str(client.api.import_image_from_stream(iter(lambda: out.read(1 << 20), b""),
                                                                 repository=repository, tag=version, changes=changes))
        finally:
            out.close()
            failed = packer.wait() != 0
        if failed:
            raise ImagePrepareError(f"packing {tag}'s root filesystem failed: {err.read().decode()[-500:]}")
        if '"errorDetail"' in answer:
            raise ImagePrepareError(f"the engine refused {tag}'s root filesystem: {answer[-500:]}")


def _debootstrap(suite: str, root: Path, progress: Progress) -> None:
    command = ["debootstrap", "--variant=minbase", suite, str(root)]
    if os.environ.get(MIRROR_VARIABLE):
        command.append(os.environ[MIRROR_VARIABLE])
    steps = {"Retrieving": 0.1, "Validating": 0.3, "Extracting": 0.45, "Installing": 0.6,
             "Unpacking": 0.7, "Configuring": 0.75, "Base system installed": 0.8}
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    tail: list[str] = []
    assert process.stdout is not None
    for line in process.stdout:
        line = line.rstrip()
        tail = [*tail[-14:], line]
        fraction = next((v for k, v in steps.items() if line.startswith(f"I: {k}")), None)
        progress(f"debootstrap {suite}: {line.removeprefix('I: ')[:60]}", fraction)
    if process.wait() != 0:
        raise ImagePrepareError(
            f"debootstrap of {suite} failed:\n" + "\n".join(tail),
            hint=f"check that Debian's archive is reachable, or set {MIRROR_VARIABLE} to a mirror that is",
        )


#: The settings Debian's own container images carry (written by debuerreotype): dpkg without a sync per
#: file, apt without translations and with its caches cleaned after each install.
_CONTAINER_SETTINGS = {
    "etc/dpkg/dpkg.cfg.d/docker-apt-speedup": "force-unsafe-io\n",
    "etc/apt/apt.conf.d/docker-no-languages": 'Acquire::Languages "none";\n',
    "etc/apt/apt.conf.d/docker-clean": (
        'DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb '
        '/var/cache/apt/*.bin || true"; };\n'
        'APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb '
        '/var/cache/apt/*.bin || true"; };\n'
        'Dir::Cache::pkgcache ""; Dir::Cache::srcpkgcache "";\n'
    ),
    "etc/apt/apt.conf.d/docker-autoremove-suggests": 'Apt::AutoRemove::SuggestsImportant "false";\n',
}


def _slim(root: Path) -> None:
    """Drop what the public -slim images also leave out (package caches and lists, docs) and give it the
    settings they carry, which also make every later ``apt-get install`` in a build much faster."""
    for relative, text in _CONTAINER_SETTINGS.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    for relative in ("var/cache/apt/archives", "var/lib/apt/lists", "usr/share/doc", "usr/share/man",
                     "usr/share/info", "var/log"):
        folder = root / relative
        if folder.is_dir():
            for child in folder.iterdir():
                if child.is_dir() and not child.is_symlink():
                    shutil.rmtree(child, ignore_errors=True)
                elif child.name not in {"lock", "partial"}:
                    child.unlink(missing_ok=True)
