"""Free text mapped to the community's vocabulary of topics and skills, by meaning."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matcher.embeddings.encoder import Encoder
from matcher.recommend.snapshot import Snapshot
from models import TermKind

__all__ = ["TermHit", "search_terms"]


@dataclass(frozen=True)
class TermHit:
    name: str
    score: float


def search_terms(snapshot: Snapshot, encoder: Encoder, kind: TermKind,
                 text: str, k: int = 10) -> list[TermHit]:
    """The ``k`` topics or skills closest in meaning to ``text``: free text → vocabulary."""
    vectors = snapshot.vectors.get(kind, {})
    if k <= 0 or not vectors:
        return []
    names = sorted(vectors)
    scores = np.array([vectors[name] for name in names]) @ encoder.encode_query(text)
    return [TermHit(names[i], float(scores[i])) for i in np.argsort(-scores, kind="stable")[:k]]
