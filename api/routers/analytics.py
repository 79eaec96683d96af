"""Aggregates, pseudonymised exports and the evaluation summary, for analysts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status

from api.deps import CommunityDep, door
from models.api import EvaluationStatus
from models.privacy import Caller
from models.settings import get_settings
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
    consent to analytics are left out with their ties. Every combination of profile fields
    shown (organisation, role, region, year joined, interests, skills, wants) is shown by at
    least k records (``anonymity.k``); rarer values are withheld."""
    return analytics.pseudonymised(live, caller)


@router.get("/evaluation", response_model=EvaluationStatus, responses={
    status.HTTP_202_ACCEPTED: {"model": EvaluationStatus, "description": (
        "No figures for this k yet: the first evaluation is running or waiting its turn. Ask "
        "the same URL again (Location) after Retry-After seconds.")}})
def evaluation(
    request: Request,
    response: Response,
    live: CommunityDep,
    caller: Annotated[Caller, door(analytics.evaluation)],
    k: Annotated[int, Query(ge=1, le=50)] = 10,
) -> EvaluationStatus:
    """Offline quality of suggestions against baselines on held-out ties (see
    ``qconnect evaluate``), over members who consent to analytics, with what training chose
    and why. Evaluations run in the background, one at a time: the answer is the last figures
    for k at once, with the revision of the community they were computed for (``revision``,
    against ``current_revision``) and their age; a newer evaluation starts when the community
    has changed since (``refreshing``). Before the first figures for k, 202."""
    found = analytics.evaluation(live, caller, k)
    if found.status != "ready":
        response.status_code = status.HTTP_202_ACCEPTED
        response.headers["Location"] = str(request.url.include_query_params(k=k))
        response.headers["Retry-After"] = str(get_settings().retry_after)
    return found
