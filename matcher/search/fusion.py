"""Reciprocal-rank fusion: several rankings of the same items made one, without weighing
their incomparable scores against each other (Cormack, Clarke and Büttcher 2009)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

__all__ = ["RRF_K", "SAME", "fused", "ranks"]

RRF_K = 10
"""Smaller than the customary 60, which was chosen for fusing deep lists of documents: here a
list's first places must count, so that the member whose own words answer a query best is not
overtaken by one who is merely fair in every list, including one the first is not in."""
SAME = 1e-5
"""Scores closer than this share of the larger count as equal. Members whose profiles read
alike have equal embeddings, but their cosines to a query differ in the last bits, as the
matrix product sums each row in its own order: else one of them, by that noise alone, would
be first in the ranking of meaning and all the others below them."""


def ranks(scores: np.ndarray) -> np.ndarray:
    """Each item's rank by ``scores`` (1 for the best), and 0 for items scoring nothing. Equal
    scores (to within :data:`SAME`) share the mean of the ranks they span: a ranking that
    cannot tell forty members apart (they are in the same group) gives none of them the credit
    of being first.

    >>> ranks(np.array([0.5, 0.0, 0.9, 0.5, 0.50000003])).tolist()
    [3.0, 0.0, 1.0, 3.0, 3.0]
    """
    positive = np.flatnonzero(scores > 0)
    # What scipy's rankdata(method="average") gives, several times faster: it sorts stably,
    # which mean ranks do not need, and this runs for each kind of evidence in every search.
    order = positive[np.argsort(-scores[positive])]
    ordered = scores[order]
    starts = np.flatnonzero(np.r_[True, ordered[:-1] - ordered[1:] > SAME * ordered[:-1]])
    ends = np.r_[starts[1:], len(order)]  # each run of equal scores spans ranks start+1..end
    found = np.zeros(len(scores))
    found[order] = np.repeat((starts + 1 + ends) / 2, ends - starts)
    return found


def fused(rankings: Iterable[tuple[np.ndarray, float | np.ndarray]]) -> np.ndarray:
    """Σ weight / (:data:`RRF_K` + rank) over the rankings each item is in; a ranking's weight
    may be one number or one per item.

    >>> [round(float(x), 4) for x in fused([(np.array([1, 0, 2]), 1.0),
    ...                                     (np.array([2, 1, 0]), 1.0)])]
    [0.1742, 0.0909, 0.0833]
    """
    total = None
    for found, weight in rankings:
        part = np.where(found > 0, weight / (RRF_K + found), 0.0)
        total = part if total is None else total + part
    return total if total is not None else np.zeros(0)
