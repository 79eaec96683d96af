"""Prepared communities: stored and embedded once, then reused from an embedded store file.

Embedding is the slow part (about 25 profiles a second on two cores), so benchmarks and analyst
notebooks keep each community they need as an embedded store file in a cache folder. A marker
file beside the store says it is complete; a run interrupted before that simply resumes, since
writes are upserts and embedding skips what is current.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from graph_schema import open_store
from matcher.embeddings.refresh import embed_store
from matcher.synthetic.generator import generate_community
from models import Community
from service import config

__all__ = ["generated_store", "prepared"]


def prepared(path: Path, community: Callable[[], Community]) -> Path:
    """``path``, an embedded store file holding ``community()``, embedded; built on first use."""
    ready = path.with_suffix(".ready")
    if ready.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    print(f"preparing {path.stem} (once; cached in {path})", file=sys.stderr)
    with open_store(str(path)) as store:
        store.write(community())
        embed_store(store, config.encoder())
    ready.touch()
    return path


def generated_store(folder: Path, members: int, seed: int = 1) -> Path:
    """The path of an embedded store in ``folder`` holding a generated community, embedded."""
    return prepared(Path(folder) / f"{members}-seed{seed}.db",
                    lambda: generate_community(members, seed=seed))
