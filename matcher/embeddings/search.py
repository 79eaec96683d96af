"""Finding people, topics and skills by meaning.

A query is embedded with the same model as the profiles and matched against the snapshot's
embedding matrix: exact cosine, no store round trip, and the same community as the suggestions
beside it. Members who may not be found (:func:`models.privacy.findable`) are never returned.
Each member found comes with the evidence for it: the member's own interests and skills closest
in meaning to the query, and the query's words that their bio uses.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from matcher.embeddings.encoder import Encoder
from matcher.embeddings.profile_text import LEVEL_WORDS
from matcher.recommend.snapshot import Snapshot
from models import Member, TermKind
from models.privacy import findable

__all__ = ["MemberHit", "TermHit", "search_snapshot", "search_terms"]

REASON_SIMILARITY = 0.45
"""How close in meaning (cosine) a member's interest or skill must be to the query to be cited."""
MAX_REASONS = 3


@dataclass(frozen=True)
class MemberHit:
    member: Member
    score: float
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class TermHit:
    name: str
    score: float


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z][a-z-]{3,}", text.lower()) if w not in ENGLISH_STOP_WORDS}


def _evidence(member: Member, text: str, query: np.ndarray, topics: Mapping[str, np.ndarray],
              skills: Mapping[str, np.ndarray]) -> tuple[str, ...]:
    """Why ``member`` answers ``text``: their interests and skills closest in meaning to the
    query (``topics`` and ``skills``: name → unit vector), and the query's words their bio
    uses."""
    cited: list[tuple[float, str]] = []
    for name in member.interests:
        if name in topics:
            cited.append((float(topics[name] @ query), f"interested in {name}"))
    for skill in member.skills:
        if skill.name in skills:
            level = f" ({LEVEL_WORDS[skill.level]})" if skill.level else ""
            cited.append((float(skills[skill.name] @ query), f"skilled in {skill.name}{level}"))
    for name in member.wants_to_learn:
        if name in skills:
            cited.append((float(skills[name] @ query), f"wants to learn {name}"))
    reasons = [reason for score, reason in sorted(cited, reverse=True)
               if score >= REASON_SIMILARITY][:MAX_REASONS]
    shared = sorted(_words(text) & _words(member.bio or ""))
    if shared:
        reasons.append("bio mentions " + ", ".join(shared[:4]))
    return tuple(reasons)


def _findable(member: Member, wanted: Mapping[str, str | None]) -> bool:
    """May ``member`` be found (:func:`models.privacy.findable`), and do they match the
    filters that are set?"""
    return findable(member) and all(value is None or getattr(member, name) == value
                                    for name, value in wanted.items())


def search_snapshot(snapshot: Snapshot, encoder: Encoder, text: str, k: int = 10, *,
                    role: str | None = None, region: str | None = None,
                    organisation: str | None = None) -> list[MemberHit]:
    """Up to ``k`` members whose profiles are closest in meaning to ``text``, among those who
    may be found and match the filters given, with the evidence for each."""
    embedded = snapshot.embedded
    if k <= 0 or not embedded.any():
        return []
    query = encoder.encode([text])[0]
    wanted = {"role": role, "region": region, "organisation": organisation}
    scores = snapshot.embeddings @ query
    order = np.argsort(-scores, kind="stable")  # rows are in id order: ties go by id
    topics, skills = snapshot.vectors.get("topic", {}), snapshot.vectors.get("skill", {})
    hits = []
    for row in order:
        member = snapshot.members[row]
        if embedded[row] and _findable(member, wanted):
            hits.append(MemberHit(member, float(scores[row]),
                                  _evidence(member, text, query, topics, skills)))
            if len(hits) == k:
                break
    return hits


def search_terms(snapshot: Snapshot, encoder: Encoder, kind: TermKind,
                 text: str, k: int = 10) -> list[TermHit]:
    """The ``k`` topics or skills closest in meaning to ``text``: free text → vocabulary."""
    vectors = snapshot.vectors.get(kind, {})
    if k <= 0 or not vectors:
        return []
    names = sorted(vectors)
    scores = np.array([vectors[name] for name in names]) @ encoder.encode([text])[0]
    return [TermHit(names[i], float(scores[i])) for i in np.argsort(-scores, kind="stable")[:k]]
