"""Pair features for a member and their candidates, normalised within the query.

Raw graph scores grow with the graph (a larger or denser community has larger Adamic-Adar
sums, more PageRank mass nearby), so a ranker trained on a thinned graph would misjudge the
full one. Each count-like signal is therefore divided by the best candidate's value in the same
query, and the strongest ones also enter as within-query rank percentiles; similarities that
are already on a fixed scale (cosines, skill levels, yes/no facts) are kept as they are.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

import numpy as np

from matcher.recommend.candidates import QuerySignals
from matcher.recommend.snapshot import Snapshot

__all__ = ["FEATURES", "pair_features", "rank_percentile", "relative", "role_affinity"]

RoleAffinity = Mapping[tuple[str, str], float]

FEATURES = (
    "cosine", "cosine_rank",
    "topics", "topics_rank", "skills",
    "offers", "wants",
    "common_rel", "adamic_adar_rel", "adamic_adar_rank", "resource_allocation_rel",
    "neighbour_cosine_rel",
    "pagerank_rel", "pagerank_rank",
    "paths_rel", "paths_rank", "friend_cosine_rel", "friend_cosine_rank",
    "recent_common_rel", "recent_pagerank_rel", "recent_pagerank_rank",
    "recent_ties_rel", "recent_ties_rank", "last_active",
    "groups_rel",
    "friend_of_friend",
    "same_organisation", "same_region", "role_affinity",
    "degree_rel", "degree_rank", "completeness",
    "words", "words_rank",
)


def relative(values: np.ndarray) -> np.ndarray:
    """Each value divided by the largest (all zeros when none is positive).

    >>> relative(np.array([1.0, 4.0, 0.0])).tolist()
    [0.25, 1.0, 0.0]
    """
    top = values.max(initial=0.0)
    return values / top if top > 0 else np.zeros_like(values)


def rank_percentile(values: np.ndarray) -> np.ndarray:
    """Percentile of each value within the query: 1 for the best, ties share the lower rank;
    non-negative signals give 0 where they are 0.

    >>> rank_percentile(np.array([0.0, 3.0, 1.0])).tolist()
    [0.0, 1.0, 0.5]
    """
    if len(values) < 2:
        return np.ones_like(values)
    order = np.argsort(np.argsort(values, kind="stable"), kind="stable")
    ranks = order.astype(np.float32) / (len(values) - 1)
    return np.where(values > 0, ranks, 0.0) if values.min() >= 0 else ranks


def _same(codes: np.ndarray, row: int, rows: np.ndarray) -> np.ndarray:
    return ((codes[rows] == codes[row]) & (codes[row] >= 0)).astype(np.float32)


def role_affinity(snapshot: Snapshot) -> dict[tuple[str, str], float]:
    """How much more (or less) often than chance each pair of roles is connected, as log lift.

    Learned from a community's own ties: in a community where patient leaders mostly connect
    with improvement advisers, that pair scores above pairs that rarely meet.
    """
    roles = [m.role for m in snapshot.members]
    counts = Counter(r for r in roles if r)
    observed: Counter[tuple[str, str]] = Counter()
    rows, others, _ = snapshot.tie_rows
    for row, other in zip(rows.tolist(), others.tolist(), strict=True):
        a, b = roles[row], roles[other]
        if a and b:
            observed[(a, b)] += 1
            observed[(b, a)] += 1
    total_ties, total_people = sum(observed.values()), sum(counts.values())
    if not total_ties:
        return {}
    lift = {}
    for a in counts:
        for b in counts:
            expected = total_ties * counts[a] * counts[b] / total_people**2
            lift[(a, b)] = float(np.log((observed[(a, b)] + 1) / (expected + 1)))
    return lift


def pair_features(snapshot: Snapshot, signals: QuerySignals, rows: np.ndarray,
                  affinity: RoleAffinity | None = None) -> np.ndarray:
    """A ``len(rows) × len(FEATURES)`` matrix for the pairs (signals.row, each of ``rows``)."""
    me = signals.row
    my_role = snapshot.members[me].role
    affinity = affinity or {}
    hood, walks = signals.neighbourhood, signals.three_hop
    aa, pagerank = hood.adamic_adar[rows], signals.pagerank[rows]
    degree = np.log1p(signals.degree[rows])
    # Common neighbours over the geometric mean of the two degrees: the cosine of the two
    # members' rows of the adjacency.
    spread = np.sqrt(np.maximum(signals.degree[rows], 1) * max(signals.degree[me], 1))
    recent_pagerank, recent_ties = signals.recent_pagerank[rows], signals.recent_ties[rows]
    columns = {
        "cosine": signals.cosine[rows],
        "cosine_rank": rank_percentile(signals.cosine[rows]),
        "topics": signals.topics[rows],
        "topics_rank": rank_percentile(signals.topics[rows]),
        "skills": signals.skills[rows],
        "offers": signals.offers[rows],
        "wants": signals.wants[rows],
        "common_rel": relative(hood.common[rows]),
        "adamic_adar_rel": relative(aa),
        "adamic_adar_rank": rank_percentile(aa),
        "resource_allocation_rel": relative(hood.resource_allocation[rows]),
        "neighbour_cosine_rel": relative(hood.common[rows] / spread),
        "pagerank_rel": relative(pagerank),
        "pagerank_rank": rank_percentile(pagerank),
        "paths_rel": relative(walks.paths[rows]),
        "paths_rank": rank_percentile(walks.paths[rows]),
        "friend_cosine_rel": relative(walks.friend_cosine[rows]),
        "friend_cosine_rank": rank_percentile(walks.friend_cosine[rows]),
        "recent_common_rel": relative(signals.recent_common[rows]),
        "recent_pagerank_rel": relative(recent_pagerank),
        "recent_pagerank_rank": rank_percentile(recent_pagerank),
        "recent_ties_rel": relative(recent_ties),
        "recent_ties_rank": rank_percentile(recent_ties),
        "last_active": signals.last_active[rows],
        "groups_rel": relative(signals.groups[rows]),
        "friend_of_friend": (hood.common[rows] > 0).astype(np.float32),
        "same_organisation": _same(snapshot.organisation, me, rows),
        "same_region": _same(snapshot.region, me, rows),
        "role_affinity": np.array([affinity.get((my_role, snapshot.members[r].role), 0.0)
                                   for r in rows], dtype=np.float32),
        "degree_rel": relative(degree),
        "degree_rank": rank_percentile(degree),
        "completeness": snapshot.completeness[rows],
        "words": signals.words[rows],
        "words_rank": rank_percentile(signals.words[rows]),
    }
    return np.column_stack([columns[name] for name in FEATURES]).astype(np.float32)
