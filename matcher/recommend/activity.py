"""Who has been active lately, from the dates of their ties.

A live community is a moving target: who someone connects with next depends on who has been
making ties recently, not only on who has many. When most ties carry a date, each member gets:

- ``recent_ties``: how many ties they made in the most recent :data:`RECENT` share of the span
  the ties cover (log-scaled);
- ``last_active``: how recently their latest tie was made, 1 at the end of the span and 0 at its
  start (or with no tie at all);
- ties weighted by how recent they are, ``exp(-age / (RECENT · span))``, as a weighted
  adjacency: walks and common neighbours over it favour the parts of the graph that are alive.

When fewer than half the ties are dated (a roster imported without dates), every value is zero
and the weighted adjacency empty, so the signals built on them say nothing rather than
something false.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from matcher.recommend.matrices import symmetric

__all__ = ["RECENT", "Activity", "member_activity"]

RECENT = 0.2
"""The share of the span of tie dates that counts as recent."""


@dataclass(frozen=True)
class Activity:
    dated: bool
    recent_ties: np.ndarray
    last_active: np.ndarray
    recent_adjacency: sp.csr_matrix
    recent_degree: np.ndarray  # the weighted degree over recent_adjacency
    start: float = 0.0  # the span of the tie dates, as day numbers
    end: float = 0.0

    def recency(self, day: np.ndarray) -> np.ndarray:
        """The weight :attr:`recent_adjacency` gives ties made on ``day`` (undated: as the
        oldest; made after the span: 1).

        >>> found = member_activity(3, np.array([0, 1]), np.array([1, 2]), np.array([0, 10]))
        >>> [round(float(w), 3) for w in found.recency(np.array([10, 0, -1, 12]))]
        [1.0, 0.007, 0.007, 1.0]
        """
        return _recency(np.where(day >= 0, day, self.start), self.start, self.end)


def _recency(day: np.ndarray, start: float, end: float) -> np.ndarray:
    """``exp(-age / (RECENT · span))`` of ties made on ``day`` (dated), within the span."""
    age = end - np.minimum(day, end).astype(np.float64)
    return np.exp(-age / (RECENT * max(end - start, 1.0))).astype(np.float32)


def member_activity(n: int, a: np.ndarray, b: np.ndarray, day: np.ndarray) -> Activity:
    """Activity of ``n`` members from their ties ``(a[i], b[i])`` made on ``day[i]`` (a day
    number; negative where the tie is undated).

    Three members, a tie on day 0 and one on day 10: the second pair is the recent one.

    >>> found = member_activity(3, np.array([0, 1]), np.array([1, 2]), np.array([0, 10]))
    >>> found.last_active.tolist(), [round(float(x), 3) for x in found.recent_ties]
    ([0.0, 1.0, 1.0], [0.0, 0.693, 0.693])
    """
    dated = day >= 0
    if not len(day) or dated.sum() < 0.5 * len(day):
        zeros = np.zeros(n, dtype=np.float32)
        return Activity(False, zeros, zeros, sp.csr_matrix((n, n), dtype=np.float32), zeros)
    day = np.where(dated, day, day[dated].min()).astype(np.float64)  # undated: the oldest
    start, end = day.min(), day.max()
    span = max(end - start, 1.0)
    rows = np.concatenate([a, b])
    recent = np.concatenate([day, day]) > end - RECENT * span
    last = np.full(n, -np.inf)
    np.maximum.at(last, rows, np.concatenate([day, day]))
    adjacency = symmetric(n, a, b, _recency(day, start, end))
    return Activity(
        dated=True,
        recent_ties=np.log1p(np.bincount(rows[recent], minlength=n)).astype(np.float32),
        last_active=np.where(np.isfinite(last), 1 - (end - last) / span, 0.0).astype(np.float32),
        recent_adjacency=adjacency,
        recent_degree=np.asarray(adjacency.sum(axis=1)).ravel(),
        start=float(start), end=float(end),
    )
