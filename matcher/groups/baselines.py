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
from scipy import sparse
from scipy.optimize import linprog
from sklearn.cluster import KMeans

from matcher.groups.formation import GroupRules, InfeasibleError
from matcher.evaluation.metrics import mean_pair_cosine
from matcher.recommend.snapshot import Snapshot

__all__ = ["coherence_ceiling", "kmeans_groups", "louvain_groups", "partition_scores",
           "random_groups"]


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


def _nearest_means(vectors: np.ndarray, most: int, chunk: int = 256) -> np.ndarray:
    """Row i, column k-1: the mean cosine of row i to its k nearest other rows, k = 1..most."""
    means = np.empty((len(vectors), most))
    for start in range(0, len(vectors), chunk):
        cosines = vectors[start:start + chunk] @ vectors.T
        rows = np.arange(len(cosines))
        cosines[rows, start + rows] = -np.inf
        nearest = -np.sort(-np.partition(cosines, -most, axis=1)[:, -most:], axis=1)
        means[start:start + chunk] = np.cumsum(nearest, axis=1) / np.arange(1, most + 1)
    return means


def coherence_ceiling(vectors: np.ndarray, min_size: int, max_size: int,
                      placed: float = 0.95) -> float:
    """An upper bound on the coherence (as :func:`partition_scores` measures it) of any
    partition of at least ``placed`` of the unit rows of ``vectors`` into any number of groups
    of ``min_size`` to ``max_size``, whatever other rules it keeps.

    A group's coherence is the mean over its members of their mean cosine to the others, and
    no member can do better than with its nearest neighbours. So a member in a group of s
    contributes at most b(s-1) / s, b(k) being its mean cosine to its k nearest, and the
    ceiling is the best such sum per group over every choice of group sizes, who is placed and
    how many groups there are: a linear-fractional program, solved as a linear one after the
    Charnes-Cooper change of variables (t = 1 / number of groups). The bound is loose where
    members' nearest neighbours are not each other's.

    Four rows, which must form one group: the bound is that group's coherence.

    >>> r = np.sqrt(0.5)
    >>> rows = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [r, r]])
    >>> round(coherence_ceiling(rows, 4, 4, placed=1.0), 3)
    0.52
    """
    n = len(vectors)
    if not 2 <= min_size <= max_size or n < min_size:
        raise InfeasibleError(f"no groups of {min_size} to {max_size} can be made from {n} rows")
    if not 0 < placed <= 1:
        raise ValueError(f"the share placed must be in (0, 1], not {placed}")
    sizes = np.arange(min_size, min(max_size, n) + 1)
    value = _nearest_means(vectors, sizes[-1] - 1)[:, sizes - 2] / sizes  # (member, size)
    members, kinds = value.shape
    # Variables: y[i, s] = (is member i in a group of size s) · t, then m[s], then t.
    y_count = members * kinds
    per_size = sparse.hstack([sparse.kron(np.ones((1, members)), sparse.eye(kinds)),
                              sparse.diags(-sizes.astype(float)), sparse.csr_matrix((kinds, 1))])
    share = sparse.hstack([sparse.csr_matrix((1, y_count)), np.ones((1, kinds)), [[0.0]]])
    at_most_once = sparse.hstack([sparse.kron(sparse.eye(members), np.ones((1, kinds))),
                                  sparse.csr_matrix((members, kinds)), -np.ones((members, 1))])
    enough = sparse.hstack([-np.ones((1, y_count)), sparse.csr_matrix((1, kinds)),
                            [[placed * n]]])
    result = linprog(-np.concatenate([value.ravel(), np.zeros(kinds + 1)]),
                     A_ub=sparse.vstack([at_most_once, enough]).tocsr(),
                     b_ub=np.zeros(members + 1),
                     A_eq=sparse.vstack([per_size, share]).tocsr(),
                     b_eq=np.concatenate([np.zeros(kinds), [1.0]]), method="highs")
    if not result.success:
        raise RuntimeError(f"the coherence ceiling could not be computed: {result.message}")
    return float(-result.fun)
