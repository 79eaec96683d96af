"""Interest-group formation: split a pool of members into coherent groups that keep a
coordinator's rules.

:func:`form_groups` is the entry point. The rules and the pool's set-up are in
:mod:`matcher.groups.problem`; the assignment, its score and the search that builds it are in
:mod:`matcher.groups.local_search`. This module turns the search's result into a :class:`Partition`,
with a reason for each member left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

from matcher.groups.local_search import State, search
from matcher.groups.problem import GroupRules, InfeasibleError, build_problem, member_features
from matcher.recommend.snapshot import Snapshot

__all__ = ["GroupRules", "InfeasibleError", "Partition", "form_groups", "member_features"]


@dataclass(frozen=True)
class Partition:
    """Proposed groups (member ids, sorted), their focus topics, and who was left out and why."""

    groups: tuple[tuple[str, ...], ...]
    focus: tuple[str | None, ...]
    unassigned: tuple[tuple[str, str], ...]

    def rows(self, snapshot: Snapshot) -> list[np.ndarray]:
        """The snapshot rows of each group's members."""
        index = snapshot.ids.index
        return [np.array([index[m] for m in members]) for members in self.groups]


def _reason(state: State, block: int, organisations: str) -> str:
    """Why an unplaced block fits no group."""
    p, rules = state.p, state.p.rules
    with_them = (f" for the {p.size[block]} members who must be together"
                 if p.size[block] > 1 else "")
    if state.closed.all():
        return "no group could be formed within the rules"
    room = [g for g in np.flatnonzero(~state.closed)
            if state.count[g] + p.size[block] <= rules.max_size]
    if not room:
        return f"every group is full (at most {rules.max_size} members){with_them}"
    apart = [bool(p.apart[block] & state.members[g]) for g in room]
    if all(apart):
        return "must be kept apart from someone in every group with room"
    clash = f"{rules.max_per_organisation} members from {organisations}"
    return f"every group with room already has {clash}" + (
        " or someone they must be kept apart from" if any(apart) else "")


def _partition(snapshot: Snapshot, rows: np.ndarray, state: State,
               excluded: Iterable[tuple[str, str]]) -> Partition:
    p, ids = state.p, snapshot.ids.names
    focus = p.rules.focus
    groups, topics = [], []
    for g in np.flatnonzero(state.count > 0):
        groups.append(tuple(sorted(ids[rows[pos]] for b in state.members[g]
                                   for pos in p.blocks[b])))
        topics.append(focus[g] if g < len(focus) else None)
    if not groups:
        raise InfeasibleError("no group can be formed from this pool within the rules")
    unassigned = list(excluded)
    for block in np.flatnonzero(state.where < 0):
        members = [snapshot.members[rows[pos]] for pos in p.blocks[block]]
        reason = _reason(state, block, ", ".join(sorted({m.organisation for m in members
                                                        if m.organisation})))
        unassigned += [(m.id, reason) for m in members]
    return Partition(tuple(groups), tuple(topics), tuple(sorted(unassigned)))


def form_groups(snapshot: Snapshot, rows: Sequence[int] | np.ndarray, rules: GroupRules, *,
                seed: int = 0, previous: Sequence[Sequence[str]] | None = None,
                excluded: Iterable[tuple[str, str]] = (),
                features: np.ndarray | None = None) -> Partition:
    """Split the members at snapshot ``rows`` into groups that keep ``rules``.

    ``previous`` (groups of member ids) is a warm start: members stay where it put them unless
    a pin, a rule or a clearly better fit moves them. ``excluded`` (id, reason) pairs are
    reported as unassigned; ``features`` defaults to :func:`member_features`. Raises
    :class:`InfeasibleError` when the rules cannot hold.

    Six members from three organisations, two interests, groups of three with at most one
    member of an organisation each:

    >>> from models import Community, Member
    >>> people = [Member(id=f"m{i}", organisation=f"org{i % 3}",
    ...                  interests=["patient safety" if i <= 3 else "health inequalities"])
    ...           for i in range(1, 7)]
    >>> snapshot = Snapshot(Community(members=people), {})
    >>> rules = GroupRules(min_size=3, max_size=3, max_per_organisation=1)
    >>> sorted(form_groups(snapshot, range(6), rules).groups)
    [('m1', 'm2', 'm3'), ('m4', 'm5', 'm6')]
    """
    rows = np.asarray(rows, dtype=np.int64)
    features = member_features(snapshot, rows) if features is None else features
    state = State(build_problem(snapshot, rows, rules, features, previous))
    # One BLAS thread: the search makes many small matrix-vector products, which threads slow
    # down (badly on a busy machine).
    with threadpool_limits(limits=1, user_api="blas"):
        search(state, features, seed, bool(previous))
    return _partition(snapshot, rows, state, excluded)

