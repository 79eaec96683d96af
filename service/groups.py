"""Interest groups: reading, creating and editing them, and joining or leaving one."""

from __future__ import annotations

from collections.abc import Iterable

from graph_schema.store import Store
from models import Group
from models.api import GroupPublic, Page
from models.errors import ConflictError, NotFoundError, QConnectError
from models.privacy import Caller, may_place
from service.access import PROFILES, allow
from service.community import LiveCommunity
from service.views import group_public, visible_member

__all__ = ["check_placeable", "create_group", "delete_group", "join_group", "leave_group",
           "list_groups", "read_group", "replace_group"]


def check_placeable(live: LiveCommunity, caller: Caller, members: Iterable[str],
                    coordinators: Iterable[str] = ()) -> None:
    """Everyone named must be someone the caller may see (a hidden member is as good as
    unknown), and members must be someone the caller may place (:func:`models.privacy.may_place`:
    a member joins by themself, anyone else needs their consent)."""
    for member_id in coordinators:
        visible_member(live, caller, member_id)
    for member_id in members:
        if not may_place(caller, visible_member(live, caller, member_id)):
            raise ConflictError(f"{member_id} has not consented to be placed in interest groups")


@allow(*PROFILES)
def list_groups(live: LiveCommunity, caller: Caller, *, offset: int = 0,
                limit: int = 20) -> Page[GroupPublic]:
    snapshot = live.snapshot
    groups = snapshot.groups  # ordered by id already
    return Page(data=[group_public(g, snapshot, caller) for g in groups[offset : offset + limit]],
                count=len(groups))


@allow(*PROFILES)
def read_group(live: LiveCommunity, caller: Caller, group_id: str) -> GroupPublic:
    return group_public(live.group(group_id), live.snapshot, caller)


@allow("coordinator", "admin")
def create_group(live: LiveCommunity, caller: Caller, group: Group) -> GroupPublic:
    """Create a group; an id in use is a :class:`ConflictError`."""

    def checked(store: Store) -> list[Group]:
        try:
            store.get_group(group.id)
        except NotFoundError:
            pass
        else:
            raise ConflictError(f"a group with id {group.id!r} exists already")
        check_placeable(live, caller, group.members, group.coordinators)
        return [group]

    live.add_groups(checked)
    return group_public(group, live.snapshot, caller)


@allow("coordinator", "admin")
def replace_group(live: LiveCommunity, caller: Caller, group_id: str,
                  group: Group) -> GroupPublic:
    """Replace a group whole: name, description, topics, members and coordinators."""
    if group.id != group_id:
        raise QConnectError("the group's id must be the id of the group it replaces")

    def replaced(old: Group) -> Group:
        check_placeable(live, caller, set(group.members) - set(old.members),
                        set(group.coordinators) - set(old.coordinators))
        return group

    return group_public(live.update_group(group_id, replaced), live.snapshot, caller)


@allow("coordinator", "admin")
def delete_group(live: LiveCommunity, caller: Caller, group_id: str) -> None:
    live.delete_group(group_id)


@allow("member", "coordinator", "admin", own="member_id")
def join_group(live: LiveCommunity, caller: Caller, group_id: str,
               member_id: str) -> GroupPublic:
    """A member joins (for themself), or a coordinator places a consenting member."""

    def joined(group: Group) -> Group:
        check_placeable(live, caller, [member_id])
        if member_id in group.members:
            return group
        return group.model_copy(update={
            "members": [*group.members, member_id],
            "coordinators": [c for c in group.coordinators if c != member_id]})

    return group_public(live.update_group(group_id, joined), live.snapshot, caller)


@allow("member", "coordinator", "admin", own="member_id")
def leave_group(live: LiveCommunity, caller: Caller, group_id: str,
                member_id: str) -> GroupPublic:
    def left(group: Group) -> Group:
        visible_member(live, caller, member_id)
        if member_id not in group.members:
            raise NotFoundError("group member", member_id)
        return group.model_copy(update={"members": [m for m in group.members if m != member_id]})

    return group_public(live.update_group(group_id, left), live.snapshot, caller)
