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

from matcher.recommend.graph_signals import row_entries
from matcher.recommend.matrices import listed, replaced_rows, symmetric

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
    # What recent_ties and last_active are made from, kept so ties can be added to them.
    recent_count: np.ndarray  # ties made in the recent share of the span
    last_day: np.ndarray  # the day of each member's latest tie (-inf: none)
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

    def adding(self, days: np.ndarray, a: np.ndarray, b: np.ndarray,
               day: np.ndarray) -> Activity | None:
        """This activity with the ties ``(a[i], b[i])`` made on ``day[i]`` added, pairs that
        had none, where ``days`` are the days of all the ties now: what
        :func:`member_activity` gives for them all, at the cost of the ties added; None where
        the ties now cover another span of dates, or too few are dated (found whole).

        >>> found = member_activity(4, np.array([0, 1]), np.array([1, 2]), np.array([0, 10]))
        >>> added = found.adding(np.array([0, 10, 8]), np.array([2]), np.array([3]),
        ...                      np.array([8]))
        >>> whole = member_activity(4, np.array([0, 1, 2]), np.array([1, 2, 3]),
        ...                         np.array([0, 10, 8]))
        >>> all(np.array_equal(getattr(added, f), getattr(whole, f)) for f in
        ...     ("recent_ties", "last_active", "recent_degree", "recent_count", "last_day"))
        True
        >>> (added.recent_adjacency != whole.recent_adjacency).nnz
        0
        >>> found.adding(np.array([0, 10, 12]), np.array([2]), np.array([3]), np.array([12]))
        """
        if not self.dated or _span(days) != (self.start, self.end):
            return None
        span = max(self.end - self.start, 1.0)
        day = np.where(day >= 0, day, self.start).astype(np.float64)  # undated: the oldest
        ends, both = np.concatenate([a, b]), np.concatenate([day, day])
        count, last = self.recent_count.copy(), self.last_day.copy()
        np.add.at(count, ends[both > self.end - RECENT * span], 1)
        np.maximum.at(last, ends, both)
        weights = _recency(day, self.start, self.end)
        rows: dict[int, dict[int, float]] = {}  # the ends' rows, column by column
        for r in np.unique(ends).tolist():
            columns, weighed = row_entries(self.recent_adjacency, r)
            rows[r] = dict(zip(columns.tolist(), weighed.tolist(), strict=True))
        for i, j, w in zip(a.tolist(), b.tolist(), weights.tolist(), strict=True):
            rows[i][j] = rows[j][i] = w
        cells = [sorted(row.items()) for row in rows.values()]
        added = listed([[c for c, _ in row] for row in cells], self.recent_adjacency.shape[1],
                       [[w for _, w in row] for row in cells])
        adjacency = replaced_rows(self.recent_adjacency, list(rows), added)
        degree = self.recent_degree.copy()
        degree[list(rows)] = np.asarray(added.sum(axis=1)).ravel()
        return _activity(count, last, adjacency, degree, self.start, self.end)



def _recency(day: np.ndarray, start: float, end: float) -> np.ndarray:
    """``exp(-age / (RECENT · span))`` of ties made on ``day`` (dated), within the span."""
    age = end - np.minimum(day, end).astype(np.float64)
    return np.exp(-age / (RECENT * max(end - start, 1.0))).astype(np.float32)


def _span(day: np.ndarray) -> tuple[float, float] | None:
    """The first and last of the days ``day`` (negative: undated), when at least half are
    dated; else None."""
    dated = day[day >= 0]
    if not len(day) or len(dated) < 0.5 * len(day):
        return None
    return float(dated.min()), float(dated.max())


def _activity(count: np.ndarray, last: np.ndarray, adjacency: sp.csr_matrix,
              degree: np.ndarray, start: float, end: float) -> Activity:
    span = max(end - start, 1.0)
    return Activity(
        dated=True,
        recent_ties=np.log1p(count).astype(np.float32),
        last_active=np.where(np.isfinite(last), 1 - (end - last) / span, 0.0).astype(np.float32),
        recent_adjacency=adjacency, recent_degree=degree, start=start, end=end,
        recent_count=count, last_day=last)


def member_activity(n: int, a: np.ndarray, b: np.ndarray, day: np.ndarray) -> Activity:
    """Activity of ``n`` members from their ties ``(a[i], b[i])``, each pair once, made on
    ``day[i]`` (a day number; negative where the tie is undated).

    Three members, a tie on day 0 and one on day 10: the second pair is the recent one.

    >>> found = member_activity(3, np.array([0, 1]), np.array([1, 2]), np.array([0, 10]))
    >>> found.last_active.tolist(), [round(float(x), 3) for x in found.recent_ties]
    ([0.0, 1.0, 1.0], [0.0, 0.693, 0.693])
    """
    span_of = _span(day)
    if span_of is None:
        zeros = np.zeros(n, dtype=np.float32)
        return Activity(False, zeros, zeros, sp.csr_matrix((n, n), dtype=np.float32), zeros,
                        np.zeros(n, dtype=np.int64), np.full(n, -np.inf))
    start, end = span_of
    day = np.where(day >= 0, day, start).astype(np.float64)  # undated: the oldest
    span = max(end - start, 1.0)
    rows = np.concatenate([a, b])
    recent = np.concatenate([day, day]) > end - RECENT * span
    last = np.full(n, -np.inf)
    np.maximum.at(last, rows, np.concatenate([day, day]))
    adjacency = symmetric(n, a, b, _recency(day, start, end))
    return _activity(np.bincount(rows[recent], minlength=n), last, adjacency,
                     np.asarray(adjacency.sum(axis=1)).ravel(), start, end)
