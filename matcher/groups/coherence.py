"""How alike a group's members are (coherence), and the most any partition could reach.

Coherence is the mean cosine over the pairs of a group's members' profile embeddings.
:func:`coherence_ceiling` bounds from above what any partition within given size limits could
score, so a partition's coherence can be read against what the embeddings allow, not only
against random.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.optimize import linprog

from matcher.groups.problem import InfeasibleError

__all__ = ["coherence_ceiling", "mean_pair_cosine"]


def mean_pair_cosine(vectors: np.ndarray) -> float:
    """Mean cosine over the pairs of rows of ``vectors`` (unit or zero rows): how alike a
    group's members are. A group of one is alike by definition (1.0).

    Two identical rows and one orthogonal: pairs give 1, 0 and 0.

    >>> round(mean_pair_cosine(np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])), 4)
    0.3333
    """
    n, total = len(vectors), vectors.sum(axis=0)
    # Σ over ordered pairs i ≠ j of v_i·v_j = |Σ v|² - Σ |v_i|², without an n × n matrix.
    return float((total @ total - (vectors * vectors).sum()) / (n * (n - 1))) if n > 1 else 1.0


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
    """An upper bound on the coherence (as
    :func:`matcher.groups.baselines.partition_scores` measures it) of any partition of at least
    ``placed`` of the unit rows of ``vectors`` into any number of groups of ``min_size`` to
    ``max_size``, whatever other rules it keeps.

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
