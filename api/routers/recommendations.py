"""A member's suggestions (people like you, who can help me, groups to join) and their
feedback on them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from api.deps import CommunityDep, door
from models import Feedback
from models.api import FeedbackCreate, SuggestionKind, SuggestionList
from models.privacy import Caller
from service import suggestions

router = APIRouter(prefix="/members/{member_id}", tags=["recommendations"])


@router.get("/recommendations/{kind}", response_model=SuggestionList)
async def recommendations(
    member_id: str,
    kind: SuggestionKind,
    live: CommunityDep,
    caller: Annotated[Caller, door(suggestions.suggest)],
    k: Annotated[int, Query(ge=1, le=50, description="How many suggestions.")] = 10,
    skill: Annotated[str | None, Query(max_length=200, description="For helpers: one skill "
                                       "to find help with, instead of all the member wants.")]
    = None,
) -> SuggestionList:
    """Suggestions with their reasons, computed from memory in a few milliseconds (so on the
    event loop, without a thread hop)."""
    return suggestions.suggest(live, caller, member_id, kind, k, skill)


@router.post("/feedback", status_code=status.HTTP_201_CREATED, response_model=Feedback)
def give_feedback(member_id: str, body: FeedbackCreate, live: CommunityDep,
                  caller: Annotated[Caller, door(suggestions.give_feedback)]) -> Feedback:
    """Accept or dismiss a suggestion. A dismissed person is not suggested to the member again,
    nor the member to them."""
    return suggestions.give_feedback(live, caller, member_id, body)
