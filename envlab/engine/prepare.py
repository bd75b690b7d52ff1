"""`envlab images prepare`: make every image present, cheaply when it already is."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from envlab.engine.builds import CONTEXT_LABEL
from envlab.engine.images import ImageNeed
from envlab.errors import EnvlabError
from envlab.runtime.contract import Runtime
from envlab.runtime.labels import KIND

#: Receives (the image, a progress note, fraction done or None).
PrepareProgress = Callable[[ImageNeed, str, float | None], None]


@dataclass(frozen=True)
class Prepared:
    """What happened to one image."""

    need: ImageNeed
    action: str  # present, pulled, bootstrapped, built, failed
    message: str = ""
    hint: str = ""


def prepare_one(runtime: Runtime, need: ImageNeed, progress: PrepareProgress) -> Prepared:
    """Make one image present; failures become a :class:`Prepared` with ``action="failed"``."""

    def note(text: str, fraction: float | None) -> None:
        progress(need, text, fraction)

    try:
        if need.kind == "base":
            return Prepared(need, runtime.provide_base(need.tag, note))
        if need.kind == "host":
            if runtime.image_present(need.tag):
                return Prepared(need, "present")
            # envlab's own package step, a Dockerfile it wrote: the one build with a network.
            runtime.build_image(context=[], dockerfile=need.dockerfile or "", tag=need.tag, labels={KIND: "host"},
                                on_line=lambda line: note(line, None), network=True)
            return Prepared(need, "built")
        assert need.source is not None
        inputs = need.source.read()
        labels = inputs.labels(need.kind)
        present = runtime.image_labels(need.tag)
        if present is not None and present.get(CONTEXT_LABEL) == labels[CONTEXT_LABEL]:
            return Prepared(need, "present")
        runtime.build_image(context=inputs.context, dockerfile=inputs.dockerfile, tag=need.tag, labels=labels,
                            on_line=lambda line: note(line, None))
        return Prepared(need, "built")
    except EnvlabError as exc:
        return Prepared(need, "failed", exc.message, exc.hint)
