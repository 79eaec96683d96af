"""A member's suggestions (people like you, who can help me, groups to join) and their
feedback on them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from api.deps import CommunityDep, Themself
from api.views import visible_member
from graph_schema.errors import QConnectError
from service.community import SuggestionKind
from models import Feedback
from models.api import FeedbackCreate, SuggestionList, SuggestionPublic

router = APIRouter(prefix="/members/{member_id}", tags=["recommendations"])


@router.get("/recommendations/{kind}", response_model=SuggestionList)
async def recommendations(
    member_id: str,
    kind: SuggestionKind,
    live: CommunityDep,
    caller: Themself,
    k: Annotated[int, Query(ge=1, le=50, description="How many suggestions.")] = 10,
    skill: Annotated[str | None, Query(max_length=200, description="For helpers: one skill "
                                       "to find help with, instead of all the member wants.")]
    = None,
) -> SuggestionList:
    """Suggestions with their reasons, computed from memory in a few milliseconds (so on the
    event loop, without a thread hop)."""
    if skill is not None and kind != "helpers":
        raise QConnectError("'skill' applies to helpers only")
    found, snapshot = live.suggest(kind, member_id, k, skill)
    index, records = ((snapshot.group_ids.index, snapshot.groups) if kind == "groups"
                      else (snapshot.ids.index, snapshot.members))
    return SuggestionList(member=member_id, kind=kind, data=[
        SuggestionPublic(id=s.id, name=records[index[s.id]].name, score=s.score,
                         reasons=list(s.reasons)) for s in found])


@router.post("/feedback", status_code=status.HTTP_201_CREATED, response_model=Feedback)
def give_feedback(member_id: str, body: FeedbackCreate, live: CommunityDep,
                  caller: Themself) -> Feedback:
    """Accept or dismiss a suggestion. A dismissed person is not suggested to the member again,
    nor the member to them."""
    if body.target_kind == "member":
        visible_member(live, body.target, caller)  # a hidden member is as good as unknown
    feedback = Feedback(member=member_id, **body.model_dump())
    live.record_feedback(feedback)
    return feedback
