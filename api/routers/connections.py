"""Connections: the ties between members."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Response, status

from api.deps import Allow, Caller, CommunityDep, Profiles
from api.views import visible_member
from service.community import LiveCommunity
from models import Connection
from models.api import ConnectionCreate

router = APIRouter(tags=["connections"])

Writer = Annotated[Caller, Depends(Allow("member", "admin"))]


def _own_tie(live: LiveCommunity, caller: Caller, a: str, b: str) -> None:
    """A member changes only their own ties; both ends must be people the caller may see
    (a hidden member is as good as unknown)."""
    if caller.role == "member" and caller.member not in (a, b):
        raise HTTPException(403, "a member key may only change its own member's ties")
    for member_id in (a, b):
        visible_member(live, member_id, caller)


@router.get("/members/{member_id}/connections", response_model=list[Connection])
def member_connections(member_id: str, live: CommunityDep, caller: Profiles) -> list[Connection]:
    """The member's ties to people the caller may see."""
    visible_member(live, member_id, caller)
    snapshot = live.snapshot
    index, members = snapshot.ids.index, snapshot.members
    return [t for t in snapshot.community.connections if member_id in t.pair
            and all(caller.may_see(members[index[m]]) for m in t.pair)]


@router.post("/connections", status_code=status.HTTP_201_CREATED, response_model=Connection)
def create_connection(body: ConnectionCreate, live: CommunityDep, caller: Writer) -> Connection:
    """Record a tie (a member for themself, or an admin); recording it again updates it."""
    _own_tie(live, caller, body.source, body.target)
    tie = Connection.model_validate(body.model_dump())
    live.put_connections([tie])
    return tie


@router.delete("/connections/{source}/{target}", status_code=status.HTTP_204_NO_CONTENT)
def delete_connection(source: str, target: str, live: CommunityDep, caller: Writer) -> Response:
    _own_tie(live, caller, source, target)
    live.delete_connection(source, target)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
