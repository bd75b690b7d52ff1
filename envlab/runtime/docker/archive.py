"""Read one file out of a container through the engine's archive API, within envlab's file bound.

Nothing runs inside the container, so a learner cannot fake what a check reads. The engine resolves
every symlink in the path inside the container's own root (a link to ``/etc/shadow`` names the
container's file, never the host's): the folders on the way are followed by the engine, and a link at
the path itself is sent as the link, with its resolved target in the path's stat; envlab then reads
that target, as ``cat`` would.
"""

from __future__ import annotations

import contextlib
import tarfile
from typing import IO, Any

import docker
import docker.errors
import docker.utils

from envlab.errors import EnvlabError
from envlab.runtime.bounds import FILE_BYTES, FileTooLarge
from envlab.runtime.docker.errors import translating

# Go's os.FileMode bits in the engine's path stat: a symlink, and every kind that is not a regular file
# (folder, symlink, device, named pipe, socket, character device, irregular).
_SYMLINK = 1 << 27
_NOT_REGULAR = (1 << 31) | _SYMLINK | (1 << 26) | (1 << 25) | (1 << 24) | (1 << 21) | (1 << 19)


def read_file(api: docker.APIClient, container: str, path: str) -> bytes | None:
    """The bytes of the regular file at ``path`` in ``container``, or ``None`` when there is none.

    A folder, a device or a dangling link reads as ``None``. A file over
    :data:`~envlab.runtime.bounds.FILE_BYTES` is refused from its stat before any of it is sent, and
    the stream is cut at that bound whatever the stat said (a file may grow between the two).

    Raises:
        FileTooLarge: The file is larger than envlab reads.
    """
    wanted = path
    for _hop in range(2):  # the path, then the target of its symlink (which the engine resolved fully)
        with translating(f"reading {wanted} from a container"):
            opened = _open(api, container, path)
            if opened is None:
                return None
            response, stat = opened
            with contextlib.closing(response):  # closing is what stops the engine sending the rest
                mode, size = int(stat.get("mode", 0)), int(stat.get("size", 0))
                if mode & _SYMLINK and stat.get("linkTarget"):
                    path = str(stat["linkTarget"])
                    continue
                if mode & _NOT_REGULAR:
                    return None
                if size > FILE_BYTES:
                    raise FileTooLarge(wanted, size)
                return _first_file(response.raw, wanted)
    return None


def _open(api: docker.APIClient, container: str, path: str) -> tuple[Any, dict[str, Any]] | None:
    """Start the download of ``path``'s archive; return the unread response and the path's stat.

    The SDK's ``get_archive`` does the same but gives no handle to close its response, and closing it
    is the only way to stop the engine sending a file envlab refuses.
    """
    url = api._url("/containers/{0}/archive", container)
    response = api._get(url, params={"path": path}, stream=True, headers={"Accept-Encoding": "identity"})
    try:
        api._raise_for_status(response)
    except docker.errors.NotFound:
        response.close()
        return None
    except BaseException:
        response.close()
        raise
    header = response.headers.get("x-docker-container-path-stat")
    return response, (docker.utils.decode_json_header(header) if header else {})


def _first_file(stream: IO[bytes], path: str) -> bytes | None:
    """The first member of a tar stream, read as it arrives and never past FILE_BYTES."""
    try:
        with tarfile.open(fileobj=stream, mode="r|") as archive:
            member = archive.next()
            if member is None or not member.isfile():
                return None
            if member.size > FILE_BYTES:  # it grew after the stat: the tar header says what is sent
                raise FileTooLarge(path, member.size)
            handle = archive.extractfile(member)
            return handle.read(FILE_BYTES) if handle else None
    except tarfile.TarError as exc:
        raise EnvlabError(f"the engine sent {path} in a form envlab cannot read: {exc}") from exc
