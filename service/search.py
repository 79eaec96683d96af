"""Search: "who knows about statistical process control in maternity?", and free text mapped
to the vocabulary of topics and skills."""

from __future__ import annotations

from matcher.embeddings.search import TermHit, search_snapshot, search_terms
from models import TermKind
from models.api import SearchHit, SearchResults
from models.privacy import Caller
from service.access import ANYONE, PROFILES, allow
from service.community import LiveCommunity

__all__ = ["find_members", "find_terms"]


@allow(*PROFILES)
def find_members(live: LiveCommunity, caller: Caller, text: str, k: int = 10, *,
                 role: str | None = None, region: str | None = None,
                 organisation: str | None = None) -> SearchResults:
    """Members closest in meaning to ``text``, with the evidence for each. Members who are
    hidden or withdrew consent to being suggested are never returned."""
    hits = search_snapshot(live.snapshot, live.encoder, text, k, role=role, region=region,
                           organisation=organisation)
    return SearchResults(query=text, data=[
        SearchHit(id=h.member.id, name=h.member.name, role=h.member.role,
                  organisation=h.member.organisation, region=h.member.region,
                  score=round(h.score, 4), reasons=list(h.reasons)) for h in hits])


@allow(*ANYONE)
def find_terms(live: LiveCommunity, caller: Caller, kind: TermKind, text: str,
               k: int = 10) -> list[TermHit]:
    """The topics or skills closest in meaning to ``text``."""
    return search_terms(live.snapshot, live.encoder, kind, text, k)
