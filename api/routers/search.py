"""Search: "who knows about statistical process control in maternity?"."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import CommunityDep, Profiles
from models.api import SearchHit, SearchResults

router = APIRouter(tags=["search"])

Filter = Annotated[str | None, Query(max_length=200)]


@router.get("/search", response_model=SearchResults)
def search(
    live: CommunityDep,
    caller: Profiles,
    q: Annotated[str, Query(min_length=1, max_length=1000, description="Free text.",
                            examples=["statistical process control in maternity"])],
    k: Annotated[int, Query(ge=1, le=50)] = 10,
    role: Filter = None,
    region: Filter = None,
    organisation: Filter = None,
) -> SearchResults:
    """Members closest in meaning to the text, with the evidence for each. Hidden members and
    those who withdrew consent to being suggested are never returned."""
    hits = live.search(q, k, role=role, region=region, organisation=organisation)
    return SearchResults(query=q, data=[
        SearchHit(id=h.member.id, name=h.member.name, role=h.member.role,
                  organisation=h.member.organisation, score=round(h.score, 4),
                  reasons=list(h.reasons)) for h in hits])
