"""Why a suggestion was made, as evidence a member can check, never as scores.

Every reason is read off the data: shared interests, mutual connections (only those whose
profiles are visible, so a hidden member is never named or counted), skills at a level against
what the member wants to learn, shared groups, and where the other person works. Rarer shared
interests are named first, since they say more than the ones everybody shares.
"""

from __future__ import annotations

import numpy as np

from matcher.embeddings.profile_text import LEVEL_WORDS
from matcher.recommend.graph_signals import row_entries
from matcher.recommend.snapshot import Snapshot

__all__ = ["MAX_REASONS", "display_name", "group_reasons", "people_reasons"]

MAX_REASONS = 4
NAMED = 3  # how many names a reason lists before "and N more"


def _listing(names: list[str]) -> str:
    shown = names[:NAMED]
    text = ", ".join(shown[:-1]) + f" and {shown[-1]}" if len(shown) > 1 else shown[0]
    return text + (f" (and {len(names) - NAMED} more)" if len(names) > NAMED else "")


def display_name(snapshot: Snapshot, row: int) -> str:
    member = snapshot.members[row]
    return member.name or member.id


def _shared_interests(snapshot: Snapshot, me: int, other: int) -> str | None:
    theirs = set(snapshot.members[other].interests)
    # A member who named no interests has some inferred from their profile; say so.
    inferred = not snapshot.members[me].interests
    shared = [t for t in snapshot.interests[me] if t in theirs]
    if not shared:
        return None
    shared.sort(key=lambda t: (snapshot.topic_popularity[snapshot.topics.index[t]], t))
    if inferred:
        return f"interested in {_listing(shared)}, close to what your profile describes"
    return f"shares your interest{'s' if len(shared) > 1 else ''} in {_listing(shared)}"


def _mutual(snapshot: Snapshot, me: int, other: int) -> str | None:
    common = np.intersect1d(snapshot.neighbours(me), snapshot.neighbours(other))
    common = [int(r) for r in common if snapshot.visible[r]]
    if not common:
        return None
    names = sorted(display_name(snapshot, r) for r in common)
    plural = "s" if len(names) > 1 else ""
    return f"{len(names)} mutual connection{plural}: {_listing(names)}"


def _skills_for(snapshot: Snapshot, learner: int, teacher: int, *, you_learn: bool) -> list[str]:
    levels = {s.name: s.level for s in snapshot.members[teacher].skills}
    reasons = []
    for skill in snapshot.members[learner].wants_to_learn:
        if skill not in levels:
            continue
        level = levels[skill]
        if you_learn:
            has = f"level {level} ({LEVEL_WORDS[level]}) in" if level else "has"
            reasons.append(f"{has} {skill}, which you want to learn")
        else:
            reasons.append(f"wants to learn {skill}, which you have")
    return reasons


def _shared_groups(snapshot: Snapshot, me: int, other: int) -> str | None:
    mine = (set(row_entries(snapshot.membership, me)[0])
            & set(row_entries(snapshot.membership, other)[0]))
    if not mine:
        return None
    names = sorted(snapshot.groups[g].name for g in mine)
    return f"also in {_listing(names)}"


def _elsewhere(snapshot: Snapshot, me: int, other: int) -> str | None:
    a, b = snapshot.members[me], snapshot.members[other]
    if a.region and b.region and a.region != b.region:
        return f"works in another region ({b.region})"
    if a.organisation and b.organisation and a.organisation != b.organisation:
        return f"works at another organisation ({b.organisation})"
    return None


def people_reasons(snapshot: Snapshot, me: int, other: int, *, helpers: bool = False
                   ) -> tuple[str, ...]:
    """The evidence for suggesting member ``other`` to member ``me``, strongest first."""
    teaches = _skills_for(snapshot, me, other, you_learn=True)
    learns = _skills_for(snapshot, other, me, you_learn=False)
    ordered = [*teaches[:2]] if helpers else []
    ordered += [_shared_interests(snapshot, me, other), _mutual(snapshot, me, other)]
    ordered += [] if helpers else teaches[:1]
    ordered += [_shared_groups(snapshot, me, other), *learns[:1], _elsewhere(snapshot, me, other)]
    return tuple(r for r in ordered if r)[:MAX_REASONS]


def group_reasons(snapshot: Snapshot, me: int, group: int) -> tuple[str, ...]:
    """The evidence for suggesting group ``group`` to member ``me``."""
    focus = snapshot.groups[group].topics
    shared = [t for t in focus if t in set(snapshot.members[me].interests)]
    reasons = [f"focuses on {_listing(shared)}, which you're interested in"] if shared else []
    members = set(row_entries(snapshot.by_column["membership"], group)[0].tolist())
    friends = [int(r) for r in snapshot.scored_neighbours(me) if r in members]
    if friends:
        names = sorted(display_name(snapshot, r) for r in friends)
        reasons.append(f"{len(names)} of your connections {'are' if len(names) > 1 else 'is'} "
                       f"in it: {_listing(names)}")
    if not shared and focus:
        reasons.append(f"about {_listing(list(focus))}")
    return tuple(reasons)[:MAX_REASONS]
