"""Connections: the ties between members."""

from __future__ import annotations

from models import Connection
from models.errors import ForbiddenError
from models.privacy import Caller, may_see
from service.access import PROFILES, allow
from service.community import LiveCommunity
from service.views import visible_member

__all__ = ["add_connection", "member_connections", "remove_connection"]


def _own_tie(live: LiveCommunity, caller: Caller, a: str, b: str) -> None:
    """A member changes only their own ties; both ends must be people the caller may see
    (a hidden member is as good as unknown)."""
    if caller.role == "member" and caller.member not in (a, b):
        raise ForbiddenError("a member may only change their own ties")
    for member_id in (a, b):
        visible_member(live, caller, member_id)


@allow(*PROFILES)
def member_connections(live: LiveCommunity, caller: Caller, member_id: str) -> list[Connection]:
    """The member's ties to people the caller may see."""
    visible_member(live, caller, member_id)
    snapshot = live.snapshot
    index, members = snapshot.ids.index, snapshot.members
    return [t for t in snapshot.tie_table.touching(member_id)
            if all(may_see(caller, members[index[m]]) for m in t.pair)]


@allow("member", "admin")
def add_connection(live: LiveCommunity, caller: Caller, tie: Connection) -> Connection:
    """Record a tie (a member for themself, or an admin); recording it again updates it."""
    _own_tie(live, caller, tie.source, tie.target)
    live.put_connections([tie])
    return tie


@allow("member", "admin")
def remove_connection(live: LiveCommunity, caller: Caller, a: str, b: str) -> None:
    _own_tie(live, caller, a, b)
    live.delete_connection(a, b)
