"""Finding people, topics and skills by meaning.

A query is embedded with the same model as the profiles and matched against the store's
nearest-neighbour search (Neo4j's vector index, or the embedded store's matrix) by
:class:`Searcher`, or, in the service, which holds the community in memory anyway, against the
snapshot's embedding matrix by :func:`search_snapshot`: exact cosine, no store round trip, and
the same community as the suggestions beside it. Hidden members are never returned. Each
member found comes with the evidence for it: the member's own interests and skills closest in
meaning to the query, and the query's words that their bio uses.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from graph_schema.store import Store, TermKind
from matcher.embeddings.encoder import Encoder
from matcher.embeddings.profile_text import LEVEL_WORDS
from matcher.recommend.snapshot import Snapshot
from models import Member

__all__ = ["MemberHit", "Searcher", "TermHit", "search_snapshot"]

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
    """May ``member`` be found, and do they match the filters that are set?"""
    return (member.visibility != "hidden" and member.consent.suggestions
            and all(value is None or getattr(member, name) == value
                    for name, value in wanted.items()))


def search_snapshot(snapshot: Snapshot, encoder: Encoder, text: str, k: int = 10, *,
                    role: str | None = None, region: str | None = None,
                    organisation: str | None = None) -> list[MemberHit]:
    """As :meth:`Searcher.members`, by exact cosine over the snapshot's profile embeddings."""
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


class Searcher:
    """Search over one store with one encoder; term embeddings are loaded once and reused."""

    def __init__(self, store: Store, encoder: Encoder) -> None:
        self.store = store
        self.encoder = encoder
        self._terms: dict[str, dict[str, np.ndarray]] = {}

    def _term_vectors(self, kind: TermKind) -> dict[str, np.ndarray]:
        if kind not in self._terms:
            keys, matrix = self.store.embeddings(kind, self.encoder.model_id)
            self._terms[kind] = dict(zip(keys, matrix, strict=True))
        return self._terms[kind]

    def members(
        self,
        text: str,
        k: int = 10,
        *,
        role: str | None = None,
        region: str | None = None,
        organisation: str | None = None,
    ) -> list[MemberHit]:
        """Up to ``k`` members whose profiles are closest in meaning to ``text``, among those
        not hidden who consent to being suggested."""
        query = self.encoder.encode([text])[0]
        wanted = {"role": role, "region": region, "organisation": organisation}
        fetch = max(3 * k, 30)
        # Filters, hidden profiles and consent are applied after the vector search, so fetch more
        # until k survive or everything has been seen.
        while True:
            found = self.store.nearest("member", query, fetch, self.encoder.model_id)
            profiles = {m.id: m for m in self.store.get_members(key for key, _ in found)}
            hits = [(profiles[key], score) for key, score in found
                    if key in profiles and _findable(profiles[key], wanted)]
            if len(hits) >= k or len(found) < fetch:
                break
            fetch *= 4
        topics, skills = self._term_vectors("topic"), self._term_vectors("skill")
        return [MemberHit(m, score, _evidence(m, text, query, topics, skills))
                for m, score in hits[:k]]

    def terms(self, kind: TermKind, text: str, k: int = 10) -> list[TermHit]:
        """The ``k`` topics or skills closest in meaning to ``text``: free text → vocabulary."""
        query = self.encoder.encode([text])[0]
        found = self.store.nearest(kind, query, k, self.encoder.model_id)
        return [TermHit(name, score) for name, score in found]
