"""Search: "who knows about statistical process control in maternity?", and which groups work
on it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import CommunityDep, door
from models.api import GroupSearchResults, LookingFor, SearchResults
from models.privacy import Caller
from service import search as searching

router = APIRouter(tags=["search"])

Filter = Annotated[str | None, Query(max_length=200)]
Text = Annotated[str, Query(min_length=1, max_length=1000, description="Free text.",
                            examples=["statistical process control in maternity"])]
K = Annotated[int, Query(ge=1, le=50)]


@router.get("/search", response_model=SearchResults)
def search(
    live: CommunityDep,
    caller: Annotated[Caller, door(searching.find_members)],
    q: Text,
    k: K = 10,
    looking_for: Annotated[LookingFor, Query(description="experts: who know about it (the "
                                             "default); learners: who want to learn it; "
                                             "peers: who follow it.")] = "experts",
    role: Filter = None,
    region: Filter = None,
    organisation: Filter = None,
) -> SearchResults:
    """Members answering the text, with the evidence for each. Hidden members and those who
    withdrew consent to being suggested are never returned."""
    return searching.find_members(live, caller, q, k, looking_for=looking_for, role=role,
                                  region=region, organisation=organisation)


@router.get("/search/groups", response_model=GroupSearchResults)
def search_groups(live: CommunityDep,
                  caller: Annotated[Caller, door(searching.find_groups)],
                  q: Text, k: K = 10) -> GroupSearchResults:
    """Groups working on the text, with the evidence for each."""
    return searching.find_groups(live, caller, q, k)
