"""Proposed interest groups: a coordinator asks for groups within rules, edits the proposal,
proposes again, and saves it as real groups.

A proposal is computed, never stored, until it is saved; saving creates every group of it in
one write, or none. Forming groups takes seconds of CPU for a large pool, so a pool is at most
:data:`models.api.MAX_POOL` members and one proposal is computed at a time (another request
meanwhile is told to try again, :mod:`service.limits`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from graph_schema.store import Store
from matcher.groups.formation import GroupRules, Partition, form_groups
from matcher.groups.pool import select_pool
from matcher.groups.report import describe
from models import Group
from models.api import (
    MAX_POOL,
    GroupPublic,
    PreviousProposal,
    Proposal,
    ProposalRequest,
    ProposalSave,
)
from models.errors import ConflictError, ForbiddenError, QConnectError
from models.privacy import Caller, may_see
from service.access import allow
from service.community import LiveCommunity
from service.groups import check_placeable
from service.limits import OneAtATime
from service.views import group_public, visible_member
from service.vocabulary import name_meant, spelled_as_used

__all__ = ["LEFT_OUT", "mentioned", "no_longer_seen", "propose", "report", "rules_of", "save"]

_proposing = OneAtATime("a group proposal")
LEFT_OUT = "left out of the groups"
"""Why a member who could be placed is in no group of a proposal the coordinator edited."""


def rules_of(request: ProposalRequest) -> GroupRules:
    """The group-formation rules a request states."""
    return GroupRules(min_size=request.min_size, max_size=request.max_size,
                      groups=request.groups, max_per_organisation=request.max_per_organisation,
                      min_roles=request.min_roles, together=tuple(map(tuple, request.together)),
                      apart=tuple(request.apart), pins=request.pins, focus=tuple(request.focus),
                      known_weight=request.known_weight)


def mentioned(request: ProposalRequest) -> set[str]:
    """Every member a request names: its pool, pins, pairs and previous proposal."""
    ids = {*(request.pool or ()), *request.pins}
    for part in (*request.together, *request.apart):
        ids.update(part)
    if request.previous is not None:
        ids.update(request.previous.members())
    return ids


def _forming(caller: Caller) -> str | None:
    """The member who will coordinate the groups a caller proposes, where it is known before
    they are saved: a coordinator saves groups for themself (:func:`_coordinator`), so they
    are never proposed as one of their members. An admin names the coordinator at saving."""
    return caller.member if caller.role == "coordinator" else None


@allow("coordinator", "admin")
def propose(live: LiveCommunity, caller: Caller, request: ProposalRequest) -> Proposal:
    """Coherent groups from the request's pool within its rules, as a report (see
    :func:`matcher.groups.report.describe`); nothing is saved. The topics and skill it names
    may be typed in any case (:func:`~service.vocabulary.name_meant`)."""
    for member_id in mentioned(request):
        visible_member(live, caller, member_id)  # a hidden member is as good as unknown
    snapshot = live.snapshot
    request = request.model_copy(update={
        "topic": request.topic and name_meant(snapshot, caller, "topic", request.topic),
        "skill": request.skill and name_meant(snapshot, caller, "skill", request.skill),
        "focus": [name_meant(snapshot, caller, "topic", t) for t in request.focus]})
    rows, excluded = select_pool(snapshot, request.pool_ids(), topic=request.topic,
                                 skill=request.skill, region=request.region, role=request.role,
                                 group=request.group, coordinator=_forming(caller))
    if len(rows) > MAX_POOL:
        raise QConnectError(f"the pool holds {len(rows):,} members and one proposal groups at "
                            f"most {MAX_POOL:,}: narrow it with a topic, skill, region, role, "
                            "group or a pool of ids")
    previous = request.previous.groups if request.previous is not None else None
    with _proposing.turn():
        partition = form_groups(snapshot, rows, rules_of(request), seed=request.seed,
                                excluded=excluded, previous=previous)
        return Proposal.model_validate(describe(snapshot, partition))


@allow("coordinator", "admin")
def no_longer_seen(live: LiveCommunity, caller: Caller, member_ids: Iterable[str]) -> set[str]:
    """Those of ``member_ids`` the caller may not see (any more): a proposal is never stored,
    so one carried on a page may name someone who has since hidden their profile or been
    erased. Such a proposal is taken up without them, as if they had never been in it."""
    index, members = live.snapshot.ids.index, live.snapshot.members
    return {m for m in member_ids if m not in index or not may_see(caller, members[index[m]])}


@allow("coordinator", "admin")
def report(live: LiveCommunity, caller: Caller, proposal: PreviousProposal) -> Proposal:
    """The report :func:`propose` gives, on groups as they are given (a proposal as the
    coordinator edited it), without forming any; empty groups are dropped. Members it leaves
    unassigned are reported with why they cannot be placed, or as left out."""
    for member_id in proposal.members():
        visible_member(live, caller, member_id)
    snapshot = live.snapshot
    groups = tuple(tuple(sorted(set(g))) for g in proposal.groups if g)
    placed = {m for g in groups for m in g}
    _, excluded = select_pool(snapshot, list(proposal.members()), coordinator=_forming(caller))
    why = dict(excluded)
    unassigned = tuple(sorted((m, why.get(m, LEFT_OUT))
                              for m in proposal.members() if m not in placed))
    partition = Partition(groups, (None,) * len(groups), unassigned)
    return Proposal.model_validate(describe(snapshot, partition))


def _unused_ids(store: Store, prefix: str, count: int) -> list[str]:
    """``prefix-1``, ``prefix-2``, … skipping ids that groups already have."""
    taken = {g.id for g in store.groups()}
    ids: list[str] = []
    n = 0
    while len(ids) < count:
        n += 1
        if f"{prefix}-{n}" not in taken:
            ids.append(f"{prefix}-{n}")
    return ids


def _coordinator(caller: Caller, proposal: ProposalSave) -> str:
    coordinator = proposal.coordinator or caller.member
    if coordinator is None:
        raise QConnectError("name the groups' coordinator: this caller acts for no member")
    if caller.role == "coordinator" and caller.member and coordinator != caller.member:
        raise ForbiddenError("a coordinator saves groups for themself only")
    return coordinator


@allow("coordinator", "admin")
def save(live: LiveCommunity, caller: Caller, proposal: ProposalSave,
         today: dt.date | None = None) -> list[GroupPublic]:
    """Create a proposal's groups, each coordinated by the proposal's coordinator (default:
    the member the caller acts for), with ids ``<prefix>-<n>`` (default prefix
    ``proposal-<date>``) no group has yet: all of them, or on any problem (an unknown member,
    one who has not consented to group placement, the coordinator listed as a member) none.
    They are embedded as they are saved, so they are suggested to members at once; their
    topics are spelled as the community spells them (:func:`spelled_as_used`)."""
    coordinator = _coordinator(caller, proposal)
    day = (today or dt.date.today()).isoformat()

    def groups(store: Store) -> list[Group]:
        check_placeable(live, caller, {coordinator, *(m for g in proposal.groups
                                                        for m in g.members)})
        ids = _unused_ids(store, proposal.prefix or f"proposal-{day}", len(proposal.groups))
        made = []
        for n, (group, key) in enumerate(zip(proposal.groups, ids, strict=True)):
            if coordinator in group.members:
                raise ConflictError(f"group {n + 1}: the coordinator {coordinator} is also "
                                    "listed as a member; take them out of the group or choose "
                                    "another coordinator")
            # A label of spaces only names nothing, as an empty one does.
            made.append(spelled_as_used(Group(
                id=key, name=(group.label or "").strip() or f"Group {n + 1}",
                description=f"Proposed by qconnect on {day}.", topics=group.topics,
                members=group.members, coordinators=[coordinator]), live.snapshot, caller))
        return made

    saved = live.add_groups(groups)
    snapshot = live.snapshot
    return [group_public(g, snapshot, caller) for g in saved]
