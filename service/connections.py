"""Connections: the ties between members."""

from __future__ import annotations

from models import Connection
from models.api import GroupPublic, MemberPublic, MyNetwork
from models.errors import ForbiddenError
from models.privacy import Caller, may_see
from service.access import PROFILES, allow
from service.community import LiveCommunity
from service.views import group_public, member_public, visible_as_stored, visible_member

__all__ = ["add_connection", "member_connections", "my_network", "remove_connection"]


def _own_tie(live: LiveCommunity, caller: Caller, a: str, b: str) -> None:
    """A member changes only their own ties; both ends must be people the caller may see
    (a hidden member is as good as unknown), as stored now (:func:`visible_as_stored`)."""
    if caller.role == "member" and caller.member not in (a, b):
        raise ForbiddenError("a member may only change their own ties")
    visible_as_stored(live, caller, (a, b))


@allow(*PROFILES)
def member_connections(live: LiveCommunity, caller: Caller, member_id: str) -> list[Connection]:
    """The member's ties to people the caller may see."""
    visible_member(live, caller, member_id)
    snapshot = live.snapshot
    index, members = snapshot.ids.index, snapshot.members
    return [t for t in snapshot.tie_table.touching(member_id)
            if all(may_see(caller, members[index[m]]) for m in t.pair)]


@allow("member", "admin", own="member_id")
def my_network(live: LiveCommunity, caller: Caller, member_id: str) -> MyNetwork:
    """The member's own circle: the people they are tied to and those they said they would like
    to connect with (Connect on a suggestion), the groups they are in and those they said they
    are interested in; people by name, naming only those the caller may see."""
    visible_member(live, caller, member_id)
    snapshot = live.snapshot
    index, members, group_index = snapshot.ids.index, snapshot.members, snapshot.group_ids.index
    tied = {m for t in member_connections(live, caller, member_id) for m in t.pair}
    chosen = {kind: {whom for who, of, whom in snapshot.accepted if who == member_id and of == kind}
              for kind in ("member", "group")}

    def people(ids: set[str]) -> list[MemberPublic]:
        shown = [members[index[i]] for i in ids if i in index and i != member_id
                 and may_see(caller, members[index[i]])]
        return [member_public(m, caller) for m in sorted(shown, key=lambda m: (m.name or "",
                                                                                 m.id))]

    row = snapshot.membership[index[member_id]]  # as member or coordinator
    joined = {int(g) for g in row.indices[row.data > 0]}
    wanted = {group_index[g] for g in chosen["group"] if g in group_index} - joined

    def groups(rows: set[int]) -> list[GroupPublic]:
        return [group_public(g, snapshot, caller)
                for g in sorted((snapshot.groups[r] for r in rows), key=lambda g: g.name)]

    return MyNetwork(connections=people(tied), would_connect=people(chosen["member"] - tied),
                     groups=groups(joined), interested=groups(wanted))


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
