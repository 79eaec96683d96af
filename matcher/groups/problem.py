"""Group formation, the problem set-up: the coordinator's rules (:class:`GroupRules`), checked
against the pool, and the pool as blocks with everything the rules and the score read
(:class:`Problem`, built by :func:`build_problem`).

Each member is one feature vector (:func:`member_features`): the profile embedding and the
IDF-weighted interests and skills, scaled so that the dot product of two vectors is a weighted
sum of their three cosines. Members who must be together form one block, and each block keeps
the sum of its members' vectors.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from matcher.recommend.snapshot import Snapshot
from models.errors import QConnectError

__all__ = ["GroupRules", "InfeasibleError", "Problem", "build_problem", "member_features"]


class InfeasibleError(QConnectError):
    """The rules cannot all hold for this pool, e.g. a minimum size larger than the pool."""


@dataclass(frozen=True)
class GroupRules:
    """What a coordinator asks for. Sizes, the organisation cap, roles, together, apart and
    pins are hard rules; the weights only steer.

    ``pins`` maps a member id to a group index; ``focus`` names a topic for groups 0, 1, …;
    ``known_weight`` is added per tie inside a group (negative favours new contacts; a pair's
    similarity is worth about ``2 × cosine / size``, so ±0.1 is a strong steer);
    ``stay_weight`` is what leaving a previous proposal's group costs a member.
    """

    min_size: int
    max_size: int
    groups: int | None = None
    max_per_organisation: int | None = None
    min_roles: int = 0
    together: tuple[tuple[str, ...], ...] = ()
    apart: tuple[tuple[str, str], ...] = ()
    pins: Mapping[str, int] = field(default_factory=dict)
    focus: tuple[str, ...] = ()
    known_weight: float = 0.0
    focus_weight: float = 0.5
    stay_weight: float = 0.2


def member_features(snapshot: Snapshot, rows: np.ndarray, topic_weight: float = 0.2,
                    skill_weight: float = 0.05) -> np.ndarray:
    """One row per member: embedding, interests and skills (unit parts), weighted so that a row
    product is ``(cos_embedding + topic_weight·cos_topics + skill_weight·cos_skills) / total``."""
    parts = [snapshot.embeddings[rows],
             math.sqrt(topic_weight) * snapshot.topic_profile[rows].toarray(),
             math.sqrt(skill_weight) * snapshot.skill_profile[rows].toarray()]
    return (np.hstack(parts) / math.sqrt(1 + topic_weight + skill_weight)).astype(np.float32)


@dataclass
class Problem:
    """The pool as blocks (members who must be together), with everything the rules read."""

    rules: GroupRules
    k: int
    blocks: list[np.ndarray]  # pool positions of each block's members
    vec: np.ndarray  # sum of each block's feature vectors
    norm2: np.ndarray
    size: np.ndarray
    orgs: list[Counter]  # organisation codes (known ones only) in each block
    roles: list[Counter]
    apart: list[set[int]]  # blocks each block must not share a group with
    pin: np.ndarray  # group index, or -1
    home: np.ndarray  # group in the previous proposal, or -1
    focus_hits: np.ndarray  # blocks × focused groups: members interested in the focus topic
    ties: sp.csr_matrix  # blocks × blocks: ties between them


def _group_count(n: int, rules: GroupRules, previous: Sequence[Sequence[str]] | None,
                 orgs: np.ndarray) -> int:
    """The number of groups asked for, or the previous proposal's, or else groups of the
    middle size — more, within the minimum size, when one organisation needs them to fit
    under the cap."""
    low, high = rules.min_size, rules.max_size
    if rules.groups is not None:
        if rules.groups * low > n:
            raise InfeasibleError(f"{n} members cannot fill {rules.groups} groups of at least "
                                  f"{low}")
        return rules.groups
    if previous:
        return len(previous)
    target = max(math.ceil(n / ((low + high) / 2)), math.ceil(n / high))
    known = orgs[orgs >= 0]
    if rules.max_per_organisation is not None and len(known):
        target = max(target, math.ceil(np.bincount(known).max() / rules.max_per_organisation))
    return max(1, min(target, n // low))


def _check_rules(rules: GroupRules, n: int, roles: np.ndarray) -> None:
    if rules.min_size < 1 or rules.max_size < rules.min_size:
        raise InfeasibleError(f"sizes must satisfy 1 ≤ min ({rules.min_size}) ≤ max "
                              f"({rules.max_size})")
    if (rules.groups is not None and rules.groups < 1) or (
            rules.max_per_organisation is not None and rules.max_per_organisation < 1):
        raise InfeasibleError("the number of groups and the organisation cap must be ≥ 1")
    if n < rules.min_size:
        raise InfeasibleError(f"the pool has {n} members, fewer than the minimum group size "
                              f"{rules.min_size}")
    distinct = len(set(roles[roles >= 0].tolist()))
    if rules.min_roles > min(distinct, rules.max_size):
        raise InfeasibleError(f"groups cannot have {rules.min_roles} distinct roles: the pool "
                              f"has {distinct} roles and groups at most {rules.max_size} members")


def _places_of(names: Iterable[str], where: Mapping[str, int], what: str) -> list[int]:
    """The pool positions of ``names`` (members named in a rule about ``what``)."""
    missing = [m for m in names if m not in where]
    if missing:
        raise InfeasibleError(f"{missing[0]} ({what}) is not in the pool")
    return [where[m] for m in names]


def _blocks(n: int, rules: GroupRules, where: Mapping[str, int]) -> np.ndarray:
    """A block label per pool position: members who must be together share one."""
    a, b = [], []
    for names in rules.together:
        rows = _places_of(names, where, "together")
        a += rows[:-1]
        b += rows[1:]
    graph = sp.coo_matrix((np.ones(len(a)), (a, b)), shape=(n, n))
    return connected_components(graph, directed=False)[1]


def build_problem(snapshot: Snapshot, rows: np.ndarray, rules: GroupRules,
                  features: np.ndarray, previous: Sequence[Sequence[str]] | None) -> Problem:
    """The members at snapshot ``rows`` as a :class:`Problem`, once the rules are checked
    against them (raises :class:`InfeasibleError` when they cannot hold)."""
    n = len(rows)
    roles, orgs = snapshot.role[rows], snapshot.organisation[rows]
    _check_rules(rules, n, roles)
    k = _group_count(n, rules, previous, orgs)
    where = {snapshot.ids.names[r]: i for i, r in enumerate(rows)}
    label = _blocks(n, rules, where)
    sizes = np.bincount(label)
    blocks = np.split(np.argsort(label, kind="stable"), np.cumsum(sizes)[:-1])
    member = sp.csr_matrix((np.ones(n), (np.arange(n), label)), shape=(n, len(blocks)))
    pool_ties = snapshot.adjacency[rows][:, rows]
    ties = sp.csr_matrix(member.T @ pool_ties @ member)
    ties.setdiag(0)
    ties.eliminate_zeros()
    vec = np.asarray(member.T @ features)
    problem = Problem(
        rules, k, blocks, vec, np.einsum("ij,ij->i", vec, vec), sizes,
        [Counter(orgs[b][orgs[b] >= 0].tolist()) for b in blocks],
        [Counter(roles[b][roles[b] >= 0].tolist()) for b in blocks],
        [set() for _ in blocks], np.full(len(blocks), -1), np.full(len(blocks), -1),
        np.zeros((len(blocks), len(rules.focus))), ties)
    _add_pairs_and_pins(problem, rules, where, label, orgs, snapshot.ids.names, rows)
    _add_focus_and_home(problem, snapshot, rows, label, where, previous)
    return problem


def _add_pairs_and_pins(problem: Problem, rules: GroupRules, where: Mapping[str, int],
                        label: np.ndarray, orgs: np.ndarray, ids: Sequence[str],
                        rows: np.ndarray) -> None:
    for a, b in rules.apart:
        x, y = (label[p] for p in _places_of((a, b), where, "apart"))
        if x == y:
            raise InfeasibleError(f"{a} and {b} must be both together and apart")
        problem.apart[x].add(y)
        problem.apart[y].add(x)
    for member, group in sorted(rules.pins.items()):
        if not 0 <= group < problem.k:
            raise InfeasibleError(f"{member} is pinned to group {group}, but there are "
                                  f"{problem.k} groups (0–{problem.k - 1})")
        block = label[_places_of([member], where, "pinned")[0]]
        if problem.pin[block] not in (-1, group):
            raise InfeasibleError(f"{member} is pinned to group {group} but must be together "
                                  f"with members pinned to group {problem.pin[block]}")
        problem.pin[block] = group
    cap = rules.max_per_organisation
    for block, size in enumerate(problem.size):
        first = ids[rows[problem.blocks[block][0]]]
        if size > rules.max_size:
            raise InfeasibleError(f"{size} members must be together with {first}: more than "
                                  f"the maximum group size {rules.max_size}")
        if cap is not None and max(problem.orgs[block].values(), default=0) > cap:
            raise InfeasibleError(f"members who must be together with {first} include more "
                                  f"than {cap} from one organisation")


def _add_focus_and_home(problem: Problem, snapshot: Snapshot, rows: np.ndarray,
                        label: np.ndarray, where: Mapping[str, int],
                        previous: Sequence[Sequence[str]] | None) -> None:
    if len(problem.rules.focus) > problem.k:
        raise InfeasibleError(f"{len(problem.rules.focus)} focus topics for {problem.k} groups")
    for g, topic in enumerate(problem.rules.focus):
        column = snapshot.topics.index.get(topic)
        if column is None:  # no one follows it yet (declared, say): the focus finds no one
            continue
        interested = snapshot.member_topics[rows][:, column]
        problem.focus_hits[:, g] = np.bincount(label, interested.toarray().ravel(),
                                               minlength=len(problem.blocks))
    for g, names in enumerate((previous or ())[:problem.k]):
        for name in names:
            if name in where:
                problem.home[label[where[name]]] = g

