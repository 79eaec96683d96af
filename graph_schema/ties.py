"""Ties as columns: how a snapshot holds a community's connections.

A snapshot reads ties as the rows of its matrices, and at 100,000 members there are hundreds
of thousands of them: as :class:`~models.Connection` records they took a second to build on
every read of the whole community, and a few hundred bytes each to keep. :class:`Ties` keeps
them as arrays (each end a code into one tuple of member ids, the kind a code, the date a
day number) and is still a sequence of connections for the few readers that want records,
made when asked for.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, NamedTuple, overload

import numpy as np
import pandas as pd

from models import Connection

__all__ = ["TieColumns", "Ties", "among"]


class TieColumns(NamedTuple):
    """Every tie as a store reads it back, one column each, in any order: source, target,
    kind and date (a date or ISO text)."""

    sources: Sequence[str]
    targets: Sequence[str]
    kinds: Sequence[str | None]
    dates: Sequence[dt.date | str | None]


_SPAN = 2**31  # more than any code: a pair's key is its lower code × _SPAN + its higher code


def _day(since: dt.date | str | None) -> int:
    """The day number of a stored date (-1: none)."""
    if since is None:
        return -1
    return (dt.date.fromisoformat(since) if isinstance(since, str) else since).toordinal()


def _coded(values: Sequence[Any]) -> tuple[np.ndarray, list[Any]]:
    """A code for each of ``values`` and the distinct values the codes number, None last.

    >>> codes, distinct = _coded(["peer", None, "mentor", "peer"])
    >>> codes.tolist(), distinct
    ([0, 2, 1, 0], ['peer', 'mentor', None])
    """
    codes, distinct = pd.factorize(np.array(values, dtype=object))  # None is coded -1
    return np.where(codes < 0, len(distinct), codes).astype(np.int64), [*distinct.tolist(), None]


def among(values: np.ndarray, few: Collection[int]) -> np.ndarray:
    """Which of ``values`` (numbers, of any shape) are among ``few``, by a hash table: for a
    hundred ties written, numpy's ``isin`` sorted all the ties' keys, at 1,000,000 ties seven
    times as long.

    >>> among(np.array([[3, 9], [4, 3]]), [3, 5]).tolist()
    [[True, False], [False, True]]
    """
    if not few:  # most writes cut no tie and erase no one
        return np.zeros(values.shape, dtype=bool)
    found = pd.Series(values.ravel(), copy=False).isin(list(few)).to_numpy()
    return found.reshape(values.shape)


@dataclass(frozen=True, eq=False)
class Ties(Sequence[Connection]):
    """Connections as columns: tie ``i`` joins ``names[ends[i, 0]]`` (source) and
    ``names[ends[i, 1]]`` (target), of kind ``kinds[kind[i]]``, made on day ``days[i]``
    (a date's ordinal, -1 when undated).

    >>> ties = Ties.of(TieColumns(["ben", "ana"], ["cy", "ben"], [None, "peer"],
    ...                           [None, "2024-05-01"]), ordered=True)
    >>> ties[1], len(ties), ties.touching("cy") == [ties[1]]
    (Connection(source='ben', target='cy', kind=None, since=None), 2, True)
    """

    names: tuple[str, ...]
    ends: np.ndarray
    kinds: tuple[str | None, ...]
    kind: np.ndarray
    days: np.ndarray

    @classmethod
    def of(cls, columns: TieColumns, *, ordered: bool = False) -> Ties:
        """The ties in ``columns``, in their order, or with ``ordered`` by source and target
        (as :meth:`~graph_schema.store.Store.connections` gives them, whatever the store)."""
        sources, targets, kinds, dates = columns
        # pandas codes the values in C: with a dict lookup each, reading 100,000 members and
        # their 450,000 ties took 0.7 s longer (benchmarks/snapshot_build.py, "store read").
        # Names are coded in sorted order, so that codes order as names do.
        coded, names = pd.factorize(np.array([*sources, *targets], dtype=object), sort=True)
        ends = np.stack([coded[:len(sources)], coded[len(sources):]], axis=1).astype(np.int64)
        order = np.lexsort((ends[:, 1], ends[:, 0])) if ordered else slice(None)
        kind, kind_names = _coded(kinds)
        day, day_values = _coded(dates)
        days = np.array([_day(date) for date in day_values], dtype=np.int64)
        return cls(tuple(names.tolist()), ends[order], tuple(kind_names), kind[order],
                   days[day][order])

    @classmethod
    def coerce(cls, ties: Sequence[Connection]) -> Ties:
        """``ties`` as columns, in their order (themselves if they are)."""
        if isinstance(ties, Ties):
            return ties
        return cls.of(TieColumns([t.source for t in ties], [t.target for t in ties],
                                 [t.kind for t in ties], [t.since for t in ties]))

    def __len__(self) -> int:
        return len(self.days)

    @overload
    def __getitem__(self, i: int) -> Connection: ...

    @overload
    def __getitem__(self, i: slice) -> list[Connection]: ...

    def __getitem__(self, i: int | slice) -> Connection | list[Connection]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        source, target = self.ends[i].tolist()
        day = int(self.days[i])
        # Connection's own rules held when each tie was stored or written.
        return Connection.model_construct(
            source=self.names[source], target=self.names[target],
            kind=self.kinds[int(self.kind[i])],
            since=dt.date.fromordinal(day) if day >= 0 else None)

    def __iter__(self) -> Iterator[Connection]:
        return (self[i] for i in range(len(self)))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]  # equal to lists, so not hashable

    @cached_property
    def code(self) -> dict[str, int]:
        """Each name's code."""
        return {name: i for i, name in enumerate(self.names)}

    @cached_property
    def keys(self) -> np.ndarray:
        """Each tie's pair as one number, whichever way it points."""
        return self.ends.min(axis=1) * _SPAN + self.ends.max(axis=1)

    def touching(self, member_id: str) -> list[Connection]:
        """The ties of one member."""
        at = self.code.get(member_id)
        if at is None:
            return []
        return [self[i] for i in np.flatnonzero((self.ends == at).any(axis=1)).tolist()]

    def updated(self, written: Sequence[Connection], cut: Collection[tuple[str, str]],
                gone: Collection[str]) -> Ties:
        """These ties as a store holds them after the ties of members ``gone`` and the pairs
        ``cut`` are removed and ``written`` are upserted: a pair already here keeps its place
        and orientation and takes the written kind and date; a new one comes last."""
        names, code = list(self.names), dict(self.code)
        kinds, kind_code = list(self.kinds), {k: i for i, k in enumerate(self.kinds)}

        def coded(value: Any, found: dict[Any, int], values: list[Any]) -> int:
            if value not in found:
                found[value] = len(values)
                values.append(value)
            return found[value]

        drop = among(self.ends, [code[m] for m in gone if m in code]).any(axis=1)
        drop |= among(self.keys, [min(code[a], code[b]) * _SPAN + max(code[a], code[b])
                                  for a, b in cut if a in code and b in code])
        kept = np.flatnonzero(~drop)
        ends, kind, days = self.ends[kept], self.kind[kept], self.days[kept]
        new = [(coded(t.source, code, names), coded(t.target, code, names),
                coded(t.kind, kind_code, kinds), _day(t.since)) for t in written]
        keys = self.keys[kept]
        wanted = [min(s, t) * _SPAN + max(s, t) for s, t, _, _ in new]
        found = np.flatnonzero(among(keys, wanted))
        at = dict(zip(keys[found].tolist(), found.tolist(), strict=True))
        added: list[tuple[int, int, int, int]] = []
        for (source, target, kind_of, day), key in zip(new, wanted, strict=True):
            row = at.get(key)
            if row is None:
                at[key] = len(kept) + len(added)
                added.append((source, target, kind_of, day))
            elif row < len(kept):
                kind[row], days[row] = kind_of, day
            else:
                was = added[row - len(kept)]
                added[row - len(kept)] = (was[0], was[1], kind_of, day)
        more = np.array(added, dtype=np.int64).reshape(-1, 4)
        ends = np.concatenate([ends, more[:, :2]])
        if gone:  # no trace of them left, not even their ids
            named = np.unique(ends)
            names, ends = [names[i] for i in named.tolist()], np.searchsorted(named, ends)
        table = Ties(tuple(names), ends, tuple(kinds), np.concatenate([kind, more[:, 2]]),
                     np.concatenate([days, more[:, 3]]))
        if not gone:  # the names kept their codes: the next update need not code them anew
            table.__dict__["code"] = code
            table.__dict__["keys"] = np.concatenate([keys, np.minimum(more[:, 0], more[:, 1])
                                                     * _SPAN + np.maximum(more[:, 0], more[:, 1])])
        return table
