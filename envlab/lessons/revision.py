"""What a lesson's setups are made of, as one digest: an edit that changes it must restart them, any other not.

`envlab dev` re-reads a lesson on every save. Text (the narrative, hints, quiz, titles), the checks and the
challenge are read again from the new version against the setups already running; only an edit of what the
setups are built and started from restarts them. That is the digest of:

- the lesson's ``id`` and ``assets`` (container names and where files come from);
- a drift lesson's ``hosts`` and ``fix`` (every field but their pane ``title``), or a scenario lesson's
  ``topology``, ``phases`` and ``kubernetes`` (a scenario's phases are its run);
- the bytes of every asset the lesson names (host files, build contexts, Dockerfiles), read through the
  walker with the lesson's budget, so a symlink or a huge tree is refused here as it is by validation.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from envlab.lessons import assets
from envlab.lessons.loader import LoadedLesson
from envlab.lessons.model import DriftLesson
from envlab.lessons.scenario_refs import scenario_assets
from envlab.lessons.validate import drift_assets

#: The fields of a setup that only label it on screen: editing them restarts nothing.
LABEL_FIELDS = {"title"}


def setup_digest(loaded: LoadedLesson) -> str:
    """The digest of everything ``loaded``'s setups are built and started from (see the module's docstring)."""
    lesson = loaded.lesson
    parts: dict[str, Any] = {"id": lesson.id, "assets": lesson.assets}
    if isinstance(lesson, DriftLesson):
        parts["hosts"] = [host.model_dump(mode="json", exclude=LABEL_FIELDS) for host in lesson.hosts]
        parts["fix"] = lesson.fix.model_dump(mode="json", exclude=LABEL_FIELDS) if lesson.fix else None
        named = drift_assets(lesson)
    else:
        parts["scenario"] = lesson.model_dump(mode="json", include={"topology", "phases", "kubernetes"})
        named = scenario_assets(lesson)
    digest = hashlib.sha256(json.dumps(parts, sort_keys=True, ensure_ascii=False).encode())
    try:
        folder = assets.locate_assets(loaded.path, lesson.assets, lesson.id)
    except assets.AssetError as exc:
        digest.update(exc.message.encode())
        return digest.hexdigest()
    budget = assets.Budget()
    for _loc, relative, _kind in named:
        digest.update(f"\0{relative}\0".encode())
        try:
            tree = assets.read_tree(folder, relative, budget=budget)
        except assets.AssetError as exc:  # validation refused the lesson already; the message still counts
            digest.update(exc.message.encode())
            continue
        for entry in tree.entries:
            digest.update(f"{entry.path}\0{entry.mode:o}\0{entry.size}\0".encode())
            digest.update(entry.data)
    return digest.hexdigest()
