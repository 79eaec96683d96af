"""Group suggestions: which interest groups a member would join.

Every group is scored (there are far fewer groups than members) from collaborative filtering
over the community's memberships and from content:

- **random walks**: from the member's groups to their members and on to other groups
  (:func:`~matcher.recommend.graph_signals.random_walk_weights`), as they reach each group (P³)
  and with popular groups damped by √size (RP3β): which of the two ranks better differs
  between communities (``benchmarks/group_cf.py``), so both are features and baselines, and
  training finds how much popularity counts in this one;
- **co-membership**: members the group shares with the member's groups, ÷ √(size + 1);
- closeness in meaning of the member's profile to the group's, the share of the group's topics
  the member is interested in, the member's connections already in it, and its size.

Collaborative filtering needs memberships and no text; content needs text and no memberships,
so a community with either is served. The weights are learned like the people ranker's, from
the community's own memberships (one hidden for a share of members, see
:func:`group_training_set`), and the learned ranker is kept only where it beats RP3β, P³,
co-membership and popularity on held-out members; otherwise the best of those ranks. Too few
memberships to learn from: :data:`FALLBACK_WEIGHTS`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from matcher.recommend.candidates import top_rows
from matcher.recommend.features import rank_percentile, relative
from matcher.recommend.rankers import (
    FormulaRanker,
    LogisticRanker,
    Ranker,
    TrainingSet,
    choose_ranker,
)
from matcher.recommend.snapshot import Snapshot

__all__ = ["BASELINES", "FALLBACK_WEIGHTS", "GROUP_FEATURES", "GroupRanking", "fallback_ranker",
           "group_features", "group_training_set", "train_group_ranking", "umbrella_groups"]

GROUP_FEATURES = ("cosine", "topics", "co_membership_rel", "co_membership_rank", "walks_rel",
                  "walks_rank", "reach_rel", "reach_rank", "connections", "connections_rel",
                  "size_rel", "size_rank")
FALLBACK_WEIGHTS = {"cosine": 0.4, "topics": 0.3, "co_membership_rel": 0.15,
                    "connections_rel": 0.1, "size_rel": 0.05}
BASELINES = {
    "RP3beta": FormulaRanker({"walks_rel": 1.0}, GROUP_FEATURES),
    "P3": FormulaRanker({"reach_rel": 1.0}, GROUP_FEATURES),
    "co-membership": FormulaRanker({"co_membership_rel": 1.0}, GROUP_FEATURES),
    "popularity": FormulaRanker({"size_rel": 1.0}, GROUP_FEATURES),
}
"""The single signals the learned ranker must beat on validation."""
MIN_POSITIVES = 20
HIDDEN_SHARE = 0.4
"""The share of members in two or more groups who have one membership hidden for training:
hiding one of everyone's would take away much of what collaborative filtering learns from.
A small community has at least :data:`MIN_HIDDEN` hidden (or every such member's)."""
MIN_HIDDEN = 100
UMBRELLA = 0.2
"""A group holding more than this share of all members is an umbrella (everyone's default
group, see :func:`umbrella_groups`); its memberships are never the hidden ones, in training
or in evaluation, as suggesting it teaches nothing."""
CANDIDATES = 50
"""Groups each signal contributes to a training query's candidates."""

_KINDS = {"learned": "logistic regression", "fallback formula":
          "fallback formula (too few memberships to learn from)"}


def _signals(snapshot: Snapshot, row: int) -> dict[str, np.ndarray]:
    membership, sizes = snapshot.membership, snapshot.group_sizes
    mine = membership[row].toarray().ravel()
    # Members shared with the member's groups, not counting a group's overlap with itself.
    overlap = np.asarray(snapshot.group_overlap.T @ mine).ravel() - mine * sizes
    topic_counts = np.asarray(snapshot.group_topics.sum(axis=1)).ravel()
    interested = (snapshot.group_topics @ snapshot.member_topics[row].T).toarray().ravel()
    return {
        "cosine": snapshot.group_embeddings @ snapshot.embeddings[row],
        "topics": np.divide(interested, topic_counts, out=np.zeros(len(sizes)),
                            where=topic_counts > 0),
        "co_membership": overlap / np.sqrt(sizes + 1),
        "reach": (reach := np.asarray(snapshot.group_walks.T @ mine).ravel()),
        "walks": reach / np.sqrt(np.maximum(sizes, 1)),  # RP3β with β = 0.5
        "friends": np.asarray(membership[snapshot.scored_neighbours(row)].sum(axis=0),
                              dtype=np.float64).ravel(),
        "size": np.log1p(sizes),
    }


def group_features(snapshot: Snapshot, row: int) -> np.ndarray:
    """A ``groups × GROUP_FEATURES`` matrix of member ``row`` against every group."""
    found = _signals(snapshot, row)
    columns = {
        "cosine": found["cosine"],
        "topics": found["topics"],
        "co_membership_rel": relative(found["co_membership"]),
        "co_membership_rank": rank_percentile(found["co_membership"]),
        "walks_rel": relative(found["walks"]),
        "walks_rank": rank_percentile(found["walks"]),
        "reach_rel": relative(found["reach"]),
        "reach_rank": rank_percentile(found["reach"]),
        "connections": np.log1p(found["friends"]),
        "connections_rel": relative(found["friends"]),
        "size_rel": relative(found["size"]),
        "size_rank": rank_percentile(found["size"]),
    }
    return np.column_stack([columns[n] for n in GROUP_FEATURES]).astype(np.float32)


def umbrella_groups(snapshot: Snapshot) -> np.ndarray:
    """Which groups are umbrellas (each holds more than :data:`UMBRELLA` of all members): what
    training and evaluation alike never hide, so that the ranker learns what it is measured on.
    """
    return snapshot.group_sizes > UMBRELLA * len(snapshot)


def _hide_memberships(snapshot: Snapshot, rng: np.random.Generator
                      ) -> tuple[Snapshot, dict[int, int]]:
    """A snapshot with one membership hidden for :data:`HIDDEN_SHARE` of the members in two or
    more groups (never an :data:`UMBRELLA` group's), and which it was for each."""
    membership, umbrella = snapshot.membership, umbrella_groups(snapshot)
    eligible = [row for row in range(len(snapshot))
                if membership.indptr[row + 1] - membership.indptr[row] >= 2]
    share = max(HIDDEN_SHARE, MIN_HIDDEN / max(len(eligible), 1))
    hidden: dict[int, int] = {}
    for row in eligible:
        groups = membership.indices[membership.indptr[row]:membership.indptr[row + 1]]
        open_to_hide = groups[~umbrella[groups]]
        if len(open_to_hide) and rng.random() < share:
            hidden[row] = int(rng.choice(open_to_hide))
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


def group_training_set(snapshot: Snapshot, *, max_queries: int = 3000,
                       seed: int = 0) -> TrainingSet:
    """The candidate groups of members with a hidden membership (see
    :func:`_hide_memberships`), labelled: each signal's best :data:`CANDIDATES` groups the
    member is not in."""
    rng = np.random.default_rng(seed)
    train, hidden = _hide_memberships(snapshot, rng)
    rows = sorted(hidden)
    if len(rows) > max_queries:
        rows = sorted(rng.choice(rows, max_queries, replace=False).tolist())
    features, labels, query = [], [], []
    for row in rows:
        allowed = train.membership[row].toarray().ravel() == 0
        found = group_features(train, row)
        names = ("walks_rel", "co_membership_rel", "size_rel", "cosine", "topics")
        chosen = np.unique(np.concatenate([
            top_rows(found[:, GROUP_FEATURES.index(n)], allowed, CANDIDATES) for n in names]))
        positive = chosen == hidden[row]
        if not positive.any():
            continue
        features.append(found[chosen])
        labels.append(positive)
        query.append(np.full(len(chosen), len(features) - 1))
    if not features:
        return TrainingSet(np.zeros((0, len(GROUP_FEATURES)), dtype=np.float32),
                           np.zeros(0, dtype=bool), np.zeros(0, dtype=np.int64),
                           np.zeros(0, dtype=np.int64), "one membership of some members")
    return TrainingSet(np.vstack(features), np.concatenate(labels), np.concatenate(query),
                       np.ones(len(features), dtype=np.int64),
                       f"one membership of {HIDDEN_SHARE:.0%} of members in two or more groups")


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
        for group in snapshot.excluded_by_feedback(snapshot.ids.names[row], "group"):
            if group in snapshot.group_ids.index:
                allowed[snapshot.group_ids.index[group]] = False
        return scores, allowed


def train_group_ranking(snapshot: Snapshot, *, C: float = 0.1, seed: int = 0) -> GroupRanking:
    """Learn to rank groups from the community's own memberships, and keep the learned ranker
    only where it beats the single-signal baselines."""
    data = group_training_set(snapshot, seed=seed)
    ranker, chosen = choose_ranker(LogisticRanker(C=C), BASELINES, fallback_ranker(), data,
                                   min_positives=MIN_POSITIVES, seed=seed)
    return GroupRanking(ranker=ranker, metadata={
        "kind": _KINDS.get(chosen["chosen"], f"{chosen['chosen']} order"), **chosen,
        "queries": data.queries, "holdout": data.holdout, "features": list(GROUP_FEATURES)})
