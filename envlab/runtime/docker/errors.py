"""Translate docker/requests exceptions into envlab errors with a hint a user can act on."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import docker.errors
import requests.exceptions

from envlab.errors import ContainerStopped, EnvlabError, ImageMissing, RuntimeUnavailable
from envlab.runtime.contract import PREPARE_HINT


def translate(exc: BaseException, *, doing: str = "talking to Docker") -> EnvlabError:
    """Map a Docker SDK or transport exception to an :class:`EnvlabError`.

    Args:
        exc: The exception raised by the SDK or the HTTP layer beneath it.
        doing: What envlab was doing, for the message (``"starting prod-server"``).
    """
    if isinstance(exc, EnvlabError):
        return exc
    text = str(exc)
    if isinstance(exc, PermissionError) or "Permission denied" in text:
        return RuntimeUnavailable(
            f"permission denied on the Docker socket while {doing}",
            hint="add your user to the 'docker' group (then log in again) or run envlab with sudo",
        )
    if isinstance(exc, docker.errors.ImageNotFound):
        return ImageMissing(f"an image is missing while {doing}: {exc.explanation or text}", hint=PREPARE_HINT)
    if isinstance(exc, docker.errors.DockerException) and "Error while fetching server API version" in text:
        return _unreachable(doing, text)
    if isinstance(exc, requests.exceptions.ConnectionError | ConnectionError | FileNotFoundError):
        return _unreachable(doing, text)
    if isinstance(exc, requests.exceptions.Timeout | TimeoutError):
        return RuntimeUnavailable(
            f"Docker did not answer in time while {doing}",
            hint="the engine may be overloaded; check `envlab doctor` and try again",
        )
    if isinstance(exc, docker.errors.APIError) and exc.status_code == 409 and "is not running" in text:
        return ContainerStopped(f"the container has stopped while {doing}: its main process ended")
    if isinstance(exc, docker.errors.APIError):
        return EnvlabError(f"Docker refused while {doing}: {exc.explanation or text}")
    if isinstance(exc, docker.errors.DockerException):
        return RuntimeUnavailable(f"Docker failed while {doing}: {text}", hint="see `envlab doctor`")
    return EnvlabError(f"unexpected failure while {doing}: {type(exc).__name__}: {text}")


def _unreachable(doing: str, text: str) -> RuntimeUnavailable:
    if "Permission denied" in text:
        return translate(PermissionError(text), doing=doing)  # type: ignore[return-value]
    return RuntimeUnavailable(
        f"cannot reach the Docker engine while {doing}",
        hint="start Docker (e.g. `sudo systemctl start docker`), or point DOCKER_HOST or "
        "`docker context use` at a running engine; `envlab doctor` shows what envlab sees",
    )


@contextlib.contextmanager
def translating(doing: str) -> Iterator[None]:
    """Re-raise any Docker or transport failure inside the block as an :class:`EnvlabError`."""
    try:
        yield
    except EnvlabError:
        raise
    except (docker.errors.DockerException, requests.exceptions.RequestException, OSError) as exc:
        raise translate(exc, doing=doing) from exc
