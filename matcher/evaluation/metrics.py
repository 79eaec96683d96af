"""Ranking metrics for one list, and fairness of exposure across lists.

Relevance is binary (held-out tie or not). Each ranking function takes the ranked list (best
first, already cut to k) and the set of relevant items.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TypeVar

import numpy as np

__all__ = ["coverage", "gini", "hit", "lorenz_curve", "ndcg", "recall",
           "reciprocal_rank"]

T = TypeVar("T")


def recall(ranked: Sequence[T], relevant: set[T]) -> float:
    """Share of the relevant items that made the list.

    >>> recall(["a", "b", "c"], {"b", "z"})
    0.5
    """
    return sum(item in relevant for item in ranked) / len(relevant) if relevant else 0.0


def ndcg(ranked: Sequence[T], relevant: set[T], k: int) -> float:
    """Normalised discounted cumulative gain: hits near the top count more.

    One hit at rank 2 of 2 relevant, k = 3: DCG = 1/log2(3), ideal = 1 + 1/log2(3).

    >>> round(ndcg(["a", "b", "c"], {"b", "z"}, 3), 4)
    0.3869
    """
    gains = sum(1 / np.log2(i + 2) for i, item in enumerate(ranked[:k]) if item in relevant)
    ideal = sum(1 / np.log2(i + 2) for i in range(min(len(relevant), k)))
    return float(gains / ideal) if ideal else 0.0


def hit(ranked: Sequence[T], relevant: set[T]) -> float:
    """1 if any relevant item made the list.

    >>> hit(["a"], {"a"}), hit(["a"], {"b"})
    (1.0, 0.0)
    """
    return float(any(item in relevant for item in ranked))


def reciprocal_rank(ranked: Sequence[T], relevant: set[T]) -> float:
    """1 / the rank of the first relevant item in the list; 0 if none.

    >>> reciprocal_rank(["a", "b", "c"], {"c"})
    0.3333333333333333
    """
    return next((1 / (i + 1) for i, item in enumerate(ranked) if item in relevant), 0.0)


def coverage(lists: Iterable[Sequence[T]], catalogue: int) -> float:
    """Share of the catalogue that appears in at least one list.

    >>> coverage([["a", "b"], ["b", "c"]], 4)
    0.75
    """
    return len({item for ranked in lists for item in ranked}) / catalogue if catalogue else 0.0


def gini(counts: Sequence[float]) -> float:
    """Gini coefficient of exposure: 0 when everyone is suggested equally often, → 1 when a few
    take all the exposure. ``counts`` covers the whole catalogue, zeros included.

    >>> gini([1, 1, 1, 1]), gini([0, 0, 0, 4])
    (0.0, 0.75)
    """
    values = np.sort(np.asarray(counts, dtype=float))
    n, total = len(values), values.sum()
    if n == 0 or total == 0:
        return 0.0
    ranks = np.arange(1, n + 1)
    return float((2 * ranks - n - 1) @ values / (n * total))


def lorenz_curve(counts: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """The Lorenz curve of exposure: the least exposed share of the catalogue (x) against the
    share of all exposure it got (y), both from 0 to 1. The diagonal is perfect equality, and
    twice the area between it and the curve is :func:`gini`.

    >>> x, y = lorenz_curve([0, 0, 0, 4])
    >>> x.tolist(), y.tolist()
    ([0.0, 0.25, 0.5, 0.75, 1.0], [0.0, 0.0, 0.0, 0.0, 1.0])
    """
    values = np.sort(np.asarray(counts, dtype=float))
    x = np.linspace(0.0, 1.0, len(values) + 1)
    total = values.sum()
    if total == 0:
        return x, x.copy()
    return x, np.concatenate([[0.0], np.cumsum(values) / total])
