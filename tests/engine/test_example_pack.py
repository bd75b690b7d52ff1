"""The example pack (examples/pack-example) is proven on the real engine as committed: its own drift lesson and
its scenario lesson that builds from the built-in shop by reference, twice each, by `envlab test` itself, with
nothing left behind. Only the images the pack alone needs are prepared first, and removed again."""

from __future__ import annotations

from pathlib import Path

import docker
import pytest

from tests.engine.pack_proof import image_states, prove_pack
from tests.helpers import REPO

PACK = REPO / "examples" / "pack-example"
LESSONS = ["example-cksum-skew", "example-shop-replicas"]


@pytest.mark.engine
@pytest.mark.slow
def test_the_example_pack_is_proven_with_the_builtin_shop_by_reference(tmp_path: Path,
                                                                        docker_client: docker.DockerClient) -> None:
    needs = image_states("--lessons", str(PACK), *[arg for lesson in LESSONS for arg in ("--lesson", lesson)])
    shop = {tag for tag in needs if tag.startswith("envlab-svc/")}
    builtin = set(image_states())
    assert len(shop) == 3 and shop <= builtin  # the shop by reference builds the built-in course's very images
    # The built-in course's images stay whatever happens: the rest of the suite proves it with them.
    prove_pack(PACK, LESSONS, tmp_path / "proofs.xml", docker_client, keep=builtin)
