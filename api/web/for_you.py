"""*For you*: a member's suggestions with their reasons, and their answers to them.

Each signed-in role starts somewhere of its own: members here, coordinators at *Form groups*,
analysts at *Community*.
"""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from api.deps import CommunityDep
from api.web.pages import (
    AnswerNotice,
    Form,
    PageRoute,
    SignedIn,
    after_answer,
    as_bad_input,
    redirect,
    render,
)
from models.api import FeedbackCreate
from service import analytics, members, proposals, suggestions

router = APIRouter(route_class=PageRoute, include_in_schema=False)

STARTS = ((proposals.propose, "/form-groups"), (analytics.community_summary, "/community"))
"""Where those who get no suggestions start: the first page here whose use case admits them
(every role a sign-in link may carry has one)."""
@router.get("/", response_model=None)
def for_you(request: Request, signed: SignedIn, live: CommunityDep,
            notice: AnswerNotice, skill: str | None = Query(default=None, max_length=200),
            ) -> HTMLResponse | RedirectResponse:
    if not signed.may(suggestions.suggest):
        return redirect(next(href for use_case, href in STARTS if signed.may(use_case)))
    me = members.read_member(live, signed.caller, signed.member)
    wanted = list(me.wants_to_learn)
    chosen = skill if skill in wanted else (wanted[0] if wanted else None)
    caller = signed.caller
    return render(
        request, "for_you.html", me=me, wanted=wanted, chosen=chosen,
        notice=notice,
        people=suggestions.suggest(live, caller, me.id, "people", 5).data,
        helpers=(suggestions.suggest(live, caller, me.id, "helpers", 5, chosen).data
                 if chosen else []),
        groups=suggestions.suggest(live, caller, me.id, "groups", 3).data)


@router.post("/feedback", response_model=None)
def feedback(request: Request, signed: SignedIn, form: Form, live: CommunityDep
             ) -> HTMLResponse | RedirectResponse:
    """Connect or Not for me, on a person or a group: it takes effect at once, and the page
    it was given on is shown again, saying what it did."""
    with as_bad_input():
        answer = FeedbackCreate(target_kind=form.get("target_kind"),  # type: ignore[arg-type]
                                target=form.get("target"), action=form.get("action"))
    suggestions.give_feedback(live, signed.caller, signed.member, answer)
    return redirect(after_answer(form.get("back"), answer.action, answer.target_kind))
