"""Interest groups: reading, creating and editing them, and joining or leaving one."""

from __future__ import annotations

from collections.abc import Iterable

from graph_schema.store import Store
from models import Group
from models.api import GroupPublic, Page
from models.errors import ConflictError, NotFoundError, QConnectError
from models.privacy import NOT_PLACEABLE, Caller, may_place, may_see
from service.access import PROFILES, allow
from service.community import LiveCommunity
from service.views import group_public, visible_as_stored, visible_member
from service.vocabulary import spelled_as_used

__all__ = ["check_placeable", "create_group", "delete_group", "join_group", "leave_group",
           "list_groups", "read_group", "replace_group"]


def check_placeable(live: LiveCommunity, caller: Caller, members: Iterable[str]) -> None:
    """Everyone named must be someone the caller may see (a hidden member is as good as
    unknown) and may place in a group, as a member or as a coordinator: consent to group
    placement covers every role in a group (:func:`models.privacy.may_place`).

    Asked of the store, not of the snapshot, since it decides a write (and is asked inside
    it): a consent withdrawn or a profile hidden through another process a moment ago
    counts, though this process's snapshot takes it in only at its next follow."""
    for member in visible_as_stored(live, caller, members):
        if not may_place(caller, member):
            raise ConflictError(f"{member.id} {NOT_PLACEABLE}")


def _kept_unseen(live: LiveCommunity, caller: Caller, old: list[str], new: list[str]
                 ) -> list[str]:
    """``new``, with the members of ``old`` the caller may not see kept where they were: an
    edit can only change what its author could read."""
    unseen = [m for m in old if not may_see(caller, live.member(m))]
    return new + [m for m in unseen if m not in new]


@allow(*PROFILES)
def list_groups(live: LiveCommunity, caller: Caller, *, offset: int = 0, limit: int = 20,
                member: str | None = None) -> Page[GroupPublic]:
    """Groups ordered by id; with ``member``, only those the member belongs to or coordinates
    (a member the caller may not see is as good as unknown)."""
    snapshot = live.snapshot
    groups = snapshot.groups  # ordered by id already
    if member is not None:
        visible_member(live, caller, member)
        groups = [g for g in groups if member in (*g.members, *g.coordinators)]
    return Page(data=[group_public(g, snapshot, caller) for g in groups[offset : offset + limit]],
                count=len(groups))


@allow(*PROFILES)
def read_group(live: LiveCommunity, caller: Caller, group_id: str) -> GroupPublic:
    return group_public(live.group(group_id), live.snapshot, caller)


@allow("coordinator", "admin")
def create_group(live: LiveCommunity, caller: Caller, group: Group) -> GroupPublic:
    """Create a group; an id in use is a :class:`ConflictError`. Its topics are spelled as the
    community spells them (:func:`~service.vocabulary.spelled_as_used`)."""
    group = spelled_as_used(group, live.snapshot, caller)

    def checked(store: Store) -> list[Group]:
        try:
            store.get_group(group.id)
        except NotFoundError:
            pass
        else:
            raise ConflictError(f"a group with id {group.id!r} exists already")
        check_placeable(live, caller, [*group.members, *group.coordinators])
        return [group]

    live.add_groups(checked)
    return group_public(group, live.snapshot, caller)


@allow("coordinator", "admin")
def replace_group(live: LiveCommunity, caller: Caller, group_id: str,
                  group: Group) -> GroupPublic:
    """Replace a group whole: name, description, topics, members and coordinators. Members the
    caller may not see are kept as they were (the caller was never shown them)."""
    if group.id != group_id:
        raise QConnectError("the group's id must be the id of the group it replaces")
    group = spelled_as_used(group, live.snapshot, caller)

    def replaced(old: Group) -> Group:
        named = [*group.members, *group.coordinators]
        for member_id in named:  # the same answer whether or not they are in the group already
            visible_member(live, caller, member_id)
        check_placeable(live, caller, (set(group.members) - set(old.members))
                        | (set(group.coordinators) - set(old.coordinators)))
        return group.model_copy(update={
            "members": _kept_unseen(live, caller, old.members, group.members),
            "coordinators": _kept_unseen(live, caller, old.coordinators, group.coordinators)})

    return group_public(live.update_group(group_id, replaced), live.snapshot, caller)


@allow("coordinator", "admin")
def delete_group(live: LiveCommunity, caller: Caller, group_id: str) -> None:
    live.delete_group(group_id)


@allow("member", "coordinator", "admin", own="member_id")
def join_group(live: LiveCommunity, caller: Caller, group_id: str,
               member_id: str) -> GroupPublic:
    """A member joins (for themself), or a coordinator places a consenting member. Someone
    already in the group, as a member or as its coordinator, stays as they are."""

    def joined(group: Group) -> Group:
        check_placeable(live, caller, [member_id])
        if member_id in (*group.members, *group.coordinators):
            return group
        return group.model_copy(update={"members": [*group.members, member_id]})

    return group_public(live.update_group(group_id, joined), live.snapshot, caller)


@allow("member", "coordinator", "admin", own="member_id")
def leave_group(live: LiveCommunity, caller: Caller, group_id: str,
                member_id: str) -> GroupPublic:
    """A member leaves (for themself), or a coordinator takes a member out; a coordinator who
    leaves steps down too. Leaving a group one is not in changes nothing, as joining twice
    does (a form sent twice, from two tabs say)."""

    def left(group: Group) -> Group:
        visible_member(live, caller, member_id)
        return group.model_copy(update={
            "members": [m for m in group.members if m != member_id],
            "coordinators": [c for c in group.coordinators if c != member_id]})

    return group_public(live.update_group(group_id, left), live.snapshot, caller)
