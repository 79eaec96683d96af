"""Records as a given caller may see them: the one place profiles and groups are cut down to
what :mod:`models.privacy` lets the caller read."""

from __future__ import annotations

from collections.abc import Iterable

from matcher.recommend.snapshot import Snapshot
from models import Group, Member
from models.api import GroupPublic, MemberPublic
from models.errors import NotFoundError
from models.privacy import Caller, may_see, private_fields
from service.community import LiveCommunity

__all__ = ["group_public", "member_public", "visible_as_stored", "visible_member"]


def visible_member(live: LiveCommunity, caller: Caller, member_id: str) -> Member:
    """The member, if ``caller`` may see them; otherwise as if there were none, since whether a
    hidden member exists is not told."""
    return _seen_by(caller, member_id, live.member(member_id))


def visible_as_stored(live: LiveCommunity, caller: Caller, member_ids: Iterable[str]
                      ) -> list[Member]:
    """The members named, as the store holds them now, each one ``caller`` may see (else as
    if there were none): what a write decides on. The snapshot takes in writes made through
    other processes only at its next follow, so a profile hidden or erased through one a
    moment ago would still look visible in it."""
    named = list(dict.fromkeys(member_ids))
    stored = {m.id: m for m in live.store.get_members(named)}
    return [_seen_by(caller, member_id, stored.get(member_id)) for member_id in named]


def _seen_by(caller: Caller, member_id: str, member: Member | None) -> Member:
    """``member`` (the one ``member_id`` names, or None if there is none), if ``caller`` may
    see them; otherwise as if there were none."""
    if member is None or not may_see(caller, member):
        raise NotFoundError("member", member_id)
    return member


def member_public(member: Member, caller: Caller) -> MemberPublic:
    """The profile; privacy settings only for the member themself and admins."""
    return MemberPublic.model_validate(member.model_dump(exclude=set(private_fields(caller,
                                                                                   member))))


def group_public(group: Group, snapshot: Snapshot, caller: Caller) -> GroupPublic:
    """The group, naming only the people whose profiles ``caller`` may see."""
    index, members = snapshot.ids.index, snapshot.members

    def shown(ids: list[str]) -> list[str]:
        return [i for i in ids if i in index and may_see(caller, members[index[i]])]

    return GroupPublic(id=group.id, name=group.name, description=group.description,
                       topics=group.topics, members=shown(group.members),
                       coordinators=shown(group.coordinators))
