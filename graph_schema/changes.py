"""The change feed: what each write of community data changed, so replicas can follow.

Every write transaction that changes community data raises the store's revision by one and, in
the same transaction, records what it changed: the ids of the members, ties, groups, feedback,
embeddings and vocabulary it touched, and of the members it erased. A process serving the
community from memory asks for the changes since the revision it last read
(:meth:`~graph_schema.store.Store.changes_since`), reads just those records again and applies
them, instead of reading the whole community.

The feed names records, not their new contents: a follower reads each named record as it is
now, so applying the same change twice, or changes out of order, ends in the same state.
Erasing a member is recorded as such: the follower removes every trace of them it holds
(ties, memberships, feedback, embedding) without the feed naming each, and reads them again
only if the id has been used again since. The erasure also takes the member out of the records
before it (:meth:`Changes.without`), so the feed does not keep whom they were tied to or whose
suggestions they answered; a follower still behind those records loses nothing by it, as the
erasure after them removes every trace of the member anyway.

The feed keeps :data:`CHANGE_WINDOW` of history; a follower that has fallen further behind, or
a write too large to list (an import), makes it read the whole community again. Keys, sign-in
links and sessions are not community data and are not in the feed.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import Container, Iterable
from dataclasses import dataclass, fields, replace

from models import Community

__all__ = ["CHANGE_WINDOW", "LISTED", "Changes", "OwnRevisions", "followed", "tie_key"]

CHANGE_WINDOW = dt.timedelta(hours=1)
"""How long a change stays in the feed. A replica follows every few seconds, so an hour covers
restarts and pauses. Older changes are forgotten at the next write, and with them the id in an
erasure's record."""

LISTED = 10_000
"""A write changing more records than this is recorded as changing everything: reading the
whole community is then as quick as reading the records one by one."""


@dataclass(frozen=True)
class Changes:
    """What one or more writes changed, by record."""

    members: frozenset[str] = frozenset()  # created, replaced or erased
    erased: frozenset[str] = frozenset()  # erased, with every trace (and perhaps made again)
    ties: frozenset[tuple[str, str]] = frozenset()  # member pairs, in id order
    groups: frozenset[str] = frozenset()  # created, replaced or deleted
    feedback: frozenset[tuple[str, str]] = frozenset()  # (member, target)
    vectors: frozenset[tuple[str, str]] = frozenset()  # (kind, key) of embeddings
    terms: bool = False  # declared topics or skills
    everything: bool = False  # too much to list: read the whole community again

    @classmethod
    def of_write(cls, community: Community) -> Changes:
        """What upserting ``community`` changes."""
        return cls(members=frozenset(m.id for m in community.members),
                   ties=frozenset(tie_key(t.source, t.target) for t in community.connections),
                   groups=frozenset(g.id for g in community.groups),
                   terms=bool(community.topics or community.skills))

    @classmethod
    def of_vectors(cls, kind: str, keys: Iterable[str]) -> Changes:
        return cls(vectors=frozenset((kind, key) for key in keys))

    @classmethod
    def of_json(cls, what: str) -> Changes:
        """The changes a record of :meth:`to_json` names."""
        return cls(**{name: frozenset(tuple(i) if isinstance(i, list) else i for i in value)
                      if isinstance(value, list) else value
                      for name, value in json.loads(what).items()})

    def without(self, member_id: str) -> Changes:
        """These changes naming the member ``member_id`` nowhere but as erased: what an
        erasure leaves of the records before it.

        >>> Changes(members=frozenset("ab"), ties=frozenset([("a", "b"), ("b", "c")]),
        ...         feedback=frozenset([("c", "a")])).without("a")
        ... # doctest: +NORMALIZE_WHITESPACE
        Changes(members=frozenset({'b'}), erased=frozenset(), ties=frozenset({('b', 'c')}),
                groups=frozenset(), feedback=frozenset(), vectors=frozenset(), terms=False,
                everything=False)
        """
        return replace(
            self, members=self.members - {member_id},
            ties=frozenset(t for t in self.ties if member_id not in t),
            feedback=frozenset(f for f in self.feedback if member_id not in f),
            vectors=self.vectors - {("member", member_id)})

    @property
    def community(self) -> bool:
        """Whether members, ties, groups or terms changed: what an export holds (feedback and
        embeddings are not in it).

        >>> Changes(feedback=frozenset([("a", "b")])).community, Changes(terms=True).community
        (False, True)
        """
        return bool(self.everything or self.terms or self.members or self.erased or self.ties
                    or self.groups)

    def __len__(self) -> int:
        """How many records changed."""
        return (len(self.members | self.erased) + len(self.ties) + len(self.groups)
                + len(self.feedback) + len(self.vectors) + self.terms)

    def __bool__(self) -> bool:
        return self.everything or len(self) > 0

    def to_json(self) -> str:
        """The record a store keeps (everything, when more than :data:`LISTED` changed)."""
        if self.everything or len(self) > LISTED:
            return json.dumps({"everything": True})
        return json.dumps({f.name: sorted(value) if isinstance(value, frozenset) else value
                           for f in fields(self) if (value := getattr(self, f.name))})


def tie_key(a: str, b: str) -> tuple[str, str]:
    """The pair as the feed names it, whichever way the tie points."""
    return (a, b) if a <= b else (b, a)


class OwnRevisions:
    """The revisions of one connection's own writes, kept as long as the feed keeps them, so
    that connection is never told of its own writes as changes beside it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._written: dict[int, float] = {}  # revision -> when (monotonic seconds)

    def add(self, revision: int) -> None:
        with self._lock:
            self._written[revision] = time.monotonic()

    def current(self) -> frozenset[int]:
        """Those still in the feed's window."""
        oldest = time.monotonic() - CHANGE_WINDOW.total_seconds()
        with self._lock:
            self._written = {n: at for n, at in self._written.items() if at >= oldest}
            return frozenset(self._written)


def followed(since: int, now: int, rows: Iterable[tuple[int, str]],
             own: Container[int]) -> tuple[int, Changes] | None:
    """What a store answers to :meth:`~graph_schema.store.Store.changes_since`: from the
    revision ``now`` and the feed's ``rows`` of (revision, what) after ``since``, the changes
    not in the connection's ``own`` revisions; None when the feed does not reach back to
    ``since`` or the store is behind it (emptied, or another store)."""
    listed = [(n, what) for n, what in rows if n <= now]
    if since > now or (since < now and (not listed or listed[0][0] != since + 1)):
        return None
    flags = {"terms": False, "everything": False}
    parts: dict[str, set] = {f.name: set() for f in fields(Changes) if f.name not in flags}
    for n, what in listed:
        if n in own:
            continue
        changes = Changes.of_json(what)
        for name, found in parts.items():
            found.update(getattr(changes, name))
        for name in flags:
            flags[name] = flags[name] or getattr(changes, name)
    return now, Changes(**{k: frozenset(v) for k, v in parts.items()}, **flags)
