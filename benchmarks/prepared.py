"""Prepared communities for benchmarks: generated, imported and embedded once, then reused.

Embedding 100,000 profiles takes tens of minutes on a 2-core machine, so each prepared
community is kept as an embedded store file under ``~/.cache/qconnect/bench/`` (override with
``QCONNECT_BENCH_CACHE``; see :mod:`service.prepared`) and copied from there into whichever
store a benchmark measures.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np

from graph_schema import open_store
from graph_schema.bundle import read_bundle
from graph_schema.schema import EMBEDDING_DIMENSIONS
from matcher.synthetic.generator import generate_community
from service import config
from service.prepared import generated_store, prepared

CACHE = Path(os.environ.get("QCONNECT_BENCH_CACHE", Path.home() / ".cache/qconnect/bench"))


def prepared_store(members: int, seed: int = 1) -> Path:
    """The path of an embedded store holding a generated community, embedded."""
    return generated_store(CACHE, members, seed)


def prepared_bundle(bundle: Path) -> Path:
    """The path of an embedded store holding the bundle at ``bundle``, embedded."""
    return prepared(CACHE / f"{bundle.name}.db", lambda: read_bundle(bundle))


def stand_in_store(members: int, seed: int = 1) -> Path:
    """The path of an embedded store holding a generated community whose members, groups,
    topics and skills carry random unit vectors in place of embeddings, built once and cached.

    For what depends on how many members there are and not on what their vectors say (memory,
    reading time) at sizes too large to embed on this machine: embedding runs at about 25
    profiles a second on two cores, so 300,000 would take over three hours.
    """
    path = CACHE / f"{members}-seed{seed}-stand-in.db"
    ready = path.with_suffix(".ready")
    if ready.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    print(f"preparing {path.stem} (once; cached in {path})", file=sys.stderr)
    community = generate_community(members, seed=seed)
    rng = np.random.default_rng(seed)
    model = config.snapshot_model_id()
    with open_store(str(path)) as store:
        store.write(community)
        for kind, keys in (("member", [m.id for m in community.members]),
                           ("group", [g.id for g in community.groups]),
                           ("topic", [name for name, _ in store.vocabulary("topic")]),
                           ("skill", [name for name, _ in store.vocabulary("skill")])):
            for start in range(0, len(keys), 10_000):
                part = keys[start : start + 10_000]
                vectors = rng.standard_normal((len(part), EMBEDDING_DIMENSIONS))
                vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
                store.write_embeddings(kind, model, part, ["stand-in"] * len(part),
                                       vectors.astype(np.float32))
    ready.touch()
    return path
