"""Finding people, the pages of a person and of an interest group, and a member's network.

*Find people* is a GET form, so a search's results have an address that can be shared or
bookmarked. Who may be found, seen or named is decided by the use cases (``service/search``,
``service/members``, ``service/groups``): these pages only show what those return.
"""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from api.deps import CommunityDep
from api.web.pages import (
    AnswerNotice,
    Form,
    PageRoute,
    SignedIn,
    form_refusal,
    redirect,
    render,
)
from models.api import LookingFor
from models.errors import QConnectError
from service import connections, groups, members, search, suggestions

router = APIRouter(route_class=PageRoute, include_in_schema=False)

FOUND = 10
"""How many people one search shows."""
GROUPS_FOUND = 3
"""How many groups working on the searched words are shown beside the people."""
LOOKING_FOR: dict[LookingFor, tuple[str, str]] = {
    "experts": ("People who know about it", "They have the skills or experience."),
    "learners": ("People who are learning it", "They want to get better at it too."),
    "peers": ("People who follow the topic", "They are interested in it."),
}
GROUPS_A_PAGE = 20
FILTERS = {"role": "Role", "region": "Region", "organisation": "Organisation"}
DONE = {"joined": "You have joined this group.", "left": "You have left this group."}

Filter = Annotated[str | None, Query(max_length=200)]


@router.get("/find", response_model=None)
def find(request: Request, signed: SignedIn, live: CommunityDep,
         q: Annotated[str | None, Query(max_length=1000)] = None,
         looking_for: LookingFor = "experts",
         role: Filter = None, region: Filter = None, organisation: Filter = None,
         notice: AnswerNotice = None) -> HTMLResponse:
    """The search form; with ``q``, the people (and a few groups) answering it."""
    caller = signed.caller
    chosen = {"role": role or None, "region": region or None,
              "organisation": organisation or None}
    choices = {field: members.list_values(live, caller, field) for field in FILTERS}
    people, found_groups, errors, status = None, [], [], 200
    if q is not None:
        try:
            people = search.find_members(live, caller, q, FOUND, looking_for=looking_for,
                                         **chosen).data
            found_groups = search.find_groups(live, caller, q, GROUPS_FOUND).data
        except QConnectError as exc:
            errors, status = form_refusal(exc)
    return render(request, "find.html", status_code=status, q=q or "",
                  looking_for=looking_for, chosen=chosen, choices=choices, filters=FILTERS,
                  kinds=LOOKING_FOR, people=people, groups=found_groups, errors=errors,
                  notice=notice, may_answer=signed.may(suggestions.give_feedback))


@router.get("/people/{member_id}", response_model=None)
def person(request: Request, member_id: str, signed: SignedIn, live: CommunityDep,
           notice: AnswerNotice = None) -> HTMLResponse:
    """A member's profile as the viewer may see it, and the groups they are in."""
    them = members.read_member(live, signed.caller, member_id)
    theirs = groups.list_groups(live, signed.caller, member=member_id, limit=100).data
    return render(request, "person.html", person=them, groups=theirs, levels=members.SKILL_LEVELS,
                  notice=notice,
                  answer=signed.may(suggestions.give_feedback) and them.id != signed.member)


@router.get("/my-network", response_model=None)
def my_network(request: Request, signed: SignedIn, live: CommunityDep,
               notice: AnswerNotice = None) -> HTMLResponse:
    """The people and groups the signed-in member is part of, and those they said yes to."""
    mine = connections.my_network(live, signed.caller, signed.member)
    return render(request, "my_network.html", network=mine, notice=notice)


@router.get("/interest-groups", response_model=None)
def all_groups(request: Request, signed: SignedIn, live: CommunityDep,
               page: Annotated[int, Query(ge=1, le=100_000)] = 1) -> HTMLResponse:
    """Every interest group, a page at a time, for browsing rather than searching."""
    shown = groups.list_groups(live, signed.caller, offset=(page - 1) * GROUPS_A_PAGE,
                               limit=GROUPS_A_PAGE)
    pages = max(1, -(-shown.count // GROUPS_A_PAGE))
    return render(request, "groups.html", groups=shown.data, count=shown.count, page=page,
                  pages=pages)


@router.get("/interest-groups/{group_id}", response_model=None)
def group(request: Request, group_id: str, signed: SignedIn, live: CommunityDep,
          done: Literal["joined", "left"] | None = None) -> HTMLResponse:
    """A group, the people in it the viewer may see, and joining or leaving it."""
    shown = groups.read_group(live, signed.caller, group_id)
    people = [members.read_member(live, signed.caller, m) for m in shown.members]
    leads = [members.read_member(live, signed.caller, m) for m in shown.coordinators]
    return render(request, "group.html", group=shown, people=people, leads=leads,
                  notice=DONE.get(done or ""), may_join=signed.may(groups.join_group),
                  joined=signed.member in shown.members,
                  leads_it=signed.member in shown.coordinators)


def _back_to(group_id: str, done: str) -> RedirectResponse:
    return redirect(f"/interest-groups/{quote(group_id, safe='')}?done={done}")


@router.post("/interest-groups/{group_id}/join", response_model=None)
def join(group_id: str, signed: SignedIn, form: Form, live: CommunityDep) -> RedirectResponse:
    groups.join_group(live, signed.caller, group_id, signed.member)
    return _back_to(group_id, "joined")


@router.post("/interest-groups/{group_id}/leave", response_model=None)
def leave(group_id: str, signed: SignedIn, form: Form, live: CommunityDep) -> RedirectResponse:
    groups.leave_group(live, signed.caller, group_id, signed.member)
    return _back_to(group_id, "left")
