"""Members: profiles, consent, a member's own data, erasure, and their organisations."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, status

from api.deps import CommunityDep, door
from models import Consent, Member
from models.api import (
    ConsentChoices,
    MemberCreate,
    MemberExport,
    MemberPublic,
    MemberUpdate,
    OrganisationPublic,
    Page,
)
from models.errors import QConnectError
from models.privacy import Caller
from service import members

router = APIRouter(prefix="/members", tags=["members"])
organisations = APIRouter(prefix="/organisations", tags=["organisations"])

MAX_PAGE = 100
Filter = Annotated[str | None, Query(max_length=200)]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=MemberPublic)
def create_member(body: MemberCreate, live: CommunityDep,
                  caller: Annotated[Caller, door(members.create_member)]
                  ) -> MemberPublic:
    """Add a member (admins). Their profile is embedded before the answer, so they are
    suggested and found at once."""
    return members.create_member(live, caller, Member.model_validate(body.model_dump()))


@router.get("", response_model=Page[MemberPublic])
def list_members(
    live: CommunityDep,
    caller: Annotated[Caller, door(members.list_members)],
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 20,
    role: Filter = None,
    region: Filter = None,
    organisation: Filter = None,
) -> Page[MemberPublic]:
    """Members the caller may see, ordered by id, filtered by exact role, region or
    organisation."""
    return members.list_members(live, caller, offset=offset, limit=limit, role=role,
                                region=region, organisation=organisation)


@router.get("/{member_id}", response_model=MemberPublic)
def read_member(member_id: str, live: CommunityDep,
                caller: Annotated[Caller, door(members.read_member)]) -> MemberPublic:
    return members.read_member(live, caller, member_id)


@router.patch("/{member_id}", response_model=MemberPublic)
def update_member(member_id: str, body: MemberUpdate, live: CommunityDep,
                  caller: Annotated[Caller, door(members.update_member)]
                  ) -> MemberPublic:
    """Change some fields of a profile (the member or an admin); the rest are kept."""
    return members.update_member(live, caller, member_id, body)


@router.delete("/{member_id}", status_code=status.HTTP_204_NO_CONTENT)
def erase_member(
    member_id: str,
    live: CommunityDep,
    caller: Annotated[Caller, door(members.erase_member)],
    # The words themselves, not a bool: FastAPI reads "1", "yes" or "on" as true, and an
    # erasure is for good.
    erase: Annotated[Literal["true", "false"], Query(
        description="Must be true: deleting a member erases everything stored about them, "
                    "for good.")] = "false",
) -> Response:
    """Erase a member: profile, ties, memberships, embedding, feedback by and about them, API
    keys, and every trace in the service's memory."""
    if erase != "true":
        raise QConnectError("deleting a member erases all their data for good: confirm "
                            "with ?erase=true")
    members.erase_member(live, caller, member_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{member_id}/export", response_model=MemberExport)
def export_member(member_id: str, live: CommunityDep,
                  caller: Annotated[Caller, door(members.export_member)]
                  ) -> MemberExport:
    """Everything stored about the member, read from the store of record."""
    return members.export_member(live, caller, member_id)


@router.get("/{member_id}/consent", response_model=Consent)
def read_consent(member_id: str, live: CommunityDep,
                 caller: Annotated[Caller, door(members.read_consent)]) -> Consent:
    return members.read_consent(live, caller, member_id)


@router.put("/{member_id}/consent", response_model=Consent)
def update_consent(member_id: str, body: ConsentChoices, live: CommunityDep,
                   caller: Annotated[Caller, door(members.update_consent)]
                   ) -> Consent:
    """Give or withdraw consent per purpose; it applies to the next suggestion, search or
    group proposal."""
    return members.update_consent(live, caller, member_id, body)


@organisations.get("", response_model=Page[OrganisationPublic])
def list_organisations(live: CommunityDep,
                       caller: Annotated[Caller, door(members.list_organisations)]
                       ) -> Page[OrganisationPublic]:
    """Organisations with the regions their members are in and how many members they have,
    counting only the members the caller may see."""
    return members.list_organisations(live, caller)
