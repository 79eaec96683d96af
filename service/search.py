"""Search: "who knows about statistical process control in maternity?", which groups work on
it, and free text mapped to the vocabulary of topics and skills."""

from __future__ import annotations

from matcher.search.groups import search_groups
from matcher.search.members import search_members
from matcher.search.terms import TermHit, search_terms
from models import TermKind
from models.api import GroupSearchHit, GroupSearchResults, LookingFor, SearchHit, SearchResults
from models.errors import QConnectError
from models.privacy import Caller
from service.access import ANYONE, PROFILES, allow
from service.community import LiveCommunity
from service.vocabulary import names_shown

__all__ = ["find_groups", "find_members", "find_terms"]


def _asked(text: str) -> str:
    """``text``, refused when it says nothing to search for."""
    if not text.strip():
        raise QConnectError("the search text is blank: say what you are looking for")
    return text


@allow(*PROFILES)
def find_members(live: LiveCommunity, caller: Caller, text: str, k: int = 10, *,
                 looking_for: LookingFor = "experts", role: str | None = None,
                 region: str | None = None, organisation: str | None = None) -> SearchResults:
    """Members answering ``text`` — who know about it (``experts``), want to learn it
    (``learners``) or follow it (``peers``) — with the evidence for each. Members who are
    hidden or withdrew consent to being suggested are never returned."""
    hits = search_members(live.snapshot, live.encoder, _asked(text), k, looking_for=looking_for,
                          filters={"role": role, "region": region, "organisation": organisation})
    return SearchResults(query=text, looking_for=looking_for, data=[
        SearchHit(id=h.member.id, name=h.member.name, role=h.member.role,
                  organisation=h.member.organisation, region=h.member.region,
                  score=h.score, reasons=list(h.reasons)) for h in hits])


@allow(*PROFILES)
def find_groups(live: LiveCommunity, caller: Caller, text: str, k: int = 10
                ) -> GroupSearchResults:
    """Groups working on ``text``, with the evidence for each."""
    hits = search_groups(live.snapshot, live.encoder, _asked(text), k)
    return GroupSearchResults(query=text, data=[
        GroupSearchHit(id=h.group.id, name=h.group.name, topics=h.group.topics, score=h.score,
                       reasons=list(h.reasons)) for h in hits])


@allow(*ANYONE)
def find_terms(live: LiveCommunity, caller: Caller, kind: TermKind, text: str,
               k: int = 10) -> list[TermHit]:
    """The topics or skills closest in meaning to ``text``, of those the caller may be offered
    (:func:`~service.vocabulary.names_shown`)."""
    snapshot = live.snapshot
    shown = names_shown(snapshot, caller, kind)
    hits = search_terms(snapshot, live.encoder, kind, _asked(text),
                        len(snapshot.vectors.get(kind, {})))
    return [hit for hit in hits if hit.name in shown][:k]
