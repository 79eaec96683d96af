"""Search: "who knows about statistical process control in maternity?"."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import CommunityDep, door
from models.api import SearchResults
from models.privacy import Caller
from service import search as searching

router = APIRouter(tags=["search"])

Filter = Annotated[str | None, Query(max_length=200)]


@router.get("/search", response_model=SearchResults)
def search(
    live: CommunityDep,
    caller: Annotated[Caller, door(searching.find_members)],
    q: Annotated[str, Query(min_length=1, max_length=1000, description="Free text.",
                            examples=["statistical process control in maternity"])],
    k: Annotated[int, Query(ge=1, le=50)] = 10,
    role: Filter = None,
    region: Filter = None,
    organisation: Filter = None,
) -> SearchResults:
    """Members closest in meaning to the text, with the evidence for each. Hidden members and
    those who withdrew consent to being suggested are never returned."""
    return searching.find_members(live, caller, q, k, role=role, region=region,
                                  organisation=organisation)
