"""Interest groups: reading, creating and editing them, membership, and proposals for
coordinators."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Response, status

from api.deps import Allow, Caller, CommunityDep, Coordinator, Profiles
from api.views import group_public, visible_member
from graph_schema.errors import ConflictError, NotFoundError
from service.community import LiveCommunity
from matcher.groups.formation import GroupRules, form_groups
from matcher.groups.proposals import describe, select_pool
from models import Group
from models.api import (
    GroupCreate,
    GroupPublic,
    Page,
    Proposal,
    ProposalRequest,
    ProposalSave,
)

router = APIRouter(prefix="/groups", tags=["groups"])

Joiner = Annotated[Caller, Depends(Allow("member", "coordinator", "admin", own=True))]


def _placeable(live: LiveCommunity, members: Iterable[str], caller: Caller,
               coordinators: Iterable[str] = ()) -> None:
    """Everyone named must be someone the caller may see (a hidden member is as good as
    unknown); coordinators and admins place only members who consented to it, while a member
    joins by themself."""
    for member_id in coordinators:
        visible_member(live, member_id, caller)
    for member_id in members:
        member = visible_member(live, member_id, caller)
        if member_id != caller.member and not member.consent.groups:
            raise ConflictError(f"{member_id} has not consented to be placed in interest groups")


@router.get("", response_model=Page[GroupPublic])
def list_groups(
    live: CommunityDep,
    caller: Profiles,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Page[GroupPublic]:
    snapshot = live.snapshot
    groups = snapshot.groups  # ordered by id already
    return Page(data=[group_public(g, snapshot, caller) for g in groups[offset : offset + limit]],
                count=len(groups))


@router.get("/{group_id}", response_model=GroupPublic)
def read_group(group_id: str, live: CommunityDep, caller: Profiles) -> GroupPublic:
    return group_public(live.group(group_id), live.snapshot, caller)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=GroupPublic)
def create_group(body: GroupCreate, live: CommunityDep, caller: Coordinator) -> GroupPublic:
    group = Group.model_validate(body.model_dump())
    live.add_group(group, lambda g: _placeable(live, g.members, caller, g.coordinators))
    return group_public(group, live.snapshot, caller)


@router.put("/{group_id}", response_model=GroupPublic)
def replace_group(group_id: str, body: GroupCreate, live: CommunityDep,
                  caller: Coordinator) -> GroupPublic:
    """Replace a group whole: name, description, topics, members and coordinators."""
    if body.id != group_id:
        raise HTTPException(400, "the body's id must be the group id in the path")
    group = Group.model_validate(body.model_dump())

    def replaced(old: Group) -> Group:
        _placeable(live, set(group.members) - set(old.members), caller,
                   set(group.coordinators) - set(old.coordinators))
        return group

    return group_public(live.update_group(group_id, replaced), live.snapshot, caller)


@router.delete("/{group_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_group(group_id: str, live: CommunityDep, caller: Coordinator) -> Response:
    live.delete_group(group_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put("/{group_id}/members/{member_id}", response_model=GroupPublic)
def add_to_group(group_id: str, member_id: str, live: CommunityDep,
                 caller: Joiner) -> GroupPublic:
    """A member joins (with their own key), or a coordinator places a consenting member."""

    def joined(group: Group) -> Group:
        _placeable(live, [member_id], caller)
        if member_id in group.members:
            return group
        return group.model_copy(update={
            "members": [*group.members, member_id],
            "coordinators": [c for c in group.coordinators if c != member_id]})

    return group_public(live.update_group(group_id, joined), live.snapshot, caller)


@router.delete("/{group_id}/members/{member_id}", response_model=GroupPublic)
def remove_from_group(group_id: str, member_id: str, live: CommunityDep,
                      caller: Joiner) -> GroupPublic:
    def left(group: Group) -> Group:
        visible_member(live, member_id, caller)
        if member_id not in group.members:
            raise NotFoundError("group member", member_id)
        return group.model_copy(update={"members": [m for m in group.members if m != member_id]})

    return group_public(live.update_group(group_id, left), live.snapshot, caller)


def _mentioned(body: ProposalRequest) -> set[str]:
    ids = {*(body.pool or ()), *body.pins}
    for part in (*body.together, *body.apart, *(body.previous or ())):
        ids.update(part)
    return ids


@router.post("/proposals", response_model=Proposal)
def propose_groups(body: ProposalRequest, live: CommunityDep, caller: Coordinator) -> Any:
    """Propose coherent groups from a pool within the rules; nothing is saved. Send the
    (possibly edited) proposal to ``/groups/proposals/save`` to create the groups."""
    for member_id in _mentioned(body):
        visible_member(live, member_id, caller)  # a hidden member is as good as unknown
    snapshot = live.snapshot
    rows, excluded = select_pool(snapshot, body.pool, topic=body.topic, skill=body.skill,
                                 region=body.region, role=body.role, group=body.group)
    rules = GroupRules(min_size=body.min_size, max_size=body.max_size, groups=body.groups,
                       max_per_organisation=body.max_per_organisation,
                       min_roles=body.min_roles, together=tuple(map(tuple, body.together)),
                       apart=tuple(body.apart), pins=body.pins, focus=tuple(body.focus),
                       known_weight=body.known_weight)
    partition = form_groups(snapshot, rows, rules, seed=body.seed, excluded=excluded,
                            previous=body.previous)
    return describe(snapshot, partition)


@router.post("/proposals/save", status_code=status.HTTP_201_CREATED,
             response_model=list[GroupPublic])
def save_proposal(body: ProposalSave, live: CommunityDep,
                  caller: Coordinator) -> list[GroupPublic]:
    """Create a proposal's groups, each coordinated by ``coordinator`` (default: the member
    the key acts for): all of them, or on any problem none."""
    coordinator = body.coordinator or caller.member
    if coordinator is None:
        raise HTTPException(400, "name the groups' coordinator: this key acts for no member")
    if caller.role == "coordinator" and caller.member and coordinator != caller.member:
        raise HTTPException(403, "a coordinator key saves groups for its own member only")
    _placeable(live, {m for g in body.groups for m in g.members}, caller, [coordinator])
    saved = live.save_proposal(body.model_dump(), coordinator, prefix=body.prefix)
    snapshot = live.snapshot
    return [group_public(g, snapshot, caller) for g in saved]
