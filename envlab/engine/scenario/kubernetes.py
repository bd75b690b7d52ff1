"""A scenario lesson's equivalent Kubernetes manifests: lesson data, read the one way a run reads them.

The run shows them beside the Swarm specs once its topology is up (:class:`~envlab.engine.scenario.events.
KubernetesShown`); a face may show them before any run, since they are part of the lesson.
"""

from __future__ import annotations

from envlab.engine.builds import lesson_assets
from envlab.lessons.assets import read_text
from envlab.lessons.loader import LoadedLesson
from envlab.lessons.model import ScenarioLesson


def kubernetes_manifests(loaded: LoadedLesson) -> str | None:
    """The manifests file of ``loaded``'s ``kubernetes`` section as written, or ``None`` when it has none.

    It is read through the assets walker, inside the lesson's pack, located again now (the pack may have
    changed since the lesson was validated).

    Raises:
        AssetError: The file is gone, is not a file of the pack, is too big or is not UTF-8 text.
    """
    lesson = loaded.lesson
    if not isinstance(lesson, ScenarioLesson) or lesson.kubernetes is None:
        return None
    return read_text(lesson_assets(loaded), lesson.kubernetes.manifests)
