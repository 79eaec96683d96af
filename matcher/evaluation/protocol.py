"""Offline evaluation: qconnect against baselines on held-out ties and memberships, one run.

Protocol (people): for each query member with held-out ties, every method ranks all members
except the member and their remaining connections; the top k are scored against the held-out
ties. qconnect is evaluated as it is served (its exclusion rules, exposure cap and
organisation mix included), with its ranker trained on the evaluation's training graph only.
Groups: one membership of each member in three or more groups is held out, never an umbrella
group's (:func:`~matcher.recommend.group_ranking.umbrella_groups`), as in training.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict, dataclass

import numpy as np

from matcher.evaluation.methods import Ranking, group_methods, people_methods, served
from matcher.evaluation.metrics import coverage, gini, hit, ndcg, recall, reciprocal_rank
from matcher.recommend.group_ranking import train_group_ranking, umbrella_groups
from matcher.recommend.people_ranking import split_ties, train_people_ranking
from matcher.recommend.recommender import Recommender
from matcher.recommend.snapshot import Snapshot
from models.errors import QConnectError

__all__ = ["Holdout", "MethodResult", "RankedLists", "evaluate", "hold_out",
           "ranked_lists"]

@dataclass(frozen=True)
class MethodResult:
    task: str
    method: str
    recall: float
    ndcg: float
    hit: float
    mrr: float
    coverage: float
    gini: float
    queries: int

    def as_dict(self) -> dict[str, float | str | int]:
        return {k: round(v, 4) if isinstance(v, float) else v for k, v in asdict(self).items()}


@dataclass(frozen=True)
class Holdout:
    train: Snapshot
    people: Mapping[str, set[str]]  # member → held-out connections
    groups: Mapping[str, set[str]]  # member → held-out group


def hold_out(snapshot: Snapshot, share: float = 0.2, seed: int = 0,
             test: Mapping[str, set[str]] | None = None) -> Holdout:
    """Hide ``share`` of the ties (most recent when dated, else random) and one membership of
    each member in three or more groups, never an umbrella group's (:func:`umbrella_groups`).
    With ``test`` (member → ties or groups held out elsewhere, as in a published split) nothing
    is hidden: the test is the held-out data, a member's ids naming groups (the groups task) or
    members (the people task)."""
    if test is not None:
        _check_test(snapshot, test)
        groups = snapshot.group_ids.index
        joins = {m: set(ids) for m, ids in test.items() if ids and set(ids) <= groups.keys()}
        ties = {m: set(ids) for m, ids in test.items() if m not in joins}
        return Holdout(snapshot, ties, joins)
    rng = np.random.default_rng(seed)
    kept, held, _ = split_ties(list(snapshot.community.connections), share, rng)
    people: dict[str, set[str]] = {}
    for tie in held:
        people.setdefault(tie.source, set()).add(tie.target)
        people.setdefault(tie.target, set()).add(tie.source)
    umbrella = {g.id for g, wide in zip(snapshot.groups, umbrella_groups(snapshot), strict=True)
                if wide}
    hidden: dict[str, set[str]] = {}
    for member in snapshot.members:
        mine = sorted(g.id for g in snapshot.groups if member.id in (*g.members, *g.coordinators))
        open_to_hide = [g for g in mine if g not in umbrella]
        if len(mine) >= 3 and open_to_hide:
            hidden[member.id] = {open_to_hide[int(rng.integers(len(open_to_hide)))]}
    groups = [g.model_copy(update={
        "members": [m for m in g.members if g.id not in hidden.get(m, ())],
        "coordinators": [m for m in g.coordinators if g.id not in hidden.get(m, ())]})
        for g in snapshot.groups]
    return Holdout(snapshot.with_changes(connections=kept, groups=groups), people, hidden)


def _check_test(snapshot: Snapshot, test: Mapping[str, set[str]]) -> None:
    """Refuse a held-out test that would measure nothing: no answers, a member held out as
    their own answer, or no member of this community asking."""
    if not any(test.values()):
        raise QConnectError("the held-out test holds no held-out ids")
    if mistaken := sorted(member for member, ids in test.items() if member in ids):
        raise QConnectError(f"the held-out test has {mistaken[0]!r} as their own answer")
    if not test.keys() & snapshot.ids.index.keys():
        raise QConnectError(f"no member the held-out test names is in the community (such as "
                            f"{min(test)!r}): is the test this community's?")


@dataclass(frozen=True)
class RankedLists:
    """One method's top-k lists for every query of one task, and what each query should find.

    Queries are member rows; list items are member rows (people) or group columns (groups).
    """

    task: str
    method: str
    k: int
    queries: tuple[int, ...]
    relevant: tuple[frozenset[int], ...]
    lists: tuple[tuple[int, ...], ...]
    catalogue: int

    def per_query(self) -> np.ndarray:
        """A row per query: recall, nDCG, hit and reciprocal rank at k."""
        scores = [(recall(r, rel), ndcg(r, rel, self.k), hit(r, rel), reciprocal_rank(r, rel))
                  for r, rel in zip(self.lists, self.relevant, strict=True)]
        return np.array(scores, dtype=float).reshape(len(scores), 4)

    def exposure(self) -> np.ndarray:
        """How many lists each catalogue item appears in (zeros included)."""
        counts = Counter(item for ranked in self.lists for item in ranked)
        return np.array([counts.get(i, 0) for i in range(self.catalogue)], dtype=float)

    def result(self) -> MethodResult:
        per_query = self.per_query()
        means = per_query.mean(axis=0) if len(per_query) else np.zeros(4)
        return MethodResult(self.task, self.method, *map(float, means),
                            coverage(self.lists, self.catalogue), gini(self.exposure()),
                            len(self.queries))


def _lists(task: str, name: str, rank: Ranking, queries: list[tuple[int, set[int]]], k: int,
           catalogue: int) -> RankedLists:
    return RankedLists(task, name, k, tuple(row for row, _ in queries),
                       tuple(frozenset(rel) for _, rel in queries),
                       tuple(tuple(rank(row, k)) for row, _ in queries), catalogue)


def ranked_lists(holdout: Holdout, k: int = 10, seed: int = 0,
                 served_by: Mapping[str, Recommender] | None = None) -> list[RankedLists]:
    """Every method's lists on every task with held-out data, for a closer look than
    :func:`evaluate`'s means (quality per member, exposure, who is suggested).

    ``served_by`` names the recommenders evaluated beside the baselines, each as members get
    it (rankers and rules); by default ``qconnect``, trained on the held-out community's
    training part with the default rules.
    """
    train = holdout.train
    if served_by is None:
        served_by = {"qconnect": Recommender(train, train_people_ranking(train, seed=seed),
                                             train_group_ranking(train, seed=seed))}
    lists = {name: served(recommender) for name, recommender in served_by.items()}
    index, group_index = train.ids.index, train.group_ids.index
    found = []
    people = [(index[m], {index[o] for o in others if o in index})
              for m, others in sorted(holdout.people.items()) if m in index]
    if people:
        methods = people_methods(train, seed) | {n: p for n, (p, _) in lists.items()}
        for name, rank in methods.items():
            found.append(_lists("people", name, rank, people, k, len(train)))
    groups = [(index[m], {group_index[g] for g in gs}) for m, gs in sorted(holdout.groups.items())
              if m in index]
    if groups:
        methods = group_methods(train) | {n: g for n, (_, g) in lists.items()}
        for name, rank in methods.items():
            found.append(_lists("groups", name, rank, groups, k, len(train.groups)))
    return found


def evaluate(holdout: Holdout, k: int = 10, seed: int = 0,
             served_by: Mapping[str, Recommender] | None = None) -> list[MethodResult]:
    """Every method on every task with held-out data, as one table (see :func:`ranked_lists`)."""
    return [lists.result() for lists in ranked_lists(holdout, k, seed, served_by)]
