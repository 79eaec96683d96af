"""Members: profiles, consent, a member's own data, and erasure."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Response, status

from api.deps import Admin, CommunityDep, Profiles, Themself
from api.views import member_public, visible_member
from models import Consent, Member
from models.api import (
    ConsentChoices,
    MemberCreate,
    MemberExport,
    MemberPublic,
    MemberUpdate,
    Page,
)

router = APIRouter(prefix="/members", tags=["members"])

MAX_PAGE = 100


@router.post("", status_code=status.HTTP_201_CREATED, response_model=MemberPublic)
def create_member(body: MemberCreate, live: CommunityDep, caller: Admin) -> MemberPublic:
    """Add a member (admins). Their profile is embedded before the answer, so they are
    suggested and found at once."""
    member = Member.model_validate(body.model_dump())
    live.add_member(member)
    return member_public(member, caller)


@router.get("", response_model=Page[MemberPublic])
def list_members(
    live: CommunityDep,
    caller: Profiles,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 20,
    role: Annotated[str | None, Query(max_length=200)] = None,
    region: Annotated[str | None, Query(max_length=200)] = None,
    organisation: Annotated[str | None, Query(max_length=200)] = None,
) -> Page[MemberPublic]:
    """Members the caller may see, ordered by id, filtered by exact role, region or
    organisation."""
    wanted = {"role": role, "region": region, "organisation": organisation}
    found = [m for m in live.snapshot.members  # ordered by id already
             if caller.may_see(m) and all(v is None or getattr(m, k) == v
                                         for k, v in wanted.items())]
    return Page(data=[member_public(m, caller) for m in found[offset : offset + limit]],
                count=len(found))


@router.get("/{member_id}", response_model=MemberPublic)
def read_member(member_id: str, live: CommunityDep, caller: Profiles) -> MemberPublic:
    return member_public(visible_member(live, member_id, caller), caller)


@router.patch("/{member_id}", response_model=MemberPublic)
def update_member(member_id: str, body: MemberUpdate, live: CommunityDep,
                  caller: Themself) -> MemberPublic:
    """Change some fields of a profile (the member or an admin); the rest are kept."""
    return member_public(live.update_member(member_id, body.applied_to), caller)


@router.delete("/{member_id}", status_code=status.HTTP_204_NO_CONTENT)
def erase_member(
    member_id: str,
    live: CommunityDep,
    caller: Themself,
    erase: Annotated[bool, Query(description="Must be true: deleting a member erases "
                                 "everything stored about them, for good.")] = False,
) -> Response:
    """Erase a member: profile, ties, memberships, embedding, feedback by and about them, API
    keys, and every trace in the service's memory."""
    if not erase:
        raise HTTPException(400, "deleting a member erases all their data for good: confirm "
                            "with ?erase=true")
    live.erase_member(member_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{member_id}/export", response_model=MemberExport)
def export_member(member_id: str, live: CommunityDep, caller: Themself) -> MemberExport:
    """Everything stored about the member, read from the store of record."""
    store = live.store
    member = store.get_member(member_id)
    return MemberExport(
        profile=member.model_dump(mode="json"),
        connections=store.connections(member_id),
        groups=[{"id": g.id, "name": g.name,
                 "role": "coordinator" if member_id in g.coordinators else "member"}
                for g in store.groups() if member_id in (*g.members, *g.coordinators)],
        feedback=[f.model_dump(mode="json") for f in store.feedback(member_id)],
        keys=[{"id": k.id, "role": k.role, "created": k.created.isoformat()}
              for k in store.api_keys() if k.member == member_id],
    )


@router.get("/{member_id}/consent", response_model=Consent)
def read_consent(member_id: str, live: CommunityDep, caller: Themself) -> Consent:
    return live.member(member_id).consent


@router.put("/{member_id}/consent", response_model=Consent)
def update_consent(member_id: str, body: ConsentChoices, live: CommunityDep,
                   caller: Themself) -> Consent:
    """Give or withdraw consent per purpose; it applies to the next suggestion, search or
    group proposal."""
    consent = Consent.model_validate(body.model_dump())
    return live.update_member(member_id,
                              lambda old: old.model_copy(update={"consent": consent})).consent
