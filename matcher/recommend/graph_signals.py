"""Link-prediction signals from one member to everyone, as dense score vectors.

Pure functions over a symmetric 0/1 scipy CSR adjacency matrix, in the manner of networkx's
link-prediction functions but for one source at a time and vectorised, so a query touches only
the source's neighbourhood rather than the whole graph.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

__all__ = ["AsymmetricError", "NeighbourhoodScores", "ThreeHopScores", "neighbourhood_scores",
           "personalised_pagerank", "random_walk_weights", "row_entries", "rows_sum",
           "three_hop_scores", "two_hop_weights"]


class AsymmetricError(ValueError):
    """The adjacency is not symmetric around the source: a tie one end does not return.

    Ties are undirected, so these signals assume ``A == A.T``; each function checks that
    around its source (where the check costs nothing extra), not the whole matrix.
    """


def row_entries(matrix: sp.csr_matrix, row: int) -> tuple[np.ndarray, np.ndarray]:
    """Column indices and values of one CSR row, without scipy's slicing overhead."""
    start, end = matrix.indptr[row], matrix.indptr[row + 1]
    return matrix.indices[start:end], matrix.data[start:end]


def _positions(matrix: sp.csr_matrix, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where the entries of ``rows`` sit in ``matrix.indices``, and each row's entry count."""
    starts = matrix.indptr[rows]
    counts = matrix.indptr[rows + 1] - starts
    before = np.cumsum(counts) - counts
    return np.repeat(starts - before, counts) + np.arange(counts.sum()), counts


def rows_sum(matrix: sp.csr_matrix, rows: np.ndarray, weights: np.ndarray,
             size: int | None = None) -> np.ndarray:
    """Σ weights[i] · matrix[rows[i]] as a dense vector: one gather and one bincount.

    >>> m = sp.csr_matrix(np.array([[1, 0, 2], [0, 3, 0]], dtype=np.float32))
    >>> rows_sum(m, np.array([0, 1]), np.array([1.0, 2.0])).tolist()
    [1.0, 6.0, 2.0]
    """
    positions, counts = _positions(matrix, np.asarray(rows))
    values = matrix.data[positions] * np.repeat(weights, counts)
    return np.bincount(matrix.indices[positions], weights=values,
                       minlength=size or matrix.shape[1])


def _check_returned(reached: np.ndarray, source: int, friends: int) -> None:
    """Every friend's row (gathered into ``reached``) must name the source once."""
    if np.count_nonzero(reached == source) != friends:
        raise AsymmetricError(f"node {source} has ties its neighbours do not return: the "
                              "adjacency must be symmetric")


@dataclass(frozen=True)
class NeighbourhoodScores:
    """Scores of every node against one source; zero for nodes with no common neighbour."""

    common: np.ndarray  # common neighbours
    adamic_adar: np.ndarray  # Σ 1 / log(degree of each common neighbour)
    resource_allocation: np.ndarray  # Σ 1 / degree of each common neighbour


def neighbourhood_scores(adjacency: sp.csr_matrix, degree: np.ndarray,
                         source: int) -> NeighbourhoodScores:
    """Common neighbours, Adamic-Adar and resource allocation from ``source`` to every node.

    A path 0-1-2 with 1 also tied to 3: nodes 2 and 3 share neighbour 1 (degree 3) with 0.

    >>> a = sp.csr_matrix(np.array([[0, 1, 0, 0], [1, 0, 1, 1], [0, 1, 0, 0], [0, 1, 0, 0]],
    ...                            dtype=np.float32))
    >>> s = neighbourhood_scores(a, np.asarray(a.sum(axis=1)).ravel(), 0)
    >>> s.common.tolist()
    [1.0, 0.0, 1.0, 1.0]
    >>> round(float(s.adamic_adar[2]), 4), round(float(s.resource_allocation[3]), 4)
    (0.9102, 0.3333)

    (The source counts itself as sharing its neighbours; callers exclude the source.)
    """
    n = adjacency.shape[0]
    friends, _ = row_entries(adjacency, source)
    if len(friends) == 0:
        zeros = np.zeros(n, dtype=np.float32)
        return NeighbourhoodScores(zeros, zeros, zeros)
    positions, counts = _positions(adjacency, friends)
    reached = adjacency.indices[positions]  # one entry per (friend, friend's friend)
    _check_returned(reached, source, len(friends))
    d = degree[friends].astype(np.float64)
    # A common neighbour has degree ≥ 2 (it knows both ends), so log(d) > 0 where it matters.
    aa_weight = np.where(d > 1, 1.0 / np.log(np.maximum(d, 2)), 0.0)

    def total(weights: np.ndarray) -> np.ndarray:
        return np.bincount(reached, weights=np.repeat(weights, counts), minlength=n
                           ).astype(np.float32)

    return NeighbourhoodScores(total(np.ones_like(d)), total(aa_weight), total(1.0 / d))


def personalised_pagerank(adjacency: sp.csr_matrix, degree: np.ndarray, source: int,
                          restart: float = 0.15, tolerance: float = 1e-5) -> np.ndarray:
    """Personalised PageRank from ``source`` (restart probability ``restart``) by forward push.

    Ties may carry weights (``adjacency.data``, with ``degree`` the weighted degree): a walk
    then follows a tie in proportion to its weight.

    Andersen, Chung and Lang's push: residual mass is pushed from every node holding more than
    ``tolerance`` × its degree, all such nodes at once, so the work depends on ``tolerance`` and
    the source's neighbourhood, not on the size of the graph. Each score is within
    ``tolerance`` × degree of the exact value.

    On a triangle the two others get x each and the source s, with s = 0.15 + 0.85·x and
    x = 0.85·(s/2 + x/2), s + 2x = 1: s = 0.4035, x = 0.2982.

    >>> a = sp.csr_matrix(np.ones((3, 3), dtype=np.float32) - np.eye(3, dtype=np.float32))
    >>> p = personalised_pagerank(a, np.asarray(a.sum(axis=1)).ravel(), 0, tolerance=1e-9)
    >>> [round(float(x), 3) for x in p]
    [0.404, 0.298, 0.298]
    """
    n = adjacency.shape[0]
    scores = np.zeros(n)
    residual = np.zeros(n)
    residual[source] = 1.0
    if degree[source] == 0:
        scores[source] = 1.0
        return scores.astype(np.float32)
    friends, _ = row_entries(adjacency, source)
    positions, _ = _positions(adjacency, friends)
    _check_returned(adjacency.indices[positions], source, len(friends))
    threshold = tolerance * np.where(degree > 0, degree, 1).astype(np.float64)
    slot = np.empty(n, dtype=np.int64)  # for dropping repeats without sorting
    active = np.array([source])
    while len(active):
        mass = residual[active]
        residual[active] = 0.0
        scores[active] += restart * mass
        positions, counts = _positions(adjacency, active)
        reached = adjacency.indices[positions]
        share = np.repeat((1.0 - restart) * mass / degree[active], counts)
        np.add.at(residual, reached, share * adjacency.data[positions])
        # Only the nodes just reached can have crossed the threshold: the work stays local.
        crossed = reached[residual[reached] > threshold[reached]]
        order = np.arange(len(crossed))
        slot[crossed] = order
        active = crossed[slot[crossed] == order]
    return scores.astype(np.float32)


def two_hop_weights(adjacency: sp.csr_matrix, source: int) -> np.ndarray:
    """Row ``source`` of ``adjacency @ adjacency``: Σ over neighbours f of A[s, f] · A[f, c].
    With 0/1 ties, the common neighbours; with ties weighted by how recent they are, common
    neighbours counted by how recently both ties were made.

    >>> a = sp.csr_matrix(np.array([[0, 2, 1], [2, 0, 3], [1, 3, 0]], dtype=np.float32))
    >>> two_hop_weights(a, 0).tolist()
    [5.0, 3.0, 6.0]
    """
    friends, weights = row_entries(adjacency, source)
    positions, counts = _positions(adjacency, friends)
    return np.bincount(adjacency.indices[positions],
                       weights=adjacency.data[positions] * np.repeat(weights, counts),
                       minlength=adjacency.shape[0]).astype(np.float32)


@dataclass(frozen=True)
class ThreeHopScores:
    """Scores of every node three ties away from one source (zero where none reaches)."""

    paths: np.ndarray  # walks of three ties from the source: row s of A³
    friend_cosine: np.ndarray  # Σ_z (Σ_f A[s,f]·A[f,z] / √d_f) · A[z,c] / d_z / √d_c


def three_hop_scores(adjacency: sp.csr_matrix, degree: np.ndarray, source: int,
                     common: np.ndarray) -> ThreeHopScores:
    """Three-step walks from ``source``, given its ``common`` neighbour counts (row s of A²).

    ``friend_cosine`` asks how alike the source's friends are to each node in whom they know,
    with the busy damped at every step (the friend by √degree, the middle node by its degree,
    the node reached by √degree): on sparse graphs it finds the people a member's circle is
    turning to, where two-step scores have nothing to say.

    A path 0-1-2-3: only node 3 is three steps from 0 without stepping back.

    >>> a = sp.csr_matrix(np.array([[0, 1, 0, 0], [1, 0, 1, 0], [0, 1, 0, 1], [0, 0, 1, 0]],
    ...                            dtype=np.float32))
    >>> d = np.asarray(a.sum(axis=1)).ravel()
    >>> three_hop_scores(a, d, 0, neighbourhood_scores(a, d, 0).common).paths.tolist()
    [0.0, 2.0, 0.0, 1.0]
    """
    n = adjacency.shape[0]
    friends, _ = row_entries(adjacency, source)
    middle = np.flatnonzero(common)
    if len(friends) == 0 or len(middle) == 0:
        zeros = np.zeros(n, dtype=np.float32)
        return ThreeHopScores(zeros, zeros)
    damped = 1.0 / np.sqrt(np.maximum(degree, 1)).astype(np.float64)
    positions, counts = _positions(adjacency, friends)
    via_friends = np.bincount(adjacency.indices[positions],
                              weights=np.repeat(damped[friends], counts), minlength=n)
    positions, counts = _positions(adjacency, middle)
    reached = adjacency.indices[positions]

    def total(weights: np.ndarray) -> np.ndarray:
        return np.bincount(reached, weights=np.repeat(weights, counts), minlength=n)

    friend_cosine = total(via_friends[middle] / np.maximum(degree[middle], 1)) * damped
    return ThreeHopScores(total(common[middle].astype(np.float64)).astype(np.float32),
                          friend_cosine.astype(np.float32))


def random_walk_weights(incidence: sp.csr_matrix, beta: float = 0.5) -> sp.csr_matrix:
    """Items × items: the chance of stepping from one item to a holder of it and on to another
    item, damped by the second item's popularity to the power ``beta`` (RP3β, Paudel et al.
    2017). A member's score for an item is the sum of its row of weights over the items they
    hold. On the real memberships of asf-projects it outranks co-membership, EASE and item-
    and user-kNN (``benchmarks/group_cf.py``).

    Two groups sharing one of their two members each: from a, a step reaches the shared member
    half the time and b half of that again (1/4), damped by √2 as b has two members.

    >>> x = sp.csr_matrix(np.array([[1, 0], [1, 1], [0, 1]], dtype=np.float32))
    >>> [[round(float(w), 3) for w in row] for row in random_walk_weights(x).toarray()]
    [[0.0, 0.177], [0.177, 0.0]]
    """
    holders = np.asarray(incidence.sum(axis=0)).ravel()
    held = np.asarray(incidence.sum(axis=1)).ravel()
    to_holder = sp.diags(1 / np.maximum(holders, 1)) @ incidence.T
    to_item = sp.diags(1 / np.maximum(held, 1)) @ incidence
    weights = sp.csr_matrix(to_holder @ to_item @ sp.diags(1 / np.maximum(holders, 1) ** beta),
                            dtype=np.float32)
    weights.setdiag(0)
    weights.eliminate_zeros()
    return weights
