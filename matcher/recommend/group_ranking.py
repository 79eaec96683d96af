"""Group suggestions: which interest groups a member would join.

Every group is scored (there are far fewer groups than members) from: closeness in meaning of
the member's profile to the group's, the share of the group's topics the member is interested
in, co-membership (how much the group's members overlap with the member's other groups), the
member's connections already in it, and its size. The weights are learned like the people
ranker's, from the community's own memberships: one membership of each member in two or more
groups is hidden and must be ranked above the groups they are not in. Too few memberships to
learn from: :data:`FALLBACK_WEIGHTS`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from matcher.recommend.features import relative
from matcher.recommend.rankers import (
    FormulaRanker,
    LogisticRanker,
    Ranker,
    TrainingSet,
    fit_or_fallback,
)
from matcher.recommend.snapshot import Snapshot

__all__ = ["FALLBACK_WEIGHTS", "GROUP_FEATURES", "GroupRanking", "fallback_ranker",
           "group_features", "group_training_set", "train_group_ranking"]

GROUP_FEATURES = ("cosine", "topics", "co_membership", "connections", "connections_rel",
                  "size_rel")
FALLBACK_WEIGHTS = {"cosine": 0.4, "topics": 0.3, "co_membership": 0.15, "connections_rel": 0.1,
                    "size_rel": 0.05}
MIN_POSITIVES = 20


def group_features(snapshot: Snapshot, row: int) -> np.ndarray:
    """A ``groups × GROUP_FEATURES`` matrix of member ``row`` against every group."""
    membership, sizes = snapshot.membership, snapshot.group_sizes
    mine = membership[row].toarray().ravel()
    # Members shared with the member's groups, not counting a group's overlap with itself.
    overlap = np.asarray(snapshot.group_overlap.T @ mine).ravel() - mine * sizes
    topic_counts = np.asarray(snapshot.group_topics.sum(axis=1)).ravel()
    interested = (snapshot.group_topics @ snapshot.member_topics[row].T).toarray().ravel()
    friends = (snapshot.adjacency[row] @ membership).toarray().ravel()
    columns = {
        "cosine": snapshot.group_embeddings @ snapshot.embeddings[row],
        "topics": np.divide(interested, topic_counts, out=np.zeros(len(sizes)),
                            where=topic_counts > 0),
        "co_membership": relative(np.divide(overlap, sizes, out=np.zeros(len(sizes)),
                                             where=sizes > 0)),
        "connections": np.log1p(friends),
        "connections_rel": relative(friends),
        "size_rel": relative(np.log1p(sizes)),
    }
    return np.column_stack([columns[n] for n in GROUP_FEATURES]).astype(np.float32)


def _hide_one_membership(snapshot: Snapshot, rng: np.random.Generator
                         ) -> tuple[Snapshot, dict[int, int]]:
    """A snapshot with one membership hidden for each member in two or more groups."""
    membership = snapshot.membership
    hidden: dict[int, int] = {}
    for row in range(len(snapshot)):
        groups = membership.indices[membership.indptr[row]:membership.indptr[row + 1]]
        if len(groups) >= 2:
            hidden[row] = int(rng.choice(groups))
    ids = snapshot.ids.names
    drop = {(ids[r], snapshot.groups[g].id) for r, g in hidden.items()}
    groups = [g.model_copy(update={
        "members": [m for m in g.members if (m, g.id) not in drop],
        "coordinators": [m for m in g.coordinators if (m, g.id) not in drop]})
        for g in snapshot.groups]
    return snapshot.with_changes(groups=groups), hidden


def fallback_ranker() -> FormulaRanker:
    """The documented formula (:data:`FALLBACK_WEIGHTS`), ready to score."""
    return FormulaRanker(FALLBACK_WEIGHTS, GROUP_FEATURES).fit(np.zeros((0, len(GROUP_FEATURES))))


def group_training_set(snapshot: Snapshot, *, negatives: int = 30, max_queries: int = 3000,
                       seed: int = 0) -> TrainingSet:
    """Labelled (member, group) pairs from hiding one membership of each member in two or
    more groups: the hidden group against up to ``negatives`` groups they are not in."""
    rng = np.random.default_rng(seed)
    train, hidden = _hide_one_membership(snapshot, rng)
    rows = sorted(hidden)
    if len(rows) > max_queries:
        rows = sorted(rng.choice(rows, max_queries, replace=False).tolist())
    features, labels = [np.zeros((0, len(GROUP_FEATURES)))], [np.zeros(0, dtype=bool)]
    for row in rows:
        joined = train.membership[row].toarray().ravel() > 0
        others = np.flatnonzero(~joined)
        others = others[others != hidden[row]]
        pick = np.concatenate([[hidden[row]], rng.permutation(others)[:negatives]])
        features.append(group_features(train, row)[pick])
        labels.append(pick == hidden[row])
    return TrainingSet(np.vstack(features), np.concatenate(labels), len(rows),
                       "one membership per member")


@dataclass(frozen=True)
class GroupRanking:
    """What ranking groups needs from training: the ranker, and what training found."""

    ranker: Ranker = field(default_factory=fallback_ranker)
    metadata: Mapping[str, Any] = field(
        default_factory=lambda: {"kind": "fallback formula (not trained)",
                                 "features": list(GROUP_FEATURES)})

    def scores(self, snapshot: Snapshot, row: int) -> tuple[np.ndarray, np.ndarray]:
        """Scores of every group for member ``row``, and which of them may be suggested."""
        scores = self.ranker.decision_function(group_features(snapshot, row))
        if isinstance(self.ranker, LogisticRanker):  # a probability reads better than logits
            scores = 1 / (1 + np.exp(-scores))
        allowed = snapshot.membership[row].toarray().ravel() == 0
        for group in snapshot.excluded_by_feedback(snapshot.ids.names[row]):
            if group in snapshot.group_ids.index:
                allowed[snapshot.group_ids.index[group]] = False
        return scores, allowed


def train_group_ranking(snapshot: Snapshot, *, C: float = 1.0, seed: int = 0) -> GroupRanking:
    """Learn to rank groups from the community's own memberships (see the module docstring)."""
    data = group_training_set(snapshot, seed=seed)
    ranker, learned = fit_or_fallback(LogisticRanker(C=C), fallback_ranker(), data.features,
                                      data.labels, min_positives=MIN_POSITIVES)
    return GroupRanking(ranker=ranker, metadata={
        "kind": "logistic regression" if learned
        else "fallback formula (too few memberships to learn from)",
        "queries": data.queries, "features": list(GROUP_FEATURES)})
