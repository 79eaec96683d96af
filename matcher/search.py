"""Finding people, topics and skills by meaning.

A query is embedded with the same model as the profiles and matched against the store's
nearest-neighbour search (Neo4j's vector index, or the embedded store's matrix). Hidden
members are never returned. Each member found comes with the evidence for it: the member's own
interests and skills closest in meaning to the query, and the query's words that their bio uses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from graph_schema.store import Store, TermKind
from matcher.encoder import Encoder
from matcher.profile_text import LEVEL_WORDS
from models import Member

__all__ = ["MemberHit", "Searcher", "TermHit"]

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
        wanted = {name: value for name, value in wanted.items() if value is not None}
        fetch = max(3 * k, 30)
        # Filters, hidden profiles and consent are applied after the vector search, so fetch more
        # until k survive or everything has been seen.
        while True:
            found = self.store.nearest("member", query, fetch, self.encoder.model_id)
            profiles = {m.id: m for m in self.store.get_members(key for key, _ in found)}
            hits = [(profiles[key], score) for key, score in found
                    if key in profiles and profiles[key].visibility != "hidden"
                    and profiles[key].consent.suggestions
                    and all(getattr(profiles[key], f) == v for f, v in wanted.items())]
            if len(hits) >= k or len(found) < fetch:
                break
            fetch *= 4
        return [MemberHit(m, score, self._reasons(m, text, query)) for m, score in hits[:k]]

    def _reasons(self, member: Member, text: str, query: np.ndarray) -> tuple[str, ...]:
        topics, skills = self._term_vectors("topic"), self._term_vectors("skill")
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

    def terms(self, kind: TermKind, text: str, k: int = 10) -> list[TermHit]:
        """The ``k`` topics or skills closest in meaning to ``text``: free text → vocabulary."""
        query = self.encoder.encode([text])[0]
        found = self.store.nearest(kind, query, k, self.encoder.model_id)
        return [TermHit(name, score) for name, score in found]
