"""What surrounds group formation for a coordinator: the pool, the report, saving.

- :func:`select_pool`: who groups are formed from;
- :func:`describe`: a proposal as a coordinator reads it (and as ``qconnect groups propose``
  prints it): per group its members, a label from their dominant topics, coherence, the mix of
  organisations, roles and regions, and how many pairs already know each other;
- :func:`proposed_groups` and :func:`save_proposal`: a (possibly hand-edited) proposal read
  back, and saved as real groups in one store write.

Labels use class-based TF-IDF (as BERTopic does): a topic's share of a group's interests,
weighted by ``log(1 + A / f)`` with ``f`` its count over all groups of the proposal and ``A`` the
mean count of interests per group, so a topic everybody shares does not name every group.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from pydantic import ValidationError

from graph_schema.errors import ConflictError, NotFoundError, QConnectError
from graph_schema.store import Store
from matcher.groups.formation import Partition
from matcher.evaluation.metrics import mean_pair_cosine
from matcher.recommend.snapshot import Snapshot, Vocabulary
from models import Community, Group, Member

__all__ = [
    "LABEL_TOPICS",
    "ProposedGroup",
    "describe",
    "group_topics",
    "proposal_groups",
    "proposed_groups",
    "save_proposal",
    "select_pool",
]

LABEL_TOPICS = 2
"""How many topics a label names; a report lists one more."""


def _column(vocabulary: Vocabulary, kind: str, name: str) -> int:
    if name not in vocabulary.index:
        raise NotFoundError(kind, name)
    return vocabulary.index[name]


def _why_not_placeable(member: Member) -> str:
    if member.visibility == "hidden":
        return "hidden profile"
    return "not open to connect" if not member.open_to_connect else "no consent to group placement"


def select_pool(snapshot: Snapshot, ids: Sequence[str] | None = None, *,
                topic: str | None = None, skill: str | None = None, region: str | None = None,
                role: str | None = None, group: str | None = None
                ) -> tuple[np.ndarray, list[tuple[str, str]]]:
    """Rows of the members to form groups from, and those of ``ids`` left out, with why.

    Everyone open to connect, not hidden and consenting to be placed in groups, narrowed by each
    filter given (interest in ``topic``, holding ``skill``, membership of ``group``…). Members
    listed in ``ids`` who cannot be placed are reported rather than silently dropped.
    """
    placeable = np.array([m.open_to_connect and m.visibility != "hidden" and m.consent.groups
                          for m in snapshot.members], dtype=bool)
    keep = placeable.copy()
    excluded: list[tuple[str, str]] = []
    if ids is not None:
        unknown = [i for i in ids if i not in snapshot.ids.index]
        if unknown:
            raise NotFoundError("member", unknown[0])
        listed = np.zeros(len(snapshot), dtype=bool)
        listed[[snapshot.ids.index[i] for i in ids]] = True
        for row in np.flatnonzero(listed & ~keep):
            excluded.append((snapshot.ids.names[row], _why_not_placeable(snapshot.members[row])))
        keep &= listed
    for name, kind, vocabulary, matrix in (
            (topic, "topic", snapshot.topics, snapshot.member_topics),
            (skill, "skill", snapshot.skills, snapshot.member_skills),
            (group, "group", snapshot.group_ids, snapshot.membership)):
        if name is not None:
            keep &= matrix[:, _column(vocabulary, kind, name)].toarray().ravel() > 0
    for wanted, attribute in ((region, "region"), (role, "role")):
        if wanted is not None:
            keep &= np.array([getattr(m, attribute) == wanted for m in snapshot.members])
    return np.flatnonzero(keep), excluded


def group_topics(snapshot: Snapshot, groups: Sequence[np.ndarray],
                 top: int = LABEL_TOPICS + 1) -> list[list[str]]:
    """Each group's dominant topics by c-TF-IDF over its members' interests, best first;
    topics shared by two or more members come before any one member's own."""
    counts = np.vstack([np.asarray(snapshot.member_topics[rows].sum(axis=0)).ravel()
                        for rows in groups])
    spread = counts.sum(axis=0)
    average = counts.sum() / len(groups)
    weight = (counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
              * np.log1p(average / np.maximum(spread, 1)))
    names = snapshot.topics.names
    chosen = []
    for g in range(len(groups)):
        order = np.lexsort((-weight[g], counts[g] < 2))
        chosen.append([names[t] for t in order[:top] if counts[g, t] > 0])
    return chosen


def _nearest_topics(snapshot: Snapshot, rows: np.ndarray, top: int) -> list[str]:
    """For a group whose members named no interests: the topics closest to its profiles."""
    topics = snapshot.vectors.get("topic", {})
    centre = snapshot.embeddings[rows].sum(axis=0)
    if not topics or not centre.any():
        return []
    names = sorted(topics)
    scores = np.array([topics[name] for name in names]) @ centre
    return [names[i] for i in np.argsort(-scores, kind="stable")[:top]]


def _mix(values: Sequence[str | None]) -> dict[str, int]:
    """Counts, most common first (ties by name); missing values are left out."""
    counts = Counter(v for v in values if v)
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def describe(snapshot: Snapshot, partition: Partition) -> dict[str, Any]:
    """The proposal as JSON-ready data: ``{"groups": [...], "unassigned": [...]}``."""
    rows = partition.rows(snapshot)
    topics = group_topics(snapshot, rows) if rows else []
    groups = []
    for n, (members, focus) in enumerate(zip(partition.groups, partition.focus, strict=True)):
        named = topics[n] or _nearest_topics(snapshot, rows[n], LABEL_TOPICS + 1)
        if focus:
            named = [focus, *(t for t in named if t != focus)][:LABEL_TOPICS + 1]
        people = [snapshot.members[r] for r in rows[n]]
        ties = snapshot.adjacency[rows[n]][:, rows[n]]
        groups.append({
            "members": list(members),
            "label": " & ".join(named[:LABEL_TOPICS]) or f"Group {n + 1}",
            "topics": named,
            **({"focus": focus} if focus else {}),
            "coherence": round(mean_pair_cosine(snapshot.embeddings[rows[n]]), 4),
            "organisations": _mix([m.organisation for m in people]),
            "roles": _mix([m.role for m in people]),
            "regions": _mix([m.region for m in people]),
            "already_connected_pairs": int(ties.nnz // 2),
        })
    return {"groups": groups,
            "unassigned": [{"id": m, "reason": why} for m, why in partition.unassigned]}


@dataclass(frozen=True)
class ProposedGroup:
    members: tuple[str, ...]
    label: str | None
    topics: tuple[str, ...]


def _strings(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise QConnectError(f"{where}: expected a list of strings")
    return tuple(value)


def proposed_groups(proposal: object) -> list[ProposedGroup]:
    """The groups of a proposal as :func:`describe` writes it (other keys are ignored), with
    a clear error where its shape is wrong."""
    groups = proposal.get("groups") if isinstance(proposal, Mapping) else None
    if not isinstance(groups, list):
        raise QConnectError('a proposal is a JSON object with a "groups" list')
    found = []
    for n, group in enumerate(groups):
        if not isinstance(group, Mapping):
            raise QConnectError(f"group {n}: expected an object with a members list")
        label = group.get("label")
        if label is not None and not isinstance(label, str):
            raise QConnectError(f"group {n}: the label must be a string")
        found.append(ProposedGroup(_strings(group.get("members"), f"group {n} members"), label,
                                   _strings(group.get("topics", []), f"group {n} topics")))
    return found


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


def proposal_groups(store: Store, proposal: object, coordinator: str, *,
                    prefix: str | None = None, today: dt.date | None = None) -> list[Group]:
    """The groups a proposal makes, with ``coordinator`` coordinating each, checked against
    ``store``: any problem (an unknown member, one who has not consented to group placement,
    the coordinator listed as a member, an empty group) is an error. Ids are
    ``<prefix>-<n>`` (default prefix ``proposal-<date>``), never one a group already has."""
    groups = proposed_groups(proposal)
    if not groups:
        raise QConnectError("the proposal has no groups")
    people = {coordinator} | {m for g in groups for m in g.members}
    missing = store.missing_members(people)
    if missing:
        raise NotFoundError("member", sorted(missing)[0])
    refusing = [m.id for m in store.get_members(people - {coordinator}) if not m.consent.groups]
    if refusing:
        raise ConflictError(f"{refusing[0]} has not consented to be placed in interest groups")
    today = today or dt.date.today()
    ids = _unused_ids(store, prefix or f"proposal-{today.isoformat()}", len(groups))
    made = []
    for n, (group, key) in enumerate(zip(groups, ids, strict=True)):
        if coordinator in group.members:
            raise ConflictError(f"group {n}: the coordinator {coordinator} is also listed as a "
                                "member; take them out of the group or choose another "
                                "coordinator")
        if not group.members:
            raise QConnectError(f"group {n} has no members")
        try:
            made.append(Group(id=key, name=group.label or f"Group {n + 1}",
                              description=f"Proposed by qconnect on {today.isoformat()}.",
                              topics=list(group.topics), members=list(group.members),
                              coordinators=[coordinator]))
        except ValidationError as exc:
            raise QConnectError(f"group {n}: {exc.errors()[0]['msg']}") from exc
    return made


def save_proposal(store: Store, proposal: object, coordinator: str, *,
                  prefix: str | None = None, today: dt.date | None = None) -> list[Group]:
    """Create the :func:`proposal_groups` in one write: all of them, or on any problem none."""
    made = proposal_groups(store, proposal, coordinator, prefix=prefix, today=today)
    store.write(Community(groups=made))
    return made
