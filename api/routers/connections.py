"""Connections: the ties between members."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Response, status

from api.deps import CommunityDep, door
from models import Connection
from models.api import ConnectionCreate, MyNetwork
from models.privacy import Caller
from service import connections

router = APIRouter(tags=["connections"])


@router.get("/members/{member_id}/connections", response_model=list[Connection])
def member_connections(member_id: str, live: CommunityDep,
                       caller: Annotated[Caller, door(connections.member_connections)]
                       ) -> list[Connection]:
    """The member's ties to people the caller may see."""
    return connections.member_connections(live, caller, member_id)


@router.get("/members/{member_id}/network", response_model=MyNetwork)
def my_network(member_id: str, live: CommunityDep,
               caller: Annotated[Caller, door(connections.my_network)]) -> MyNetwork:
    """The member's own circle (the member themself, or an admin): the people they are tied
    to or said they would like to connect with, the groups they are in or said they are
    interested in."""
    return connections.my_network(live, caller, member_id)


@router.post("/connections", status_code=status.HTTP_201_CREATED, response_model=Connection)
def create_connection(body: ConnectionCreate, live: CommunityDep,
                      caller: Annotated[Caller, door(connections.add_connection)]
                      ) -> Connection:
    """Record a tie (a member for themself, or an admin); recording it again updates it."""
    return connections.add_connection(live, caller, Connection.model_validate(body.model_dump()))


@router.delete("/connections/{source}/{target}", status_code=status.HTTP_204_NO_CONTENT)
def delete_connection(source: str, target: str, live: CommunityDep,
                      caller: Annotated[Caller, door(connections.remove_connection)]
                      ) -> Response:
    connections.remove_connection(live, caller, source, target)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
