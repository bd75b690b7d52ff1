"""Containers tethered to this process: they end, and are removed, when the envlab process ends.

Created with ``stdin_open=True`` and not detached (so the engine sets ``StdinOnce``), with
``auto_remove=True`` and a command that reads its input to the end (``exec cat >/dev/null``), such a
container holds the input this process attaches: the engine closes it when the connection goes,
however the process ends (Ctrl+C, SIGKILL, a kiosk's power cut), and the container exits and is
removed. A session's lease and the disk meter's helper are tethered so.
"""

from __future__ import annotations

import contextlib
from typing import Any

import docker
import docker.errors

#: The command of a tethered container: it runs until its attached input ends.
TETHERED_COMMAND = ["/bin/sh", "-c", "exec cat >/dev/null"]


def start_tethered(api: docker.APIClient, container: str) -> Any:
    """Attach this process to the created ``container``'s input and start it; return the attached
    socket (closing it alone does not end the container; removing it does). A failed start removes
    the container."""
    try:
        sock = api.attach_socket(container, params={"stdin": 1, "stream": 1})
        api.start(container)
    except BaseException:
        with contextlib.suppress(docker.errors.DockerException):
            api.remove_container(container, force=True)
        raise
    return sock
