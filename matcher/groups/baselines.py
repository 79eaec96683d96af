"""What proposed interest groups are judged against: baseline partitions of the same pool, and
the scores every partition gets.

Baselines: a random partition into groups of given sizes, k-means on the profile embeddings
(no rules), and Louvain communities of the connection graph. :func:`partition_scores` measures
any partition the same way, so ``benchmarks/group_formation.py`` and the analysts' notebook
compare like with like. :func:`coherence_ceiling` bounds from above what any partition within
the size limits could score, so a partition's coherence can be read against what the
embeddings allow, not only against random.
"""

from __future__ import annotations

from collections.abc import Sequence

import networkx as nx
import numpy as np
from sklearn.cluster import KMeans

from matcher.groups.coherence import mean_pair_cosine
from matcher.groups.formation import GroupRules
from matcher.recommend.snapshot import Snapshot

__all__ = ["kmeans_groups", "louvain_groups", "partition_scores", "random_groups"]


def random_groups(pool: np.ndarray, sizes: Sequence[int], seed: int = 0) -> list[np.ndarray]:
    """A random partition of (the first ``sum(sizes)`` of a shuffle of) ``pool``.

    >>> [len(g) for g in random_groups(np.arange(10), [3, 4], seed=1)]
    [3, 4]
    """
    shuffled = np.random.default_rng(seed).permutation(pool)
    return np.split(shuffled[:sum(sizes)], np.cumsum(sizes)[:-1])


def kmeans_groups(snapshot: Snapshot, pool: np.ndarray, k: int, seed: int = 0) -> list[np.ndarray]:
    """k-means clusters of the pool's profile embeddings (empty clusters left out)."""
    labels = KMeans(k, n_init=1, random_state=seed).fit_predict(snapshot.embeddings[pool])
    return [pool[labels == g] for g in range(k) if (labels == g).any()]


def louvain_groups(snapshot: Snapshot, pool: np.ndarray, seed: int = 0) -> list[np.ndarray]:
    """Louvain communities of the connection graph among the pool."""
    ties = snapshot.adjacency[pool][:, pool].tocoo()
    graph = nx.Graph()
    graph.add_nodes_from(range(len(pool)))
    graph.add_edges_from(zip(ties.row.tolist(), ties.col.tolist(), strict=True))
    return [pool[sorted(c)] for c in nx.community.louvain_communities(graph, seed=seed)]


def partition_scores(snapshot: Snapshot, pool: np.ndarray, groups: Sequence[np.ndarray],
                     rules: GroupRules) -> dict[str, float]:
    """How good ``groups`` (snapshot rows) are, and which of ``rules`` they break.

    ``coherence``: mean within-group cosine of profile embeddings, averaged over groups of two
    or more; ``interests``: the same for IDF-weighted interests; ``broken_size``,
    ``broken_organisation``, ``broken_roles``: groups breaking each hard rule;
    ``organisation_mix``: distinct organisations / group size, averaged over groups;
    ``groups``; ``placed``: share of the pool in a group.

    Four members of one organisation in two pairs, and a cap of one per organisation:

    >>> from models import Community, Member
    >>> people = [Member(id=f"m{i}", organisation="Trust", role=r, interests=[t])
    ...           for i, (r, t) in enumerate(zip("abaa", ["safety", "safety", "data", "flow"]))]
    >>> snapshot = Snapshot(Community(members=people), {})
    >>> rules = GroupRules(min_size=2, max_size=2, max_per_organisation=1, min_roles=2)
    >>> scores = partition_scores(snapshot, np.arange(4), [np.array([0, 1]), np.array([2, 3])],
    ...                           rules)
    >>> scores["interests"], scores["broken_organisation"], scores["broken_roles"]
    (0.5, 2, 1)
    """
    coherence, interests, mix = [], [], []
    broken = dict.fromkeys(("broken_size", "broken_organisation", "broken_roles"), 0)
    for rows in groups:
        n = len(rows)
        if n > 1:
            coherence.append(mean_pair_cosine(snapshot.embeddings[rows]))
            interests.append(mean_pair_cosine(snapshot.topic_profile[rows].toarray()))
        orgs, roles = snapshot.organisation[rows], snapshot.role[rows]
        known = orgs[orgs >= 0]
        mix.append(len(set(known.tolist())) / n)
        broken["broken_size"] += not rules.min_size <= n <= rules.max_size
        cap = rules.max_per_organisation
        broken["broken_organisation"] += (cap is not None and bool(len(known))
                                          and int(np.bincount(known).max()) > cap)
        broken["broken_roles"] += len(set(roles[roles >= 0].tolist())) < rules.min_roles
    return {"coherence": float(np.mean(coherence)) if coherence else 0.0,
            "interests": float(np.mean(interests)) if interests else 0.0,
            **broken, "organisation_mix": float(np.mean(mix)) if mix else 0.0,
            "groups": len(groups),
            "placed": sum(len(rows) for rows in groups) / len(pool) if len(pool) else 0.0}
