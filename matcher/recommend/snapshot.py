"""The read-optimised snapshot every recommendation is computed from.

Members become rows 0..n-1; the graph, their topics, skills, wants and groups become sparse
matrices over those rows, and their embeddings one dense matrix. A snapshot is built from a
:class:`~models.Community` plus its embeddings, which either store gives identically, so both
stores give identical recommendations. It is immutable: a write produces a new snapshot
(:meth:`Snapshot.after_write`), so readers never see half an update; it takes over from its
predecessor the derived matrices the write left alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field
from functools import cached_property, partial
from itertools import repeat
from operator import attrgetter
from typing import Literal, TypeVar

import numpy as np
import scipy.sparse as sp

from graph_schema.changes import Changes, tie_key
from graph_schema.store import EMBEDDED_KINDS, Store, collector_paused
from graph_schema.ties import Ties, among
from matcher.embeddings.profile_text import group_text
from matcher.recommend.activity import Activity, member_activity
from matcher.recommend.graph_signals import random_walk_weights, row_entries
from matcher.recommend.matrices import (
    VectorRows,
    Vocabulary,
    codes,
    idf_rows,
    incidence,
    listed,
    replaced_rows,
    symmetric,
    vector_matrix,
)
from matcher.search.index import MemberEvidence, SearchIndex, group_index
from matcher.search.lexical import LexicalIndex
from models import Community, Connection, Feedback, Group, Member, TargetKind
from models.errors import NotFoundError
from models.privacy import findable, shown_to_others, suggestable

__all__ = ["INFERRED_INTERESTS", "INFERRED_SIMILARITY", "Answered", "Snapshot", "Vocabulary",
           "snapshot_from_store"]

T = TypeVar("T")

_NO_VECTORS = VectorRows.coerce({})

INFERRED_INTERESTS = 3
INFERRED_SIMILARITY = 0.35
"""How close (cosine) a topic must be to a profile to be inferred as one of its interests."""


Answered = tuple[str, TargetKind, str]
"""A member's answer to a suggestion, as (who, kind, whom): what it is about."""


def _answered(feedback: Feedback) -> Answered:
    return feedback.member, feedback.target_kind, feedback.target


Input = Literal["ids", "profiles", "ties", "groups", "vectors", "feedback"]
"""What a snapshot is made of (which members, in which rows; what their profiles say; ties;
groups; embeddings; feedback); each derived matrix depends on some of them."""


@dataclass(frozen=True)
class Edit:
    """What a write changed in place, adding and removing no member: the rows of the members
    whose profiles or embeddings it changed, the ties it wrote and the pairs (by
    :func:`~graph_schema.changes.tie_key`) whose ties it cut."""

    rows: Sequence[int]
    ties: Sequence[Connection]
    cut: frozenset[tuple[str, str]]


Patch = Callable[["Snapshot", "Snapshot", Edit], T | None]


class _Derived(cached_property[T]):
    inputs: frozenset[Input]
    patch: Patch[T] | None
    patched: frozenset[Input]


def derived(*inputs: Input, patch: Patch[T] | None = None,
            patched: Iterable[Input] = ("profiles", "vectors"),
            ) -> Callable[[Callable[[Snapshot], T]], _Derived[T]]:
    """A property computed once per snapshot from ``inputs``. A snapshot made by a write that
    left those inputs alone takes it over from its predecessor instead of computing it again
    (:meth:`Snapshot.after_write`), so following a few writes costs what they change. With
    ``patch``, a write that changed in place (an :class:`Edit`) only inputs among ``patched``
    makes it as ``patch(new snapshot, old snapshot, edit)``, unless that gives None."""
    def decorate(compute: Callable[[Snapshot], T]) -> _Derived[T]:
        prop = _Derived(compute)
        prop.inputs = frozenset(inputs)
        prop.patch = patch
        prop.patched = frozenset(patched)
        return prop
    return decorate


def per_member(*inputs: Input, dtype: type
               ) -> Callable[[Callable[[Snapshot, Member], object]], _Derived[np.ndarray]]:
    """A derived array of one value per member row, each from that member alone (by the
    decorated method, given the snapshot and the member): an :class:`Edit` computes only the
    edited rows again."""
    def decorate(value: Callable[[Snapshot, Member], object]) -> _Derived[np.ndarray]:
        def compute(self: Snapshot) -> np.ndarray:
            return np.fromiter((value(self, m) for m in self.members), dtype=dtype,
                               count=len(self.members))

        compute.__doc__ = value.__doc__

        def patch(new: Snapshot, old: Snapshot, edit: Edit) -> np.ndarray:
            array = getattr(old, value.__name__).copy()
            array[list(edit.rows)] = [value(new, new.members[row]) for row in edit.rows]
            return array

        return derived(*inputs, patch=patch)(compute)
    return decorate


def _in_rows(new: Snapshot, old: Snapshot, edit: Edit, name: str,
             columns: str) -> sp.csr_matrix | None:
    """The member matrix ``name`` of ``new``: ``old``'s with the edited rows computed again
    (by the snapshot's ``_name`` method), when the vocabulary of its ``columns`` is the same;
    else None (computed whole)."""
    if getattr(new, columns) != getattr(old, columns):
        return None
    if not edit.rows:  # a write of groups alone, say
        return getattr(old, name)
    edited = getattr(new, f"_{name}")([new.members[row] for row in edit.rows])
    return replaced_rows(getattr(old, name), edit.rows, edited)


def _embedded_rows(new: Snapshot, old: Snapshot, edit: Edit) -> np.ndarray | None:
    """``new``'s embedding matrix: the member vectors' own matrix when it holds every member's
    vector in row order (after a read, and a write that embeds no one new); else ``old``'s
    with the edited rows read again, when their length is the same; else None (computed
    whole)."""
    vectors = new.vectors.get("member", _NO_VECTORS)
    if (shared := vectors.matrix_of(new.ids.names, new.dimensions)) is not None:
        return shared
    if new.dimensions != old.dimensions:
        return None
    matrix = old.embeddings.copy()
    matrix[list(edit.rows)] = vector_matrix([new.members[row].id for row in edit.rows],
                                            vectors, new.dimensions)
    return matrix


def _categories_after(new: Snapshot, old: Snapshot, edit: Edit
                      ) -> dict[str, tuple[np.ndarray, Vocabulary]]:
    """``new``'s categories: for each field, ``old``'s codes with the edited rows coded again,
    where the edit neither brought a value no one had nor took away the last of one (either
    would move the codes); otherwise that field coded whole."""
    found = {}
    for name, (known, vocabulary) in old.categories.items():
        values = [getattr(new.members[row], name) for row in edit.rows]
        if all(not v or v in vocabulary.index for v in values):
            patched = known.copy()
            patched[list(edit.rows)] = [vocabulary.index[v] if v else -1 for v in values]
            if np.count_nonzero(np.bincount(patched[patched >= 0],
                                            minlength=len(vocabulary))) == len(vocabulary):
                found[name] = patched, vocabulary
                continue
        found[name] = codes([getattr(m, name) for m in new.members])
    return found


def _skill_names(member: Member) -> Iterator[str]:
    """The skills ``member`` holds or wants to learn."""
    yield from (s.name for s in member.skills)
    yield from member.wants_to_learn


def _names_after(new: Snapshot, old: Snapshot, edit: Edit, vocabulary: Vocabulary,
                 matrices: Iterable[sp.csr_matrix],
                 names: Callable[[Member], Iterable[str]]) -> Vocabulary | None:
    """``vocabulary`` (``old``'s) again, when the edited members name nothing outside it and
    leave each of its names named by someone; else None (found whole). How often each is named
    is counted from ``old``'s ``matrices`` (with a column for each name), so the members not
    edited are not read."""
    index = vocabulary.index
    named = sum(np.bincount(m.indices, minlength=len(index)) for m in matrices)
    for row in edit.rows:
        for member, step in ((old.members[row], -1), (new.members[row], 1)):
            for name in names(member):
                if name not in index:
                    return None
                named[index[name]] += step
    return vocabulary if np.all(named) else None


def _skills_after(new: Snapshot, old: Snapshot, edit: Edit) -> Vocabulary | None:
    return _names_after(new, old, edit, old.skills, (old.member_skills, old.member_wants),
                        _skill_names)


def _groups_alike(new: Snapshot, old: Snapshot, said: Callable[[Group], object]) -> bool:
    """Whether ``new``'s groups say, each by ``said``, what ``old``'s did (a group join leaves
    what groups say alone). A group the write left alone is the same record, compared as such."""
    return len(new.groups) == len(old.groups) and all(
        a is b or said(a) == said(b) for a, b in zip(new.groups, old.groups, strict=True))


def _topics_after(new: Snapshot, old: Snapshot, edit: Edit) -> Vocabulary | None:
    if not _groups_alike(new, old, attrgetter("topics")):
        return None
    return _names_after(new, old, edit, old.topics, (old.declared_topics, old.group_topics),
                        lambda member: member.interests)


def _group_topics_after(new: Snapshot, old: Snapshot, edit: Edit) -> sp.csr_matrix | None:
    """``old``'s topics of the groups, when the topics and what each group works on are the
    same; else None (made whole)."""
    same = new.topics is old.topics and _groups_alike(new, old, attrgetter("topics"))
    return old.group_topics if same else None


_TRANSPOSED = ("topic_profile", "skill_profile", "word_profile", "membership")
"""The member matrices a snapshot also keeps transposed (:attr:`Snapshot.by_column`)."""


def _by_column_after(new: Snapshot, old: Snapshot, edit: Edit) -> dict[str, sp.csr_matrix]:
    """``old``'s transposes of the matrices ``new`` took over from it unchanged (a group
    join leaves the words members say alone), the others made anew."""
    return {name: old.by_column[name] if getattr(new, name) is getattr(old, name)
            else getattr(new, name).T.tocsr() for name in _TRANSPOSED}


def _group_words_after(new: Snapshot, old: Snapshot, edit: Edit) -> LexicalIndex | None:
    """``old``'s index of the groups' words, when the groups say what they said (a join,
    say); else None (indexed whole)."""
    return old.group_words if _groups_alike(new, old, group_text) else None


def _membership_after(new: Snapshot, old: Snapshot, edit: Edit) -> sp.csr_matrix | None:
    """``old``'s membership with the columns of the groups the write changed made again, when
    the groups are the same ones; else None (made whole)."""
    if new.group_ids != old.group_ids:
        return None
    changed = [i for i, (a, b) in enumerate(zip(new.groups, old.groups, strict=True)) if a is not b]
    by_group = old.membership.T.tocsr()
    return replaced_rows(by_group, changed, new._members_of([new.groups[i] for i in changed])
                         ).T.tocsr()


def _kept_while_same(name: str, source: str) -> Patch[T]:
    """A patch keeping ``old``'s ``name`` while ``source`` (a dotted attribute), what it is
    made from, is ``old``'s own: a patch that found its rows unchanged kept it
    (:func:`~matcher.recommend.matrices.replaced_rows`)."""
    made_from = attrgetter(source)

    def patch(new: Snapshot, old: Snapshot, edit: Edit) -> T | None:
        return getattr(old, name) if made_from(new) is made_from(old) else None
    return patch


def _same_topics(new: Snapshot, old: Snapshot) -> bool:
    """Whether ``new`` has ``old``'s topics, with the same embeddings."""
    return new.topics == old.topics and new.vectors.get("topic") is old.vectors.get("topic")


def _interests_after(new: Snapshot, old: Snapshot, edit: Edit
                     ) -> tuple[tuple[str, ...], ...] | None:
    """``new``'s interests: ``old``'s with the edited rows found again, when the topics are
    the same; else None (found whole)."""
    if not _same_topics(new, old):
        return None
    rows = list(old.interests)
    for row, interests in zip(edit.rows, new._interests(edit.rows), strict=True):
        rows[row] = interests
    return tuple(rows)


def _member_topics_after(new: Snapshot, old: Snapshot, edit: Edit) -> sp.csr_matrix | None:
    """``new``'s member-topic matrix: ``old``'s with the edited rows made again from their
    interests, when the topics are the same; else None (made whole)."""
    if not _same_topics(new, old):
        return None
    if not edit.rows:
        return old.member_topics
    return replaced_rows(old.member_topics, edit.rows,
                         incidence([new.interests[row] for row in edit.rows], new.topics))


def _shown_alike(new: Snapshot, old: Snapshot, edit: Edit) -> bool:
    """Whether ``edit`` showed and hid no one: what is read from the ties between visible
    members changes with the ties alone."""
    rows = list(edit.rows)
    return np.array_equal(new.visible[rows], old.visible[rows])


def _same_while_shown_alike(name: str) -> Patch[T]:
    """A patch keeping ``old``'s ``name`` where the edit showed and hid no one: what is read
    from the ties between visible members changes only then."""
    def patch(new: Snapshot, old: Snapshot, edit: Edit) -> T | None:
        return getattr(old, name) if _shown_alike(new, old, edit) else None
    return patch


def _same_while_found_alike(new: Snapshot, old: Snapshot, edit: Edit) -> np.ndarray | None:
    """``old``'s :attr:`~Snapshot.findable_ties` where the edit showed, hid, and made findable
    or not no one: the ties that count and whom they reach are then as they were."""
    rows = list(edit.rows)
    return (old.findable_ties if _shown_alike(new, old, edit)
            and np.array_equal(new.findable[rows], old.findable[rows]) else None)


def _linked(adjacency: sp.csr_matrix, i: int, j: int) -> bool:
    """Whether ``adjacency`` ties rows ``i`` and ``j``."""
    return j in row_entries(adjacency, i)[0]


def _tie_rows_after(new: Snapshot, old: Snapshot, edit: Edit
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``new``'s ties as rows: ``old``'s without the pairs ``edit`` cut, with each tie it
    wrote dated anew where its pair was there and added after the others where it was not
    (as :meth:`Snapshot.after_write` orders the ties themselves). The ties are searched only
    for pairs :attr:`~Snapshot.adjacency` says were there: most writes tie new pairs."""
    index, n = new.ids.index, len(new.ids)

    def key(source: str, target: str) -> int | None:
        i, j = index.get(source), index.get(target)
        return None if i is None or j is None else min(i, j) * n + max(i, j)

    def there(k: int) -> bool:
        return _linked(old.adjacency, *divmod(k, n))

    a, b, days = old.tie_rows
    cut = [k for pair in edit.cut if (k := key(*pair)) is not None and there(k)]
    written = {k: t.since.toordinal() if t.since else -1  # the last date written counts
               for t in edit.ties if (k := key(t.source, t.target)) is not None}
    if cut or any(map(there, written)):
        keys = a.astype(np.int64) * n + b
        kept = ~among(keys, cut)
        keys, a, b, days = keys[kept], a[kept], b[kept], days[kept]
        for row in np.flatnonzero(among(keys, written)).tolist():
            days[row] = written.pop(int(keys[row]))
    added = np.fromiter(written, dtype=np.int64, count=len(written))
    return (np.concatenate([a, (added // n).astype(np.int32)]),
            np.concatenate([b, (added % n).astype(np.int32)]),
            np.concatenate([days, np.fromiter(written.values(), dtype=np.int64,
                                              count=len(written))]))


def _rows_of(new: Snapshot, pairs: Iterable[tuple[str, str]]) -> list[tuple[int, int]]:
    """The rows of the ends of ``pairs`` of member ids, those between members here."""
    index = new.ids.index
    return [(index[a], index[b]) for a, b in pairs if a in index and b in index]


def _written(edit: Edit) -> Iterator[tuple[str, str]]:
    """The pairs of member ids ``edit`` wrote ties between."""
    return ((t.source, t.target) for t in edit.ties)


def _adjacency_after(new: Snapshot, old: Snapshot, edit: Edit) -> sp.csr_matrix:
    """``old``'s adjacency with the rows of the members whose ties ``edit`` wrote or cut made
    again: cut first, then written (as :meth:`~graph_schema.ties.Ties.updated` does)."""
    cut, written = _rows_of(new, edit.cut), _rows_of(new, _written(edit))
    tied = {row: set(old.neighbours(row).tolist()) for pair in (*cut, *written) for row in pair}
    for a, b in cut:
        tied[a].discard(b)
        tied[b].discard(a)
    for a, b in written:
        tied[a].add(b)
        tied[b].add(a)
    return replaced_rows(old.adjacency, list(tied), listed([sorted(t) for t in tied.values()],
                                                            len(new)))


def _scoring_adjacency_after(new: Snapshot, old: Snapshot, edit: Edit) -> sp.csr_matrix | None:
    """``old``'s adjacency of the scored ties with the rows of the members whose ties ``edit``
    wrote or cut read again from ``new``'s adjacency, where it showed and hid no one; else
    None (made whole)."""
    if not _shown_alike(new, old, edit):
        return None
    if new.scored_ties is new.tie_rows:
        return new.adjacency
    tied = sorted({row for pair in _rows_of(new, [*_written(edit), *edit.cut]) for row in pair})
    scored = [new.scored_neighbours(row).tolist() if new.visible[row] else [] for row in tied]
    return replaced_rows(old.scoring_adjacency, tied, listed(scored, len(new)))


def _activity_after(new: Snapshot, old: Snapshot, edit: Edit) -> Activity | None:
    """``old``'s activity with the ties ``edit`` wrote between members shown to others added
    (:meth:`~matcher.recommend.activity.Activity.adding`), where they are new pairs, it cut no
    scored tie, and showed and hid no one; else None (found whole)."""
    if not _shown_alike(new, old, edit):
        return None
    index, visible = new.ids.index, new.visible

    def scored(i: int, j: int) -> bool:
        return _linked(old.scoring_adjacency, i, j)

    if any(scored(i, j) for i, j in _rows_of(new, edit.cut)):
        return None
    added: dict[tuple[int, int], int] = {}  # the last date written counts
    for tie in edit.ties:
        i, j = index.get(tie.source), index.get(tie.target)
        if i is None or j is None or not (visible[i] and visible[j]):
            continue
        if scored(i, j):  # dated anew
            return None
        added[min(i, j), max(i, j)] = tie.since.toordinal() if tie.since else -1
    if not added:
        return old.activity
    pairs = np.array(list(added), dtype=np.int64)
    return old.activity.adding(new.scored_ties[2], pairs[:, 0], pairs[:, 1],
                               np.fromiter(added.values(), dtype=np.int64, count=len(added)))


_WORD_INDEXED = frozenset({"member_evidence", "word_profile", "by_column", "search_index"})
"""The members' exact-word indexes and what is made from them: while a snapshot read whole
builds the indexes, the second thread computing the rest leaves these alone
(:meth:`Snapshot.warmed`), so it neither waits for the indexes nor builds them again."""


@dataclass(frozen=True)
class Snapshot:
    """Everything the recommender reads, as arrays indexed by member row."""

    community: Community
    # Embeddings by kind ("member", "group", "topic", "skill"), then by member or group id or
    # term name: each kind the rows of one matrix (VectorRows, whatever mapping was given).
    vectors: Mapping[str, VectorRows] = field(repr=False)
    # Feedback as (who, kind, whom): whom is the id of a member or a group, as kind says (the
    # two kinds' ids may coincide).
    dismissed: frozenset[Answered] = frozenset()
    accepted: frozenset[Answered] = frozenset()

    def __post_init__(self) -> None:
        # Each kind's vectors as rows of one matrix, however they were given.
        object.__setattr__(self, "vectors", {kind: VectorRows.coerce(known)
                                             for kind, known in self.vectors.items()})

    # -- members ------------------------------------------------------------------------

    @derived("ids", "profiles", patch=lambda new, old, edit: tuple(new.community.members))
    def members(self) -> tuple[Member, ...]:
        """The members by id (an edit keeps them in order: see :meth:`after_write`)."""
        return tuple(sorted(self.community.members, key=lambda m: m.id))

    @derived("ids")
    def ids(self) -> Vocabulary:
        return Vocabulary(tuple(m.id for m in self.members))

    def __len__(self) -> int:
        return len(self.members)

    @derived("ids", "profiles", patch=_categories_after)
    def categories(self) -> dict[str, tuple[np.ndarray, Vocabulary]]:
        """Each member's role, region and organisation, as codes (-1: not given) of the
        values members give."""
        return {name: codes([getattr(m, name) for m in self.members])
                for name in ("role", "region", "organisation")}

    @property
    def organisation(self) -> np.ndarray:
        return self.categories["organisation"][0]

    @property
    def region(self) -> np.ndarray:
        return self.categories["region"][0]

    @property
    def role(self) -> np.ndarray:
        return self.categories["role"][0]

    @per_member("ids", "profiles", dtype=bool)
    def suggestable(self, member: Member) -> bool:
        """Who may appear in others' suggestions (:func:`models.privacy.suggestable`)."""
        return suggestable(member)

    @per_member("ids", "profiles", dtype=bool)
    def findable(self, member: Member) -> bool:
        """Who may be found by others' searches (:func:`models.privacy.findable`)."""
        return findable(member)

    @per_member("ids", "profiles", dtype=bool)
    def visible(self, member: Member) -> bool:
        """Who may be named to others, e.g. as a mutual connection
        (:func:`models.privacy.shown_to_others`)."""
        return shown_to_others(member)

    @derived("ids", "profiles")
    def shown_values(self) -> dict[str, frozenset[str]]:
        """The roles, regions and organisations of the members shown to others: the choices
        search and group forms offer (read once per snapshot, not once per page)."""
        return {name: frozenset(vocabulary.names[code] for code in np.unique(known[self.visible])
                                if code >= 0)
                for name, (known, vocabulary) in self.categories.items()}

    @derived("ids", "profiles", "groups")
    def shown_names(self) -> dict[str, frozenset[str]]:
        """The topics and skills named by members shown to others (:meth:`names_named_by`),
        and the topics of groups: what lists of names offer besides those declared (read once
        per snapshot, not once per page)."""
        named = self.names_named_by(self.visible)
        groups = self.group_topics.getnnz(axis=0) > 0
        return {"topic": named["topic"] | {self.topics.names[c] for c in np.flatnonzero(groups)},
                "skill": named["skill"]}

    def names_named_by(self, rows: np.ndarray) -> dict[str, frozenset[str]]:
        """The topics (interests they named) and skills (held or wanted) of the members at
        ``rows`` (numbers or a mask)."""
        def named(vocabulary: Vocabulary, *matrices: sp.csr_matrix) -> frozenset[str]:
            used = np.zeros(len(vocabulary), dtype=bool)
            for matrix in matrices:
                used |= matrix[rows].getnnz(axis=0) > 0
            return frozenset(vocabulary.names[c] for c in np.flatnonzero(used))

        return {"topic": named(self.topics, self.declared_topics),
                "skill": named(self.skills, self.member_skills, self.member_wants)}

    @per_member("ids", "profiles", dtype=np.float32)
    def completeness(self, member: Member) -> float:
        """Share of the profile filled in (bio, role, organisation, interests, skills)."""
        # A Python float, made float32 as the array is filled: exactly the float32 quotient
        # for these six values, in half the time of a numpy scalar each.
        return (bool(member.bio) + bool(member.role) + bool(member.organisation)
                + bool(member.interests) + bool(member.skills)) / 5

    # -- the graph ------------------------------------------------------------------------

    @derived("ties")
    def tie_table(self) -> Ties:
        """The ties as columns, as the community lists them."""
        return Ties.coerce(self.community.connections)

    @derived("ids", "ties", patch=_tie_rows_after, patched=("ties",))
    def tie_rows(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each tie once, as rows ``(a, b)`` and the day it was made (its date's ordinal, -1
        when undated)."""
        ties, index = self.tie_table, self.ids.index
        rows = np.fromiter(map(index.get, ties.names, repeat(-1)), dtype=np.int64,
                           count=len(ties.names))
        ends = rows[ties.ends]
        known = (ends >= 0).all(axis=1)  # ties to members not here are left out
        a, b = ends.min(axis=1)[known], ends.max(axis=1)[known]
        # A pair listed twice is one tie, where it was first listed, dated as last listed.
        _, first, pair = np.unique(a * len(index) + b, return_index=True, return_inverse=True)
        last = np.zeros(len(first), dtype=np.int64)
        np.maximum.at(last, pair, np.arange(len(pair)))
        order = np.argsort(first)
        return (a[first[order]].astype(np.int32), b[first[order]].astype(np.int32),
                ties.days[known][last[order]])

    @derived("ids", "ties", patch=_adjacency_after, patched=("ties",))
    def adjacency(self) -> sp.csr_matrix:
        """Symmetric 0/1 connection matrix: every tie, for what a member's own ties decide
        (whom not to suggest again) and for reasons (which name visible members only)."""
        return symmetric(len(self), *self.tie_rows[:2])

    @derived("ids", "ties")
    def degree(self) -> np.ndarray:
        return np.asarray(self.adjacency.sum(axis=1)).ravel()

    @derived("ids", "ties", "profiles", patch=_same_while_shown_alike("scored_ties"),
             patched=("profiles",))
    def scored_ties(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The ties that weigh in scores, as :attr:`tie_rows`: those between members shown to
        others. A hidden member's ties move no one else's suggestions (their own ties to
        visible members serve their own: :meth:`scored_neighbours`), as their profile moves
        no one's search: else who is connected to whom, and that they are there at all, would
        show in others' lists."""
        a, b, days = self.tie_rows
        kept = self.visible[a] & self.visible[b]
        return self.tie_rows if kept.all() else (a[kept], b[kept], days[kept])

    @derived("ids", "ties", "profiles", patch=_scoring_adjacency_after,
             patched=("ties", "profiles"))
    def scoring_adjacency(self) -> sp.csr_matrix:
        """:attr:`adjacency` of the :attr:`scored_ties` only: what graph signals read (the
        same matrix where no one with ties is hidden)."""
        if self.scored_ties is self.tie_rows:
            return self.adjacency
        return symmetric(len(self), *self.scored_ties[:2])

    @derived("ids", "ties", "profiles", patch=_same_while_shown_alike("scoring_degree"),
             patched=("profiles",))
    def scoring_degree(self) -> np.ndarray:
        if self.scoring_adjacency is self.adjacency:
            return self.degree
        return np.asarray(self.scoring_adjacency.sum(axis=1)).ravel()

    @derived("ids", "ties", "profiles", patch=_same_while_found_alike, patched=("profiles",))
    def findable_ties(self) -> np.ndarray:
        """How many of each member's :attr:`scored_ties` are to members who may be found."""
        return self.scoring_adjacency @ self.findable.astype(np.float64)

    @derived("ids", "ties", "profiles", patch=_activity_after, patched=("ties", "profiles"))
    def activity(self) -> Activity:
        """Who has been making ties lately, by the :attr:`scored_ties` (see
        :mod:`matcher.recommend.activity`)."""
        return member_activity(len(self), *self.scored_ties)

    @derived("feedback")
    def _feedback_exclusions(self) -> dict[tuple[str, TargetKind], set[str]]:
        excluded: dict[tuple[str, TargetKind], set[str]] = {}
        for who, kind, whom in self.dismissed | self.accepted:
            excluded.setdefault((who, kind), set()).add(whom)
        for who, kind, whom in self.dismissed:  # dismissing a person keeps both apart
            if kind == "member":
                excluded.setdefault((whom, kind), set()).add(who)
        return excluded

    def excluded_by_feedback(self, member_id: str, kind: TargetKind) -> set[str]:
        """The members or groups (``kind``) not to suggest to ``member_id`` because of
        feedback."""
        return self._feedback_exclusions.get((member_id, kind), set())

    def neighbours(self, row: int) -> np.ndarray:
        a = self.adjacency
        return a.indices[a.indptr[row]:a.indptr[row + 1]]

    def scored_neighbours(self, row: int) -> np.ndarray:
        """Member ``row``'s ties that weigh in their own scores: those to members shown to
        others (for a visible member, their :attr:`scored_ties`; a hidden member's own ties to
        visible members are theirs to be suggested by)."""
        own = self.neighbours(row)
        return own[self.visible[own]]

    # -- topics, skills, embeddings ---------------------------------------------------------

    @derived("ids", "vectors", patch=_embedded_rows)
    def embeddings(self) -> np.ndarray:
        """Unit rows; a member not yet embedded has a zero row (similar to no one)."""
        return vector_matrix([m.id for m in self.members], self.vectors.get("member", {}),
                             self.dimensions)

    @derived("vectors")
    def dimensions(self) -> int:
        """The length of the embeddings (1 when there are none, so matrices keep a shape)."""
        return next((len(v) for known in self.vectors.values() for v in known.values()), 1)

    @per_member("ids", "vectors", dtype=bool)
    def embedded(self, member: Member) -> bool:
        """Which members have a profile embedding (by the snapshot's model)."""
        return member.id in self.vectors.get("member", {})

    @derived("ids", "profiles", "groups", patch=_topics_after, patched=("profiles", "groups"))
    def topics(self) -> Vocabulary:
        """The topics members follow or groups work on (gathered by set operations in C)."""
        names = set().union(*(m.interests for m in self.members),
                            *(g.topics for g in self.community.groups))
        return Vocabulary(tuple(sorted(names)))

    @derived("ids", "profiles", patch=_skills_after)
    def skills(self) -> Vocabulary:
        """The skills members hold or want (:func:`_skill_names` of every member, gathered
        by set operations in C rather than a generator a member)."""
        held = {skill.name for member in self.members for skill in member.skills}
        return Vocabulary(tuple(sorted(held.union(*(m.wants_to_learn for m in self.members)))))

    @derived("ids", "profiles", "groups", "vectors", patch=_interests_after,
             patched=("profiles", "vectors", "groups"))
    def interests(self) -> tuple[tuple[str, ...], ...]:
        """Each member's interests; for a member who named none, those their profile embedding
        is closest to (see :data:`INFERRED_SIMILARITY`), so a newcomer with only a bio still
        shares topics with people."""
        return tuple(self._interests(range(len(self))))

    def _interests(self, rows: Iterable[int]) -> list[tuple[str, ...]]:
        topics = self.vectors.get("topic", {})
        names = [name for name in self.topics.names if name in topics]
        matrix = np.array([topics[name] for name in names]) if names else None
        found = []
        for row in rows:
            member = self.members[row]
            if member.interests or matrix is None or not self.embeddings[row].any():
                found.append(tuple(member.interests))
                continue
            scores = matrix @ self.embeddings[row]
            best = np.argsort(-scores)[:INFERRED_INTERESTS]
            found.append(tuple(names[i] for i in best if scores[i] >= INFERRED_SIMILARITY))
        return found

    @derived("ids", "profiles", "groups", "vectors", patch=_member_topics_after,
             patched=("profiles", "vectors", "groups"))
    def member_topics(self) -> sp.csr_matrix:
        return incidence(self.interests, self.topics)

    @derived("ids", "profiles", "groups",
             patch=lambda new, old, edit: _in_rows(new, old, edit, "declared_topics", "topics"),
             patched=("profiles", "groups"))
    def declared_topics(self) -> sp.csr_matrix:
        """The topics members named themselves, without the inferred ones of
        :attr:`interests`: search says who follows a topic only of those who said so."""
        return self._declared_topics(self.members)

    def _declared_topics(self, members: Sequence[Member]) -> sp.csr_matrix:
        return incidence([m.interests for m in members], self.topics)

    @derived("ids", "profiles",
             patch=lambda new, old, edit: _in_rows(new, old, edit, "member_skills", "skills"))
    def member_skills(self) -> sp.csr_matrix:
        """Skill levels 1–5; a skill listed without a level counts as 3."""
        return self._member_skills(self.members)

    def _member_skills(self, members: Sequence[Member]) -> sp.csr_matrix:
        return incidence([m.skills for m in members], self.skills,
                         name=attrgetter("name"), value=lambda skill: skill.level or 3)

    @derived("ids", "profiles",
             patch=lambda new, old, edit: _in_rows(new, old, edit, "member_wants", "skills"))
    def member_wants(self) -> sp.csr_matrix:
        return self._member_wants(self.members)

    def _member_wants(self, members: Sequence[Member]) -> sp.csr_matrix:
        return incidence([m.wants_to_learn for m in members], self.skills)

    @derived("ids", "profiles", "groups", "vectors",
             patch=_kept_while_same("topic_profile", "member_topics"),
             patched=("profiles", "groups", "vectors"))
    def topic_profile(self) -> sp.csr_matrix:
        """Interests weighted by IDF and scaled to unit rows: a row product is their cosine."""
        return idf_rows(self.member_topics)

    @derived("ids", "profiles",
             patch=lambda new, old, edit: old.member_evidence.replaced(new.members, edit.rows))
    def member_evidence(self) -> MemberEvidence:
        """Exact-word indexes of what members know, want and follow."""
        return MemberEvidence.build(self.members)

    @derived("ids", "profiles", patch=_kept_while_same("word_profile", "member_evidence.knows"))
    def word_profile(self) -> sp.csr_matrix:
        """The words of what members say they know and do (bio, role, organisation, skills)
        weighted by IDF, unit rows: a row product is their cosine. Exact words tell apart what
        an embedding blurs (the artists a member names, the terms of a paper's title). Counted
        once, for search (:class:`~matcher.search.index.MemberEvidence`), so only the words of
        members who may be found."""
        return idf_rows(self.member_evidence.knows.counts)

    @derived("ids", "profiles")
    def wants_count(self) -> np.ndarray:
        return np.diff(self.member_wants.indptr).astype(np.float32)

    @derived("ids", "profiles", patch=_kept_while_same("skill_profile", "member_skills"))
    def skill_profile(self) -> sp.csr_matrix:
        """Skills held (any level) weighted by IDF, unit rows."""
        held = self.member_skills.copy()
        held.data[:] = 1.0
        return idf_rows(held)

    # -- groups ---------------------------------------------------------------------------

    @derived("groups")
    def groups(self) -> tuple[Group, ...]:
        return tuple(sorted(self.community.groups, key=lambda g: g.id))

    @derived("groups")
    def group_ids(self) -> Vocabulary:
        return Vocabulary(tuple(g.id for g in self.groups))

    @derived("ids", "groups", patch=_membership_after, patched=("groups",))
    def membership(self) -> sp.csr_matrix:
        """Members × groups, 1 where the member belongs (as member or coordinator)."""
        return self._members_of(self.groups).T.tocsr()

    def _members_of(self, groups: Sequence[Group]) -> sp.csr_matrix:
        """``groups`` × members, 1 where the member belongs."""
        index = self.ids.index
        return incidence([[m for m in (*g.members, *g.coordinators)
                           if m in index]  # a group may still list someone erased since
                          for g in groups], self.ids)

    @derived("ids", "groups")
    def group_sizes(self) -> np.ndarray:
        return np.asarray(self.membership.sum(axis=0)).ravel()

    @derived("ids", "profiles", "groups")
    def findable_in_groups(self) -> np.ndarray:
        """How many members of each group may be found by search."""
        return np.asarray(self.membership[self.findable].sum(axis=0)).ravel()

    @derived("groups", patch=_group_words_after, patched=("groups",))
    def group_words(self) -> LexicalIndex:
        """The exact-word index of the groups."""
        return group_index(self.groups)

    @derived("ids", "profiles", "groups")
    def search_index(self) -> SearchIndex:
        """Exact-word indexes of what members know, want and follow, and of the groups."""
        return SearchIndex.of(self.member_evidence, self.group_words)

    @derived("ids", "profiles", "groups", "vectors", patch=_by_column_after,
             patched=("profiles", "groups", "vectors"))
    def by_column(self) -> dict[str, sp.csr_matrix]:
        """Transposes (column → members) of the member matrices, for one-gather queries
        (defined after them: a write's patches run in this order, and this one reads them)."""
        return {name: getattr(self, name).T.tocsr() for name in _TRANSPOSED}

    @derived("ids", "groups")
    def group_walks(self) -> sp.csr_matrix:
        """Groups × groups: the chance of a random walk from one group through its members
        reaching another (:func:`~matcher.recommend.graph_signals.random_walk_weights`),
        undamped: the group ranking damps popular groups itself, by as much as it learns."""
        return random_walk_weights(self.membership, beta=0.0)

    @derived("ids", "groups")
    def group_overlap(self) -> sp.csr_matrix:
        """Groups × groups: how many members each pair of groups shares."""
        return (self.membership.T @ self.membership).tocsr()

    @derived("ids", "profiles", "groups", "vectors")
    def topic_popularity(self) -> np.ndarray:
        """How many members are interested in each topic."""
        return np.asarray(self.member_topics.sum(axis=0)).ravel()

    @derived("ids", "profiles", "groups", patch=_group_topics_after,
             patched=("profiles", "groups"))
    def group_topics(self) -> sp.csr_matrix:
        return incidence([g.topics for g in self.groups], self.topics)

    @derived("groups", "vectors")
    def group_embeddings(self) -> np.ndarray:
        return vector_matrix([g.id for g in self.groups], self.vectors.get("group", {}),
                       self.dimensions)

    def warmed(self) -> Snapshot:
        """This snapshot with every derived matrix computed now, so no later reader pays.

        A snapshot that has computed nothing yet (one read whole) computes with the cycle
        collector held off (:func:`collector_paused`): what is built holds no reference
        cycles, and at 100,000 members the collector's passes over the records just read took
        up to a sixth of the time. One made by a write has taken most over from its
        predecessor, and holding the collector off would cost it more than it saves (counting
        the objects the service keeps frozen: 40 ms at 100,000 members).

        A snapshot read whole computes in two threads: this one builds the members'
        exact-word indexes while a second computes what does not read them
        (:data:`_WORD_INDEXED`). Much of both is numpy and scipy work that lets go of the GIL:
        on two cores, at 100,000 members, the warm-up took 2.06 s against 2.38 s in one thread
        (``benchmarks/snapshot_build.py``, medians of five rounds side by side). The other
        way round was as fast but kept 40 MiB more resident: a thread's own malloc arena holds
        on to some of what it frees, and the indexes free more."""
        derived = [name for name, attribute in vars(Snapshot).items()
                   if isinstance(attribute, _Derived)]
        fresh = not any(name in self.__dict__ for name in derived)

        def compute(names: Iterable[str]) -> None:
            for name in names:
                getattr(self, name)

        with collector_paused() if fresh else nullcontext():
            if fresh:
                self.members  # noqa: B018 - what both threads read, made once, first
                with ThreadPoolExecutor(1) as aside:
                    rest = aside.submit(compute, [n for n in derived if n not in _WORD_INDEXED])
                    self.member_evidence  # noqa: B018
                    rest.result()
            compute(derived)
            self.ids.index  # noqa: B018 - computes the id lookup the same way
        return self

    # -- changes --------------------------------------------------------------------------

    def with_changes(
        self,
        *,
        connections: Sequence[Connection] | None = None,
        groups: Sequence[Group] | None = None,
    ) -> Snapshot:
        """A new snapshot with other ties or groups."""
        update: dict[str, list] = {}
        if connections is not None:
            update["connections"] = list(connections)
        if groups is not None:
            update["groups"] = list(groups)
        community = self.community.model_copy(update=update) if update else self.community
        return Snapshot(community, self.vectors, self.dismissed, self.accepted)

    def after_write(
        self,
        write: Community,
        *,
        vectors: Mapping[str, Mapping[str, np.ndarray | None]] | None = None,
        deleted: Iterable[str] = (),
        feedback: Iterable[Feedback] = (),
        unlinked: Iterable[frozenset[str]] = (),
        removed_groups: Iterable[str] = (),
    ) -> Snapshot:
        """The snapshot as the store holds it after ``write`` (upserted as a store would; topics
        and skills by id), the deletion of members ``deleted``, of the ties ``unlinked`` and of
        the groups ``removed_groups``, new embeddings and new feedback, without reading the
        store again."""
        gone, closed, cut = set(deleted), set(removed_groups), set(unlinked)
        feedback = list(feedback)
        changed: set[Input] = set()
        if gone or any(m.id not in self.ids.index for m in write.members):
            changed.update(("ids", "profiles"))
        elif write.members:
            changed.add("profiles")
        if write.connections or cut or gone:
            changed.add("ties")
        if write.groups or closed or gone:
            changed.add("groups")
        if vectors or gone or closed:
            changed.add("vectors")
        if feedback or gone or closed:
            changed.add("feedback")
        old = self.community
        members, ties, groups = old.members, old.connections, old.groups
        if "profiles" in changed and "ids" in changed:
            kept = {m.id: m for m in old.members if m.id not in gone}
            members = list((kept | {m.id: m for m in write.members}).values())
        elif "profiles" in changed:  # the same members, in order: the next takes it over
            members = list(self.members)
            for member in write.members:
                members[self.ids.index[member.id]] = member
        cut_keys = frozenset(tie_key(*pair) for pair in cut)
        if "ties" in changed:
            ties = self.tie_table.updated(write.connections, cut_keys, gone)
        if "groups" in changed:
            by_id = {g.id: g.model_copy(update={
                "members": [m for m in g.members if m not in gone],
                "coordinators": [m for m in g.coordinators if m not in gone]}) if gone else g
                for g in old.groups if g.id not in closed}
            groups = list((by_id | {g.id: g for g in write.groups}).values())
        merged = self.vectors
        if "vectors" in changed:
            removed = {"member": gone, "group": closed}
            merged = {kind: self.vectors.get(kind, _NO_VECTORS).updated(
                (vectors or {}).get(kind, {}), removed.get(kind, ()))
                for kind in {*self.vectors, *(vectors or {})}}
        # Traces of what is gone go first: a member erased and made again keeps what the new
        # member has answered since.
        ended = {"member": gone, "group": closed}
        dismissed, accepted = (
            {(who, kind, whom) for who, kind, whom in answers
             if who not in gone and whom not in ended[kind]}
            for answers in (self.dismissed, self.accepted))
        for item in feedback:
            answer = _answered(item)
            dismissed.discard(answer)
            accepted.discard(answer)
            (dismissed if item.action == "dismiss" else accepted).add(answer)
        terms = {kind: list(({t.id: t for t in getattr(old, kind)}
                             | {t.id: t for t in getattr(write, kind)}).values())
                 for kind in ("topics", "skills")}
        # Every record here was validated when it was first made.
        community = Community.model_construct(members=members, connections=ties,
                                              groups=groups, **terms)
        successor = Snapshot(community, merged, frozenset(dismissed), frozenset(accepted))
        edit = None if "ids" in changed else Edit(
            rows=sorted({self.ids.index[m.id] for m in write.members}
                        | {self.ids.index[key] for key in (vectors or {}).get("member", {})
                           if key in self.ids.index}),
            ties=write.connections, cut=cut_keys)
        made = [(name, attribute) for name, attribute in vars(Snapshot).items()
                if isinstance(attribute, _Derived) and name in self.__dict__]
        for name, attribute in made:
            if not attribute.inputs & changed:
                successor.__dict__[name] = self.__dict__[name]
        # Patches after everything taken over, in the order the class defines them: a patch
        # may read what is taken over or patched before it (interests read the embeddings),
        # which would otherwise be computed whole.
        for name, attribute in made:
            touched = attribute.inputs & changed
            if touched and attribute.patch and edit is not None and touched <= attribute.patched:
                patched = attribute.patch(successor, self, edit)
                if patched is not None:
                    successor.__dict__[name] = patched
        return successor

    def following(self, store: Store, changes: Changes, model_id: str | None) -> Snapshot:
        """The snapshot with the records ``changes`` names read again from ``store`` as they
        are now (those no longer there removed), embeddings by ``model_id``. Every trace of an
        erased member goes; if the id has been used again since, what the new member has
        done is in the changes too, and is read back."""
        found = store.get_members(changes.members)
        gone = changes.erased | (changes.members - {m.id for m in found})
        linked = {}
        for member in sorted({a for a, _ in changes.ties}):
            linked.update((key, tie) for tie in store.connections(member)
                          if (key := tie_key(tie.source, tie.target)) in changes.ties)
        kept, closed = [], []
        for group_id in sorted(changes.groups):
            try:
                kept.append(store.get_group(group_id))
            except NotFoundError:
                closed.append(group_id)
        answers = [f for member in sorted({m for m, _ in changes.feedback})
                   for f in store.feedback(member) if (f.member, f.target) in changes.feedback]
        vectors: dict[str, dict[str, np.ndarray | None]] = {}
        for kind in sorted({kind for kind, _ in changes.vectors}):
            keys = {key for k, key in changes.vectors if k == kind}
            now = store.vectors(kind, model_id, keys) if model_id else {}
            vectors[kind] = {key: now.get(key) for key in keys}
        terms = {"topics": store.terms("topic"), "skills": store.terms("skill")} \
            if changes.terms else {}
        write = Community(members=found, connections=list(linked.values()), groups=kept, **terms)
        return self.after_write(write, vectors=vectors, deleted=gone, feedback=answers,
                                unlinked=[frozenset(k) for k in changes.ties - linked.keys()],
                                removed_groups=closed)


def snapshot_from_store(store: Store, model_id: str | None) -> Snapshot:
    """Read a store whole into a snapshot; embeddings are those ``model_id`` produced."""
    read = store.read_all({
        # Not settled: a snapshot leaves out what refers to records it did not read, and a
        # served one takes in what was written meanwhile by following the change feed.
        "community": partial(store.export, columns=True, settled=False),
        "feedback": store.feedback,
        **{kind: partial(store.embeddings, kind, model_id) for kind in EMBEDDED_KINDS
           if model_id}})
    vectors = {kind: VectorRows.of(*read[kind]) if kind in read else _NO_VECTORS
               for kind in EMBEDDED_KINDS}
    feedback = read["feedback"]
    return Snapshot(read["community"], vectors,
                    frozenset(_answered(f) for f in feedback if f.action == "dismiss"),
                    frozenset(_answered(f) for f in feedback if f.action == "accept"))
