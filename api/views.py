"""Domain records as a given caller may see them."""

from __future__ import annotations

from api.deps import Caller
from graph_schema.errors import NotFoundError
from service.community import LiveCommunity
from matcher.recommend.snapshot import Snapshot
from models import Group, Member
from models.api import GroupPublic, MemberPublic

__all__ = ["group_public", "member_public", "visible_member"]

_PRIVATE = {"visibility", "open_to_connect", "consent"}


def visible_member(live: LiveCommunity, member_id: str, caller: Caller) -> Member:
    """The member, if ``caller`` may see them; otherwise as if there were none, since whether a
    hidden member exists is not told."""
    member = live.member(member_id)
    if not caller.may_see(member):
        raise NotFoundError("member", member_id)
    return member


def member_public(member: Member, caller: Caller) -> MemberPublic:
    """The profile; privacy settings only for the member themself and admins."""
    hidden = set() if caller.is_self_or_admin(member.id) else _PRIVATE
    return MemberPublic.model_validate(member.model_dump(exclude=hidden))


def group_public(group: Group, snapshot: Snapshot, caller: Caller) -> GroupPublic:
    """The group, naming only the people whose profiles ``caller`` may see."""
    index, members = snapshot.ids.index, snapshot.members

    def shown(ids: list[str]) -> list[str]:
        return [i for i in ids if i in index and caller.may_see(members[index[i]])]

    return GroupPublic(id=group.id, name=group.name, description=group.description,
                       topics=group.topics, members=shown(group.members),
                       coordinators=shown(group.coordinators))
