"""Finding people: "who knows about statistical process control in maternity?".

Each kind of search reads its own evidence (see :mod:`matcher.search.index`):

- ``experts`` (the default): what members know — their own words (bio, role, skills), by
  exact words (BM25) and by meaning (embeddings), what their groups work on, and how well the
  members they are tied to answer by their own profiles;
- ``learners``: the skills members want to learn;
- ``peers``: the topics members named as interests, their groups and their profile's meaning.

Every kind of evidence ranks the members it has something to say about, and the rankings are
fused (:mod:`matcher.search.fusion`), with what the query names (:mod:`matcher.search.query`):
for experts, holding a named skill and at what level; for learners, wanting it; for peers,
following a named topic. Where the query is about the named terms, those come first: holders
by level above everyone else. Members who may not be found
(:func:`models.privacy.findable`) are never returned, and each member found comes with the
evidence for them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from matcher.embeddings.encoder import Encoder
from matcher.recommend.snapshot import Snapshot
from matcher.search.fusion import fused, ranks
from matcher.search.groups import group_evidence
from matcher.search.query import Named, cosines, named_terms
from matcher.search.reasons import best_answers, member_reasons
from models import Member
from models.api import LookingFor

__all__ = ["OTHERS_SHARE", "MemberHit", "search_members"]

OTHERS_SHARE = 0.5
"""The weight of what a member's groups, and the members they are tied to, each say of them
beside what their own profile says (1 for a member whose profile says nothing)."""


@dataclass(frozen=True)
class MemberHit:
    member: Member
    score: float
    reasons: tuple[str, ...]


def _best_over(incidence: sp.csr_matrix, values: np.ndarray) -> np.ndarray:
    """For each row of ``incidence``, the largest of ``values`` over its columns (0 if none)."""
    if not incidence.shape[1]:
        return np.zeros(incidence.shape[0])
    weighted = sp.csr_matrix(incidence.multiply(values[None, :]))
    return np.asarray(weighted.max(axis=1).todense()).ravel()


def _closest_term(snapshot: Snapshot, incidence: sp.csr_matrix, kind: str,
                  query: np.ndarray) -> np.ndarray:
    """For each member, how close in meaning to the query the closest of their terms of
    ``kind`` (skill or topic) that ``incidence`` gives them is."""
    vectors = snapshot.vectors.get(kind, {})
    vocabulary = snapshot.skills if kind == "skill" else snapshot.topics
    closeness = np.array([float(vectors[name] @ query) if name in vectors else 0.0
                          for name in vocabulary.names])
    return _best_over(incidence, closeness)


Evidence = list[tuple[np.ndarray, float | np.ndarray]]
"""Each kind of evidence's scores of every member for a query, with its weight (one number, or
one per member)."""


def _own_evidence(snapshot: Snapshot, text: str, query: np.ndarray,
                  looking_for: LookingFor) -> Evidence:
    """What the members' own profiles say, their words first: their words and meaning
    (experts), the skills they want (learners), the topics they follow and their profile's
    meaning (peers)."""
    index = snapshot.search_index
    if looking_for == "learners":
        return [(index.wants.scores(text), 1.0),
                (_closest_term(snapshot, snapshot.member_wants, "skill", query), 1.0)]
    # Cosines run from -1: shifted, every embedded member is ranked, the others not at all.
    meaning = (np.where(snapshot.embedded, 1 + cosines(snapshot.embeddings, query), 0.0), 1.0)
    if looking_for == "peers":
        return [(index.interests.scores(text), 1.0),
                (_closest_term(snapshot, snapshot.declared_topics, "topic", query), 1.0),
                meaning]
    # Until a member's profile is embedded, its words stand in for its meaning too.
    return [(index.knows.scores(text), np.where(snapshot.embedded, 1.0, 2.0)), meaning]


def _ties_say(snapshot: Snapshot, answers: np.ndarray) -> np.ndarray:
    """How well the members each member is tied to answer the query by their own profiles
    (``answers``, zero for members who may not be found), summed and divided by the square
    root of how many of them may be found. People who work together work on the same things,
    so a colleague of those who answer best is likely to know about it too, though their own
    profile says less; several ties that answer say more than one, and many ties are no
    evidence by themselves. Only ties between members shown to others count
    (:attr:`~matcher.recommend.snapshot.Snapshot.scoring_adjacency`)."""
    return (snapshot.scoring_adjacency @ answers) / np.sqrt(np.maximum(snapshot.findable_ties, 1))


def _others_say(snapshot: Snapshot, looking_for: LookingFor, groups_said: np.ndarray,
                answers: np.ndarray) -> Evidence:
    """What others say of the members (never of learners, who are found by what they want):
    their groups, and for experts the members they are tied to (:func:`_ties_say`).

    What a member's groups say is the sum, over their groups, of how likely each is to be what
    the query describes, divided by the square root of its size: several groups that answer
    are stronger evidence than one, and membership of a small, focused group says more about a
    member than membership of a large umbrella group."""
    if looking_for == "learners":
        return []
    # Others speak for members whose own profile says nothing; beside a profile, they are
    # weaker evidence than the member's own words.
    silent = ~snapshot.search_index.knows.worded & ~snapshot.embedded
    share = np.where(silent, 1.0, OTHERS_SHARE)
    by_size = groups_said / np.sqrt(np.maximum(snapshot.findable_in_groups, 1))
    said = [(snapshot.membership @ by_size, share)]
    if looking_for == "experts":
        said.append((_ties_say(snapshot, answers), share))
    return said


def _named_held(snapshot: Snapshot, named: Named, looking_for: LookingFor) -> np.ndarray:
    """For each member, what the query names says of them: the level at which they hold a
    named skill (experts), whether they want one (learners), how many named topics they follow
    (peers); zero for everyone when the query names nothing."""
    if looking_for == "experts" and named.skills:
        return snapshot.member_skills[:, list(named.skills)].max(axis=1).toarray().ravel()
    if looking_for == "learners" and named.skills:
        return snapshot.member_wants[:, list(named.skills)].max(axis=1).toarray().ravel()
    if looking_for == "peers" and named.topics:
        return np.asarray(snapshot.declared_topics[:, list(named.topics)].sum(axis=1)).ravel()
    return np.zeros(len(snapshot))


def search_members(snapshot: Snapshot, encoder: Encoder, text: str, k: int = 10, *,
                   looking_for: LookingFor = "experts",
                   filters: Mapping[str, str | None] | None = None) -> list[MemberHit]:
    """Up to ``k`` members answering ``text``, among those who may be found and match the
    ``filters`` given (exact role, region or organisation), best first, with the evidence."""
    if k <= 0 or not len(snapshot):
        return []
    query = encoder.encode_query(text)
    named = named_terms(text, query, snapshot.skills, snapshot.topics, snapshot.vectors)
    # Members who may not be found are ranked nowhere, so that they move no one's score.
    allowed = snapshot.findable
    said = np.where(allowed, _named_held(snapshot, named, looking_for), 0.0)

    def ranked(evidence: Evidence) -> Evidence:
        return [(ranks(np.where(allowed, found, 0.0)), weight) for found, weight in evidence]

    evidence = _own_evidence(snapshot, text, query, looking_for)
    own = ranked(evidence)
    answers = fused(own)  # how well each member's own profile answers: zero where not found
    groups_said = group_evidence(snapshot, text, query)
    score = fused([*own, *ranked([*_others_say(snapshot, looking_for, groups_said, answers),
                                  (said, 1.0)])])
    # A query about the named terms puts those they describe first; one that only mentions
    # them (a paragraph of free text) counts them as one more piece of evidence.
    about = named.about_topics if looking_for == "peers" else named.about_skills
    first = said if about else np.zeros(len(snapshot))
    wanted = {name: value for name, value in (filters or {}).items() if value is not None}
    eligible = np.flatnonzero((score > 0) | (first > 0))
    if not wanted and len(eligible) > k:
        # Only the first k are read, so only they are sorted. What comes first counts in whole
        # units and the fused evidence is always under one: their sum orders as both do.
        best = first[eligible] + score[eligible]
        eligible = eligible[best >= np.partition(best, -k)[-k]]
    order = eligible[np.lexsort((eligible, -score[eligible], -first[eligible]))]
    # Each mode's own evidence begins with the members' own words: who says the query's words.
    answering = best_answers(answers, evidence[0][0] > 0)
    hits = []
    for row in order.tolist():
        member = snapshot.members[row]
        if all(getattr(member, f) == v for f, v in wanted.items()):
            # What comes first counts in whole units, the fused evidence (always under one) in
            # fractions of one: the scores fall as the order does.
            hits.append(MemberHit(member, round(float(first[row] + score[row]), 6),
                                  member_reasons(snapshot, row, text, query, named,
                                                 looking_for, groups_said, answering)))
            if len(hits) == k:
                break
    return hits
