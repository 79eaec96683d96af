"""Prepared communities for benchmarks: generated, imported and embedded once, then reused.

Embedding 100,000 profiles takes tens of minutes on a 2-core machine, so each prepared
community is kept as an embedded store file under ``~/.cache/qconnect/bench/`` (override with
``QCONNECT_BENCH_CACHE``; see :mod:`service.prepared`) and copied from there into whichever
store a benchmark measures.
"""

from __future__ import annotations

import os
from pathlib import Path

from graph_schema.bundle import read_bundle
from service.prepared import generated_store, prepared

CACHE = Path(os.environ.get("QCONNECT_BENCH_CACHE", Path.home() / ".cache/qconnect/bench"))


def prepared_store(members: int, seed: int = 1) -> Path:
    """The path of an embedded store holding a generated community, embedded."""
    return generated_store(CACHE, members, seed)


def prepared_bundle(bundle: Path) -> Path:
    """The path of an embedded store holding the bundle at ``bundle``, embedded."""
    return prepared(CACHE / f"{bundle.name}.db", lambda: read_bundle(bundle))
