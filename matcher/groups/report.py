"""A proposal as a coordinator reads it (and as ``qconnect groups propose`` prints it): per
group its members, a label from their dominant topics, coherence, the mix of organisations,
roles and regions, and how many pairs already know each other.

Labels use class-based TF-IDF (as BERTopic does): a topic's share of a group's interests,
weighted by ``log(1 + A / f)`` with ``f`` its count over all groups of the proposal and ``A`` the
mean count of interests per group, so a topic everybody shares does not name every group.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from matcher.groups.coherence import mean_pair_cosine
from matcher.groups.formation import Partition
from matcher.recommend.snapshot import Snapshot

__all__ = ["LABEL_TOPICS", "describe", "dominant_topics"]

LABEL_TOPICS = 2
"""How many topics a label names; a report lists one more."""


def dominant_topics(snapshot: Snapshot, groups: Sequence[np.ndarray],
                 top: int = LABEL_TOPICS + 1) -> list[list[str]]:
    """Each group's dominant topics by c-TF-IDF over its members' interests, best first;
    topics shared by two or more members come before any one member's own."""
    counts = np.vstack([np.asarray(snapshot.member_topics[rows].sum(axis=0)).ravel()
                        for rows in groups])
    spread = counts.sum(axis=0)
    average = counts.sum() / len(groups)
    weight = (counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
              * np.log1p(average / np.maximum(spread, 1)))
    names = snapshot.topics.names
    chosen = []
    for g in range(len(groups)):
        order = np.lexsort((-weight[g], counts[g] < 2))
        chosen.append([names[t] for t in order[:top] if counts[g, t] > 0])
    return chosen


def _nearest_topics(snapshot: Snapshot, rows: np.ndarray, top: int) -> list[str]:
    """For a group whose members named no interests: the topics closest to its profiles."""
    topics = snapshot.vectors.get("topic", {})
    centre = snapshot.embeddings[rows].sum(axis=0)
    if not topics or not centre.any():
        return []
    names = sorted(topics)
    scores = np.array([topics[name] for name in names]) @ centre
    return [names[i] for i in np.argsort(-scores, kind="stable")[:top]]


def _mix(values: Sequence[str | None]) -> dict[str, int]:
    """Counts, most common first (ties by name); missing values are left out."""
    counts = Counter(v for v in values if v)
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def describe(snapshot: Snapshot, partition: Partition) -> dict[str, Any]:
    """The proposal as JSON-ready data: ``{"groups": [...], "unassigned": [...]}``."""
    rows = partition.rows(snapshot)
    topics = dominant_topics(snapshot, rows) if rows else []
    groups = []
    for n, (members, focus) in enumerate(zip(partition.groups, partition.focus, strict=True)):
        named = topics[n] or _nearest_topics(snapshot, rows[n], LABEL_TOPICS + 1)
        if focus:
            named = [focus, *(t for t in named if t != focus)][:LABEL_TOPICS + 1]
        people = [snapshot.members[r] for r in rows[n]]
        ties = snapshot.adjacency[rows[n]][:, rows[n]]
        groups.append({
            "members": list(members),
            "label": " & ".join(named[:LABEL_TOPICS]) or f"Group {n + 1}",
            "topics": named,
            **({"focus": focus} if focus else {}),
            "coherence": round(mean_pair_cosine(snapshot.embeddings[rows[n]]), 4),
            "organisations": _mix([m.organisation for m in people]),
            "roles": _mix([m.role for m in people]),
            "regions": _mix([m.region for m in people]),
            "already_connected_pairs": int(ties.nnz // 2),
        })
    return {"groups": groups,
            "unassigned": [{"id": m, "reason": why} for m, why in partition.unassigned]}


