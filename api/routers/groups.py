"""Interest groups: reading, creating and editing them, membership, and proposals for
coordinators."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from api.deps import CommunityDep, door
from models import Group
from models.api import (
    GroupCreate,
    GroupPublic,
    Page,
    Proposal,
    ProposalRequest,
    ProposalSave,
)
from models.privacy import Caller
from service import groups, proposals

router = APIRouter(prefix="/groups", tags=["groups"])


@router.get("", response_model=Page[GroupPublic])
def list_groups(
    live: CommunityDep,
    caller: Annotated[Caller, door(groups.list_groups)],
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    member: Annotated[str | None, Query(max_length=200,
                                        description="Only the groups this member belongs to "
                                        "or coordinates.")] = None,
) -> Page[GroupPublic]:
    return groups.list_groups(live, caller, offset=offset, limit=limit, member=member)


@router.get("/{group_id}", response_model=GroupPublic)
def read_group(group_id: str, live: CommunityDep,
               caller: Annotated[Caller, door(groups.read_group)]) -> GroupPublic:
    return groups.read_group(live, caller, group_id)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=GroupPublic)
def create_group(body: GroupCreate, live: CommunityDep,
                 caller: Annotated[Caller, door(groups.create_group)]) -> GroupPublic:
    return groups.create_group(live, caller, Group.model_validate(body.model_dump()))


@router.put("/{group_id}", response_model=GroupPublic)
def replace_group(group_id: str, body: GroupCreate, live: CommunityDep,
                  caller: Annotated[Caller, door(groups.replace_group)]) -> GroupPublic:
    """Replace a group whole: name, description, topics, members and coordinators."""
    return groups.replace_group(live, caller, group_id, Group.model_validate(body.model_dump()))


@router.delete("/{group_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_group(group_id: str, live: CommunityDep,
                 caller: Annotated[Caller, door(groups.delete_group)]) -> Response:
    groups.delete_group(live, caller, group_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put("/{group_id}/members/{member_id}", response_model=GroupPublic)
def add_to_group(group_id: str, member_id: str, live: CommunityDep,
                 caller: Annotated[Caller, door(groups.join_group)]) -> GroupPublic:
    """A member joins (with their own key), or a coordinator places a consenting member."""
    return groups.join_group(live, caller, group_id, member_id)


@router.delete("/{group_id}/members/{member_id}", response_model=GroupPublic)
def remove_from_group(group_id: str, member_id: str, live: CommunityDep,
                      caller: Annotated[Caller, door(groups.leave_group)]) -> GroupPublic:
    return groups.leave_group(live, caller, group_id, member_id)


@router.post("/proposals", response_model=Proposal)
def propose_groups(body: ProposalRequest, live: CommunityDep,
                   caller: Annotated[Caller, door(proposals.propose)]) -> Proposal:
    """Propose coherent groups from a pool within the rules; nothing is saved. Send the
    (possibly edited) proposal to ``/groups/proposals/save`` to create the groups."""
    return proposals.propose(live, caller, body)


@router.post("/proposals/save", status_code=status.HTTP_201_CREATED,
             response_model=list[GroupPublic])
def save_proposal(body: ProposalSave, live: CommunityDep,
                  caller: Annotated[Caller, door(proposals.save)]) -> list[GroupPublic]:
    """Create a proposal's groups, each coordinated by ``coordinator`` (default: the member
    the key acts for): all of them, or on any problem none."""
    return proposals.save(live, caller, body)
