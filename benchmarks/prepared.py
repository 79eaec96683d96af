"""Prepared communities for benchmarks: generated, imported and embedded once, then reused.

Embedding 100,000 profiles takes tens of minutes on a 2-core machine, so each prepared
community is kept as an embedded store file under ``~/.cache/qconnect/bench/`` (override with
``QCONNECT_BENCH_CACHE``) and copied from there into whichever store a benchmark measures.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from graph_schema import Store, open_store
from matcher.embedding import embed_store
from matcher.encoder import get_encoder
from matcher.synthetic import generate_community

CACHE = Path(os.environ.get("QCONNECT_BENCH_CACHE", Path.home() / ".cache/qconnect/bench"))


def prepared_store(members: int, seed: int = 1) -> Path:
    """The path of an embedded store holding the generated community, embedded."""
    path = CACHE / f"{members}-seed{seed}.db"
    ready = path.with_suffix(".ready")
    if ready.exists():
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    print(f"preparing {members:,} members (once; cached in {path})", file=sys.stderr)
    with open_store(str(path)) as store:
        if store.stats()["members"] != members:
            store.write(generate_community(members, seed=seed))
        embed_store(store, get_encoder())
    ready.touch()
    return path
