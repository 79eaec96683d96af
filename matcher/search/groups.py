"""Finding groups: which interest groups work on something, by their own words and meaning
(name, description, topics) and the topics a query names."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matcher.embeddings.encoder import Encoder
from matcher.recommend.snapshot import Snapshot
from matcher.search.lexical import words
from matcher.search.query import cosines, named_terms
from matcher.search.reasons import REASON_SIMILARITY
from models import Group

__all__ = ["MEANING", "TEMPERATURE", "GroupHit", "group_evidence", "search_groups"]

MEANING = 0.3
"""The weight of a group's meaning beside its exact words: descriptions are short and written in
the words of the field, so their words tell more than their embedding."""
TEMPERATURE = 0.2
"""How sharply the likeliest groups stand out from the rest."""


@dataclass(frozen=True)
class GroupHit:
    group: Group
    score: float
    reasons: tuple[str, ...]


def group_evidence(snapshot: Snapshot, text: str, query: np.ndarray) -> np.ndarray:
    """How likely each group is to be what the query describes: a softmax over the groups of
    their exact-word score (as a share of the best group's) and, more weakly, of how far their
    meaning stands above the groups' mean (in standard deviations). A group that shares no word
    with the query and is not close to it in meaning (as a reason would need) answers nothing:
    a query no group is about must not favour the members of whichever group is least far."""
    said = snapshot.search_index.groups.scores(text)
    if not len(said):
        return np.zeros(0)
    close = cosines(snapshot.group_embeddings, query)  # 0 for a group without an embedding
    spread = (close - close.mean()) / (close.std() + 1e-9)
    score = (said / max(float(said.max()), 1e-9) + MEANING * spread) / TEMPERATURE
    likely = np.exp(score - score.max())
    return np.where((said > 0) | (close >= REASON_SIMILARITY), likely / likely.sum(), 0.0)


def _reasons(group: Group, text: str, topics: set[str]) -> tuple[str, ...]:
    found = [f"focuses on {t}" for t in group.topics if t in topics]
    said = sorted(set(words(text)) & set(words(f"{group.name} {group.description or ''}")))
    if said:
        found.append("describes " + ", ".join(said[:4]))
    return tuple(found)


def search_groups(snapshot: Snapshot, encoder: Encoder, text: str,
                  k: int = 10) -> list[GroupHit]:
    """Up to ``k`` groups answering ``text``, best first (by :func:`group_evidence`); groups on
    a topic the query names come first."""
    if k <= 0 or not snapshot.groups:
        return []
    query = encoder.encode_query(text)
    named = named_terms(text, query, snapshot.skills, snapshot.topics, snapshot.vectors)
    on_topic = (np.asarray(snapshot.group_topics[:, list(named.topics)].sum(axis=1)).ravel()
                if named.topics else np.zeros(len(snapshot.groups)))
    score = group_evidence(snapshot, text, query)
    eligible = np.flatnonzero((score > 0) | (on_topic > 0))
    order = eligible[np.lexsort((eligible, -score[eligible], -on_topic[eligible]))][:k]
    topics = {snapshot.topics.names[c] for c in named.topics}
    return [GroupHit(snapshot.groups[g], round(float(on_topic[g] + score[g]), 6),
                     _reasons(snapshot.groups[g], text, topics)) for g in order.tolist()]
