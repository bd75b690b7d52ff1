"""Images moved as archives (``docker save`` / ``docker load``), their sizes, and their removal.

The Engine API streams both ways: ``GET /images/get?names=…`` writes one archive of several images with
their shared layers once, and ``POST /images/load`` reads one from a chunked request body, reporting each
image it has tagged. The SDK wraps the first for one image only, so the several-image form is asked of the
API client directly.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import docker
import docker.errors

from envlab.errors import EnvlabError, ImageMissing
from envlab.runtime.contract import PREPARE_HINT, ImageFacts, LineSink
from envlab.runtime.docker.errors import translate, translating

CHUNK = 1 << 20


class TransferOps:
    """The archive half of the contract's :class:`~envlab.runtime.contract.Images`."""

    client: docker.DockerClient
    api: docker.APIClient  # set by ContainerOps

    def image_facts(self, refs: list[str]) -> dict[str, ImageFacts]:
        """One listing of the engine's images for all of ``refs`` (a tag it lists under another spelling,
        such as a registry prefix, is looked up on its own)."""
        wanted = set(refs)
        facts: dict[str, ImageFacts] = {}
        with translating("listing images"):
            for image in self.api.images():
                for tag in image.get("RepoTags") or ():
                    if tag in wanted:
                        facts[tag] = ImageFacts(str(image["Id"]), int(image.get("Size") or 0),
                                                dict(image.get("Labels") or {}))
            for ref in wanted - set(facts):
                try:
                    found = self.api.inspect_image(ref)
                except docker.errors.ImageNotFound:
                    continue
                facts[ref] = ImageFacts(str(found["Id"]), int(found.get("Size") or 0),
                                        dict((found.get("Config") or {}).get("Labels") or {}))
        return facts

    def image_size(self, ref: str) -> int:
        """The bytes ``ref`` takes, as ``docker images`` shows them."""
        with translating(f"looking up image {ref}"):
            try:
                return int(self.api.inspect_image(ref).get("Size") or 0)
            except docker.errors.ImageNotFound:
                raise ImageMissing(f"image {ref} is not on this engine", hint=PREPARE_HINT) from None

    def save_images(self, refs: list[str]) -> Iterator[bytes]:
        """One archive of every image in ``refs``, streamed as the engine writes it."""
        with translating("saving images"):
            response = self.api._get(self.api._url("/images/get"), params={"names": refs}, stream=True)
            self.api._raise_for_status(response)
        try:
            yield from response.iter_content(CHUNK)
        except Exception as exc:  # the transport's errors, raised as they happen mid-stream
            raise translate(exc, doing="saving images") from exc
        finally:
            response.close()

    def load_images(self, chunks: Iterator[bytes], on_line: LineSink) -> list[str]:
        """``docker load`` of ``chunks``; the tags loaded, in order."""
        loaded: list[str] = []
        with translating("loading images"):
            for message in self.api.load_image(chunks):
                if "error" in message:
                    detail = message.get("errorDetail", {}).get("message") or message["error"]
                    raise EnvlabError(f"the engine refused the images: {detail}")
                text = str(message.get("stream", "")).strip()
                if text:
                    on_line(text)
                    if text.startswith("Loaded image: "):
                        loaded.append(text.removeprefix("Loaded image: "))
        return loaded

    def remove_image(self, ref: str) -> None:
        """Untag and remove ``ref``; already gone is fine."""
        with translating(f"removing image {ref}"), contextlib.suppress(docker.errors.ImageNotFound):
            self.api.remove_image(ref, noprune=False)
