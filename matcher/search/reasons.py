"""Why a member answers a search, as evidence they can check: the named skill at its level
("level 4 (advanced) in statistical process control"), the skills and interests closest in
meaning to the query, the group that says most about it ("member of the Maternity safety
group"), the query's words their bio uses ("bio mentions run charts"), and the member they are
tied to whose own profile answers it best ("connected to Ana Lopez, whose profile answers
this")."""

from __future__ import annotations

import numpy as np

from matcher.embeddings.profile_text import LEVEL_WORDS
from matcher.recommend.graph_signals import row_entries
from matcher.recommend.reasons import display_name
from matcher.recommend.snapshot import Snapshot
from matcher.search.lexical import words
from matcher.search.query import Named

__all__ = ["MAX_REASONS", "REASON_SIMILARITY", "best_answers", "member_reasons"]

REASON_SIMILARITY = 0.45
"""How close in meaning (cosine) a member's skill or interest must be to the query to be cited."""
MAX_REASONS = 4
CLOSE_REASONS = 2
"""At most this many skills or interests are cited for being close in meaning, so a group or
the bio can still be named."""
BEST_ANSWERS = 10
"""A member's tie is named when their own profile is among this many that answer best."""


def _level(level: int | None) -> str:
    return f"level {level} ({LEVEL_WORDS[level]}) in" if level else "has"


def _named(snapshot: Snapshot, row: int, named: Named, looking_for: str) -> list[str]:
    member = snapshot.members[row]
    names = {snapshot.skills.names[c] for c in named.skills}
    topics = {snapshot.topics.names[c] for c in named.topics}
    if looking_for == "learners":
        return [f"wants to learn {s}" for s in member.wants_to_learn if s in names]
    if looking_for == "peers":
        return [f"interested in {t}" for t in member.interests if t in topics]
    return [f"{_level(s.level)} {s.name}" for s in member.skills if s.name in names]


def _close_in_meaning(snapshot: Snapshot, row: int, query: np.ndarray, looking_for: str,
                      already: set[str]) -> list[str]:
    member = snapshot.members[row]
    skills, topics = snapshot.vectors.get("skill", {}), snapshot.vectors.get("topic", {})
    cited: list[tuple[float, str]] = []
    if looking_for == "learners":
        cited += [(float(skills[s] @ query), f"wants to learn {s}")
                  for s in member.wants_to_learn if s in skills]
    elif looking_for == "peers":
        cited += [(float(topics[t] @ query), f"interested in {t}")
                  for t in member.interests if t in topics]
    else:
        cited += [(float(skills[s.name] @ query), f"{_level(s.level)} {s.name}")
                  for s in member.skills if s.name in skills]
    return [reason for score, reason in sorted(cited, reverse=True)
            if score >= REASON_SIMILARITY and reason not in already][:CLOSE_REASONS]


def _group(snapshot: Snapshot, row: int, groups_said: np.ndarray) -> list[str]:
    """The member's group that answers the query best, if any does."""
    groups, _ = row_entries(snapshot.membership, row)
    if not len(groups) or not groups_said[groups].max() > 0:
        return []
    return [f"member of the {snapshot.groups[int(groups[np.argmax(groups_said[groups])])].name}"
            " group"]


def _bio(snapshot: Snapshot, row: int, text: str) -> list[str]:
    bio = snapshot.members[row].bio or ""
    shared = sorted(set(words(text)) & set(words(bio)))
    return ["bio mentions " + ", ".join(shared[:4])] if shared else []


def best_answers(answers: np.ndarray, said: np.ndarray) -> np.ndarray:
    """``answers`` (how well each member's own profile answers a query) where the member's own
    words say something of it (``said``) and they are among the :data:`BEST_ANSWERS` best such
    answers, zero elsewhere: a profile only close in meaning to a query no profile bears out
    is no reason.

    >>> said = np.array([True, True, False] + [True] * 10)
    >>> best_answers(np.array([0.3, 0.0, 0.4] + [0.2] * 10), said).tolist()[:4]
    [0.3, 0.0, 0.0, 0.2]
    """
    answers = np.where(said, answers, 0.0)
    if len(answers) <= BEST_ANSWERS:
        return answers
    bar = np.partition(answers, -BEST_ANSWERS)[-BEST_ANSWERS]
    return np.where(answers >= bar, answers, 0.0)


def _tie(snapshot: Snapshot, row: int, answering: np.ndarray) -> list[str]:
    """The member's tie whose own profile answers best, among the best (``answering``, zero for
    members who may not be found): only ties between members shown to others count, as in the
    search itself."""
    ties, _ = row_entries(snapshot.scoring_adjacency, row)
    if not len(ties) or not answering[ties].max() > 0:
        return []
    tie = int(ties[np.argmax(answering[ties])])
    return [f"connected to {display_name(snapshot, tie)}, whose profile answers this"]


def member_reasons(snapshot: Snapshot, row: int, text: str, query: np.ndarray, named: Named,
                   looking_for: str, groups_said: np.ndarray,
                   answering: np.ndarray) -> tuple[str, ...]:
    """The evidence that member ``row`` answers ``text`` (embedded as ``query``; the groups'
    evidence ``groups_said``; the best answers by the members' own profiles ``answering``, from
    :func:`best_answers`), strongest first."""
    found = _named(snapshot, row, named, looking_for)
    found += _close_in_meaning(snapshot, row, query, looking_for, set(found))
    if looking_for != "learners":  # learners are found by what they want, not what they do
        found += _group(snapshot, row, groups_said)
        found += _bio(snapshot, row, text)
    if looking_for == "experts":
        found += _tie(snapshot, row, answering)
    return tuple(found[:MAX_REASONS])
