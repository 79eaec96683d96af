"""Members: profiles, consent, a member's own data, erasure, and the organisations they are
from."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Literal

import numpy as np

from matcher.embeddings.profile_text import LEVEL_WORDS
from models import Consent, Member
from models.api import (
    ConsentChoices,
    MemberExport,
    MemberPublic,
    MemberUpdate,
    OrganisationPublic,
    Page,
)
from models.privacy import Caller, may_see, named_to
from service.access import PROFILES, allow
from service.community import LiveCommunity
from service.views import member_public, visible_member
from service.vocabulary import spelled_as_used

__all__ = ["SKILL_LEVELS", "create_member", "erase_member", "export_member", "list_members",
           "list_organisations", "list_values", "read_consent", "read_member", "update_consent",
           "update_member"]

Described = Literal["role", "region", "organisation"]
"""The fields of a profile that members can be listed and searched by."""


SKILL_LEVELS = LEVEL_WORDS
"""A skill's levels, 1 to 5, in the words suggestions' reasons use ("level 4 (advanced)")."""


@allow("admin")
def create_member(live: LiveCommunity, caller: Caller, member: Member) -> MemberPublic:
    """Add a member; their profile is embedded before this returns, so they are suggested and
    found at once. An id in use is a :class:`ConflictError`."""
    member = spelled_as_used(member, live.snapshot, caller)
    live.add_member(member)
    return member_public(member, caller)


@allow(*PROFILES)
def list_members(live: LiveCommunity, caller: Caller, *, offset: int = 0, limit: int = 20,
                 role: str | None = None, region: str | None = None,
                 organisation: str | None = None) -> Page[MemberPublic]:
    """Members the caller may see, ordered by id, filtered by exact role, region or
    organisation."""
    wanted = {"role": role, "region": region, "organisation": organisation}
    found = [m for m in live.snapshot.members  # ordered by id already
             if may_see(caller, m) and all(v is None or getattr(m, k) == v
                                          for k, v in wanted.items())]
    return Page(data=[member_public(m, caller) for m in found[offset : offset + limit]],
                count=len(found))


@allow(*PROFILES)
def read_member(live: LiveCommunity, caller: Caller, member_id: str) -> MemberPublic:
    return member_public(visible_member(live, caller, member_id), caller)


@allow("member", "admin", own="member_id")
def update_member(live: LiveCommunity, caller: Caller, member_id: str,
                  change: MemberUpdate) -> MemberPublic:
    """Change some fields of a profile; the rest are kept. Skills and topics are spelled as
    the community spells them (:func:`~service.vocabulary.spelled_as_used`)."""
    # The snapshot is read inside the write's lock: it holds every write before this one.
    return member_public(live.update_member(
        member_id, lambda old: spelled_as_used(change.applied_to(old), live.snapshot, caller)),
        caller)


@allow("member", "admin", own="member_id")
def erase_member(live: LiveCommunity, caller: Caller, member_id: str) -> None:
    """Erase a member: profile, ties, memberships, embedding, feedback by and about them, API
    keys, and every trace in the service's memory."""
    live.erase_member(member_id)


@allow("member", "admin", own="member_id")
def export_member(live: LiveCommunity, caller: Caller, member_id: str) -> MemberExport:
    """Everything stored about the member, read from the store of record, naming no one who
    may not be named to them (:func:`models.privacy.named_to`): a tie to, or feedback about,
    a member who has hidden themself is left out."""
    store = live.store
    member = store.get_member(member_id)
    ties = store.connections(member_id)
    feedback = store.feedback(member_id)
    others = {m for t in ties for m in t.pair} | {f.target for f in feedback
                                                  if f.target_kind == "member"}
    named = {m.id for m in store.get_members(others) if named_to(member_id, m)}
    return MemberExport(
        profile=member.model_dump(mode="json"),
        connections=[t for t in ties if t.pair <= named],
        groups=[{"id": g.id, "name": g.name,
                 "role": "coordinator" if member_id in g.coordinators else "member"}
                for g in store.groups() if member_id in (*g.members, *g.coordinators)],
        feedback=[f.model_dump(mode="json") for f in feedback
                  if f.target_kind != "member" or f.target in named],
        keys=[{"id": k.id, "role": k.role, "kind": k.kind, "created": k.created.isoformat()}
              for k in store.api_keys() if k.member == member_id],
    )


@allow("member", "admin", own="member_id")
def read_consent(live: LiveCommunity, caller: Caller, member_id: str) -> Consent:
    return live.member(member_id).consent


@allow("member", "admin", own="member_id")
def update_consent(live: LiveCommunity, caller: Caller, member_id: str,
                   choices: ConsentChoices) -> Consent:
    """Give or withdraw consent per purpose; it applies to the next suggestion, search or
    group proposal."""
    consent = Consent.model_validate(choices.model_dump())
    return live.update_member(member_id,
                              lambda old: old.model_copy(update={"consent": consent})).consent


@allow(*PROFILES)
def list_organisations(live: LiveCommunity, caller: Caller) -> Page[OrganisationPublic]:
    """Organisations with the regions their members are in and how many members they have,
    counting only the members the caller may see."""
    counts: Counter[str] = Counter()
    regions: defaultdict[str, set[str]] = defaultdict(set)
    for member in live.snapshot.members:
        if member.organisation and may_see(caller, member):
            counts[member.organisation] += 1
            if member.region:
                regions[member.organisation].add(member.region)
    data = [OrganisationPublic(name=name, regions=sorted(regions[name]), members=n)
            for name, n in sorted(counts.items())]
    return Page(data=data, count=len(data))


@allow(*PROFILES)
def list_values(live: LiveCommunity, caller: Caller, field: Described) -> list[str]:
    """The roles, regions or organisations of the members the caller may see, in order: the
    choices a list or a search of members can be narrowed to."""
    snapshot = live.snapshot
    hidden = (snapshot.members[i] for i in np.flatnonzero(~snapshot.visible))
    return sorted(snapshot.shown_values[field].union(
        value for m in hidden if (value := getattr(m, field)) and may_see(caller, m)))
