"""Prepared communities for benchmarks: generated, imported and embedded once, then reused.

Embedding 100,000 profiles takes tens of minutes on a 2-core machine, so each prepared
community is kept as an embedded store file under ``~/.cache/qconnect/bench/`` (override with
``QCONNECT_BENCH_CACHE``) and copied from there into whichever store a benchmark measures.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

from graph_schema import open_store
from graph_schema.bundle import read_bundle
from matcher.embedding import embed_store
from matcher.encoder import get_encoder
from matcher.synthetic import generate_community
from models import Community

CACHE = Path(os.environ.get("QCONNECT_BENCH_CACHE", Path.home() / ".cache/qconnect/bench"))


def _prepared(name: str, community: Callable[[], Community]) -> Path:
    """An embedded store file ``name`` in the cache holding ``community()``, embedded."""
    path = CACHE / f"{name}.db"
    ready = path.with_suffix(".ready")
    if ready.exists():
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    print(f"preparing {name} (once; cached in {path})", file=sys.stderr)
    with open_store(str(path)) as store:
        store.write(community())
        embed_store(store, get_encoder())
    ready.touch()
    return path


def prepared_store(members: int, seed: int = 1) -> Path:
    """The path of an embedded store holding a generated community, embedded."""
    return _prepared(f"{members}-seed{seed}", lambda: generate_community(members, seed=seed))


def prepared_bundle(bundle: Path) -> Path:
    """The path of an embedded store holding the bundle at ``bundle``, embedded."""
    return _prepared(bundle.name, lambda: read_bundle(bundle))
