"""*Form groups*: coordinators propose interest groups, adjust them and save them.

A proposal is computed, never stored, until it is saved, so the page carries the proposal on
screen in the form itself (one hidden field, :class:`Current`). What comes back is read with
the API's own schemas and handed to the use cases, which check again who may be seen and
placed: the hidden field is never trusted. Every button is a plain form post, so the page works
without JavaScript; proposing renders the new proposal at once (nothing was stored), saving
redirects.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from api.deps import CommunityDep
from api.web.pages import (
    Form,
    PageRoute,
    Signed,
    admitted,
    as_bad_input,
    field_errors,
    form_refusal,
    redirect,
    render,
    term_names,
)
from models.api import (
    MAX_POOL,
    PreviousProposal,
    Proposal,
    ProposalRequest,
    ProposalSave,
    ProposedGroupIn,
    Unassigned,
)
from models.domain import Identifier
from models.errors import QConnectError
from service import groups, members, proposals
from service.community import LiveCommunity

router = APIRouter(route_class=PageRoute, include_in_schema=False)

RULES = ("topic", "skill", "region", "role", "group", "groups", "min_size", "max_size",
         "max_per_organisation", "min_roles")
"""The fields of the pool-and-rules form, named as in :class:`ProposalRequest`."""
STARTING_RULES = {"min_size": "4", "max_size": "6"}


class Current(BaseModel):
    """The proposal on screen: the request that made it (its pins included, so the page can
    show who is kept where), its groups, who it left unplaced, and which groups' names the
    coordinator gave (kept when proposing again)."""

    model_config = ConfigDict(extra="forbid")

    request: ProposalRequest
    groups: list[ProposedGroupIn] = Field(min_length=1, max_length=5000)
    unassigned: list[Identifier] = Field(default=[], max_length=MAX_POOL)
    named: list[int] = Field(default=[], max_length=5000)

    @model_validator(mode="after")
    def _each_member_once(self) -> Current:
        placed = [m for g in self.groups for m in g.members] + self.unassigned
        if len(placed) != len(set(placed)):
            raise ValueError("a member is in the proposal twice")
        return self

    def without(self, gone: set[str]) -> Current:
        """The proposal with the members ``gone`` taken out of everything it says, and groups
        they leave empty dropped (pins and named groups follow the groups kept)."""
        if not gone:
            return self
        groups = [g.model_copy(update={"members": [m for m in g.members if m not in gone]})
                  for g in self.groups]
        kept = {old: new for new, old in enumerate(n for n, g in enumerate(groups) if g.members)}
        request = self.request
        return self.model_copy(update={
            "request": request.model_copy(update={
                "pool": request.pool and [m for m in request.pool if m not in gone],
                "together": [[m for m in part if m not in gone] for part in request.together],
                "apart": [pair for pair in request.apart if not gone & set(pair)],
                "pins": {m: kept[n] for m, n in request.pins.items()
                         if m not in gone and n in kept}}),
            "groups": [groups[n] for n in kept],
            "unassigned": [m for m in self.unassigned if m not in gone],
            "named": [kept[n] for n in self.named if n in kept]})


@dataclass
class Edited:
    """The proposal after the coordinator's moves, pins and labels."""

    groups: list[ProposedGroupIn]
    unassigned: list[str]
    pins: dict[str, int]
    named: set[int]
    out: set[str] = field(default_factory=set)
    typed: dict[str, str] = field(default_factory=dict)  # moves refused, shown again as typed

    def previous(self) -> PreviousProposal:
        return PreviousProposal(groups=[g.members for g in self.groups],
                                unassigned=self.unassigned)


Coordinating = Annotated[Signed, admitted(proposals.propose)]


def _asked(form: dict[str, str]) -> dict[str, Any]:
    """The pool-and-rules fields as the coordinator filled them in (blanks left out)."""
    found: dict[str, Any] = {k: form[k].strip() for k in RULES if form.get(k, "").strip()}
    focus = [line.strip() for line in form.get("focus", "").splitlines() if line.strip()]
    return {**found, "focus": focus} if focus else found


def _shown_rules(request: ProposalRequest) -> dict[str, Any]:
    """A request's pool and rules as the form's fields, to fill the form in again."""
    shown = {k: str(v) for k in RULES if (v := getattr(request, k)) is not None}
    return {**shown, "focus": list(request.focus)} if request.focus else shown


def _carried(form: dict[str, str], live: LiveCommunity, signed: Signed) -> Current:
    """The proposal the page carried (a forged one is bad input: the 400 page), without anyone
    the coordinator may no longer see (:func:`~service.proposals.no_longer_seen`)."""
    with as_bad_input():
        current = Current.model_validate_json(form.get("current", ""))
    named = {*(m for g in current.groups for m in g.members), *current.unassigned,
             *proposals.mentioned(current.request)}
    return current.without(proposals.no_longer_seen(live, signed.caller, named))


def _edited(current: Current, form: dict[str, str]) -> Edited:
    """Apply the coordinator's choices: a move pins the member in the group they were moved
    to, "keep here" pins them where they are, and groups left empty are dropped."""
    places = [list(dict.fromkeys(g.members)) for g in current.groups]
    out: set[str] = set()
    moves: dict[str, int] = {}
    for n, place in enumerate(places):
        for member in place:
            choice = form.get(f"move-{member}", "").strip() or str(n + 1)
            # Not str.isdigit: it admits digits int() refuses, such as "²".
            if not re.fullmatch(r"[0-9]{1,4}", choice) or int(choice) > len(places):
                raise QConnectError(f"group numbers run from 1 to {len(places)} (0 leaves "
                                    f"someone out of every group), not {choice[:20]!r}")
            if int(choice) == 0:
                out.add(member)
            elif int(choice) != n + 1:
                moves[member] = int(choice) - 1
    for n, place in enumerate(places):
        place[:] = [m for m in place if m not in out and moves.get(m, n) == n]
    for member, n in moves.items():
        places[n].append(member)
    kept = [n for n, place in enumerate(places) if place]
    new_index = {old: new for new, old in enumerate(kept)}
    pins = {m: new_index[n] for n in kept for m in places[n]
            if m in moves or form.get(f"keep-{m}")}
    labelled = _labelled(current, form)
    edited = [labelled[n].model_copy(update={"members": places[n]}) for n in kept]
    named = {new_index[n] for n in _named(current, labelled) if n in new_index}
    return Edited(edited, [*current.unassigned, *sorted(out)], pins, named, out)


def _labelled(current: Current, form: dict[str, str], *, strict: bool = True
              ) -> list[ProposedGroupIn]:
    """The groups on screen with the names in the form, each checked as the API checks one; a
    name refused is bad input, or with ``strict`` off, the name shown before."""
    groups = []
    for n, group in enumerate(current.groups):
        try:
            groups.append(ProposedGroupIn.model_validate(
                {**group.model_dump(), "label": form.get(f"label-{n}", group.label)}))
        except ValidationError as exc:
            if strict:
                raise QConnectError(f"name of group {n + 1}: "
                                    + "; ".join(field_errors(exc))) from None
            groups.append(group)
    return groups


def _named(current: Current, labelled: list[ProposedGroupIn]) -> set[int]:
    """The groups whose names the coordinator gave: typed now (``labelled``), or before."""
    return {n for n, (shown, now) in enumerate(zip(current.groups, labelled, strict=True))
            if n in current.named or now.label != shown.label}


def _unedited(current: Current, form: dict[str, str]) -> Edited:
    """The proposal on screen with the names the coordinator typed and none of their moves:
    what is shown again when the moves are refused, with the moves and "keep here" choices
    as typed, so that the one refused can be corrected and none of the others is lost."""
    labelled = _labelled(current, form, strict=False)
    typed = {k: v for k, v in form.items() if k.startswith(("move-", "keep-"))}
    return Edited(labelled, list(current.unassigned), dict(current.request.pins),
                  _named(current, labelled), typed=typed)


def _names_kept(proposal: Proposal, edited: Edited) -> set[int]:
    """Give groups of a new proposal the names the coordinator gave the groups they grew from,
    and say which groups those are: the pairs of a named group and a new group sharing most
    members are matched first, each group at most once."""
    pairs = sorted(((len(set(edited.groups[n].members) & set(g.members)), n, new)
                    for n in edited.named for new, g in enumerate(proposal.groups)),
                   key=lambda pair: (-pair[0], pair[1], pair[2]))
    given: set[int] = set()
    kept: set[int] = set()
    for shared, n, new in pairs:
        if shared and n not in given and new not in kept:
            proposal.groups[new].label = edited.groups[n].label or proposal.groups[new].label
            given.add(n)
            kept.add(new)
    return kept


def _next_request(current: Current, edited: Edited) -> ProposalRequest:
    """The request that proposes again from the edited groups, keeping the rest: the same
    pool and rules, the edited groups as the start, and the pins; members left out are taken
    out of the pool."""
    with as_bad_input():  # validated whole: what the page carried may have been forged
        previous = edited.previous()
        pool = current.request.pool
        if edited.out:
            pool = [m for m in (pool or previous.members()) if m not in edited.out]
        return ProposalRequest.model_validate({
            **current.request.model_dump(), "previous": previous.model_dump(),
            "pins": edited.pins, "pool": pool})


def _choices(live: LiveCommunity, signed: Signed) -> dict[str, Any]:
    """What the pool can be narrowed to: the community's topics and skills (suggested as
    they are typed), and its regions, roles and groups (chosen as value and text)."""
    caller = signed.caller
    return {
        "topics": term_names(live, signed, "topic"),
        "skills": term_names(live, signed, "skill"),
        "regions": [(r, r) for r in members.list_values(live, caller, "region")],
        "roles": [(r, r) for r in members.list_values(live, caller, "role")],
        "groups": [(g.id, g.name) for g in groups.list_groups(live, caller, limit=1000).data],
    }


def _page(request: Request, live: LiveCommunity, signed: Signed, *, asked: dict[str, Any],
          proposal: Proposal | None = None, current: Current | None = None,
          errors: list[str] | None = None, status_code: int = 200,
          typed: dict[str, str] | None = None) -> HTMLResponse:
    """The form, filled in with ``asked``, and the proposal on screen if there is one, its
    moves as ``typed`` when they were refused."""
    people = {}
    if proposal is not None:
        ids = [m for g in proposal.groups for m in g.members] + [u.id for u in proposal.unassigned]
        people = {m: members.read_member(live, signed.caller, m) for m in ids}
    return render(request, "form_groups.html", status_code=status_code,
                  asked=asked, proposal=proposal, people=people, errors=errors,
                  current=current.model_dump_json(exclude_none=True) if current else None,
                  pins=current.request.pins if current else {}, typed=typed,
                  **_choices(live, signed))


def _on_screen(request: ProposalRequest, proposal: Proposal,
               named: set[int] | None = None) -> Current:
    """What the page carries for ``proposal``: its request (without the start it was made
    from, which the proposal itself replaces), its groups, and those ``named`` by the
    coordinator."""
    return Current(request=request.model_copy(update={"previous": None}),
                   groups=[ProposedGroupIn(members=g.members, label=g.label, topics=g.topics)
                           for g in proposal.groups],
                   unassigned=[u.id for u in proposal.unassigned],
                   named=sorted(named or ()))


def _as_report(live: LiveCommunity, signed: Signed, request: ProposalRequest,
               edited: Edited) -> tuple[Proposal | None, Current | None]:
    """The edited proposal, reported as it stands, with the names the coordinator gave its
    groups, to show again beside an error; nothing when it cannot be (it names someone the
    caller may not see, say)."""
    try:
        shown = proposals.report(live, signed.caller, edited.previous())
    except QConnectError:
        return None, None
    for group, given in zip(shown.groups, edited.groups, strict=True):  # both in one order
        group.label = given.label or group.label
    return shown, _on_screen(request.model_copy(update={"pins": edited.pins}), shown,
                             edited.named)


def _refused(request: Request, live: LiveCommunity, signed: Signed,
             wanted: ProposalRequest, edited: Edited, exc: QConnectError) -> HTMLResponse:
    """The page again after a refused proposal or save: why, beside the proposal as it stands
    (``edited``), so that nothing the coordinator did is lost."""
    errors, status = form_refusal(exc)
    shown, current = _as_report(live, signed, wanted, edited)
    return _page(request, live, signed, asked=_shown_rules(wanted), proposal=shown,
                 current=current, errors=errors, status_code=status, typed=edited.typed)


def _list_left_out(proposal: Proposal, previous: PreviousProposal) -> None:
    """Keep in view those the coordinator left out (the pool no longer holds them), so they
    can be seen and brought back by proposing afresh."""
    shown = {m for g in proposal.groups for m in g.members} | {u.id for u in proposal.unassigned}
    proposal.unassigned += [Unassigned(id=m, reason=proposals.LEFT_OUT)
                            for m in previous.members() if m not in shown]


@router.get("/form-groups", response_model=None)
def form_groups(request: Request, signed: Coordinating, live: CommunityDep) -> HTMLResponse:
    return _page(request, live, signed, asked=STARTING_RULES)


@router.post("/form-groups/propose", response_model=None)
def propose(request: Request, signed: Coordinating, form: Form, live: CommunityDep
            ) -> HTMLResponse:
    """A first proposal from the pool-and-rules form, or, when the page carries a proposal,
    a new one that keeps the rest of it around the coordinator's moves and pins."""
    edited = None
    if "current" in form:
        current = _carried(form, live, signed)
        asked = _shown_rules(current.request)
        try:
            edited = _edited(current, form)
        except QConnectError as exc:
            return _refused(request, live, signed, current.request, _unedited(current, form), exc)
        wanted = _next_request(current, edited)
    else:
        asked = _asked(form)
        try:
            wanted = ProposalRequest.model_validate(asked)
        except ValidationError as exc:
            errors, status = form_refusal(exc)
            return _page(request, live, signed, asked=asked, errors=errors, status_code=status)
    try:
        proposal = proposals.propose(live, signed.caller, wanted)
    except QConnectError as exc:
        if edited is not None:
            return _refused(request, live, signed, wanted, edited, exc)
        errors, status = form_refusal(exc)
        return _page(request, live, signed, asked=asked, errors=errors, status_code=status)
    named = None
    if edited is not None:
        _list_left_out(proposal, edited.previous())
        named = _names_kept(proposal, edited)
    return _page(request, live, signed, asked=asked, proposal=proposal,
                 current=_on_screen(wanted, proposal, named))


@router.post("/form-groups/save", response_model=None)
def save(request: Request, signed: Coordinating, form: Form, live: CommunityDep
         ) -> HTMLResponse | RedirectResponse:
    """Save the groups on screen, as edited, coordinated by the signed-in coordinator."""
    current = _carried(form, live, signed)
    edited = _unedited(current, form)
    try:
        edited = _edited(current, form)
        with as_bad_input():
            chosen = ProposalSave(groups=edited.groups)
        saved = proposals.save(live, signed.caller, chosen)
    except QConnectError as exc:
        return _refused(request, live, signed, current.request, edited, exc)
    # One parameter, ids joined by commas (which ids never hold): a parameter given twice is
    # refused everywhere in the service.
    return redirect("/form-groups/saved?" + urlencode({"groups": ",".join(g.id for g in saved)}))


@router.get("/form-groups/saved", response_model=None)
def saved_groups(request: Request, signed: Coordinating, live: CommunityDep,
                 ids: Annotated[str, Query(alias="groups", max_length=200_000)] = ""
                 ) -> HTMLResponse:
    """The groups just saved, each linked to its page."""
    found = [groups.read_group(live, signed.caller, g) for g in ids.split(",") if g]
    return render(request, "groups_saved.html", saved=found)
