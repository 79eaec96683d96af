"""Aggregates, pseudonymised exports and the evaluation summary, for analysts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.deps import CommunityDep, door
from models.privacy import Caller
from service import analytics

router = APIRouter(prefix="/analytics", tags=["analytics"])


@router.get("/summary", response_model=dict[str, Any])
def community_summary(live: CommunityDep,
                      caller: Annotated[Caller, door(analytics.community_summary)]
                      ) -> dict[str, Any]:
    """Size, roles, regions, degrees and the share of ties across organisations, over members
    who consent to analytics."""
    return analytics.community_summary(live, caller)


@router.get("/export", response_model=dict[str, Any])
def pseudonymised(live: CommunityDep,
                  caller: Annotated[Caller, door(analytics.pseudonymised)]) -> dict[str, Any]:
    """Members, ties and memberships under pseudonyms; members who are hidden or withheld
    consent to analytics are left out with their ties."""
    return analytics.pseudonymised(live, caller)


@router.get("/evaluation", response_model=dict[str, Any])
def evaluation(
    live: CommunityDep,
    caller: Annotated[Caller, door(analytics.evaluation)],
    k: Annotated[int, Query(ge=1, le=50)] = 10,
) -> dict[str, Any]:
    """Offline quality of suggestions against baselines on held-out ties (see
    ``qconnect evaluate``), over members who consent to analytics, with what training chose
    and why. Computed once per state of the community and k, then served from memory."""
    return analytics.evaluation(live, caller, k)
