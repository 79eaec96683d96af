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

from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression

from matcher.recommend.snapshot import Snapshot

__all__ = ["FALLBACK_WEIGHTS", "GROUP_FEATURES", "GroupRanker", "group_features"]

GROUP_FEATURES = ("cosine", "topics", "co_membership", "connections", "connections_rel",
                  "size_rel")
FALLBACK_WEIGHTS = {"cosine": 0.4, "topics": 0.3, "co_membership": 0.15, "connections_rel": 0.1,
                    "size_rel": 0.05}
MIN_POSITIVES = 20


def _relative(values: np.ndarray) -> np.ndarray:
    top = values.max(initial=0.0)
    return values / top if top > 0 else np.zeros_like(values)


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
        "co_membership": _relative(np.divide(overlap, sizes, out=np.zeros(len(sizes)),
                                             where=sizes > 0)),
        "connections": np.log1p(friends),
        "connections_rel": _relative(friends),
        "size_rel": _relative(np.log1p(sizes)),
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


class GroupRanker:
    """Scores groups for a member; scikit-learn style (``fit`` learns, returns self)."""

    def __init__(self, C: float = 1.0, negatives: int = 30, max_queries: int = 3000,
                 seed: int = 0) -> None:
        self.C = C
        self.negatives = negatives
        self.max_queries = max_queries
        self.seed = seed
        self.model_: LogisticRegression | None = None
        self.metadata_: dict[str, Any] = {"kind": "fallback formula (not trained)"}

    def fit(self, snapshot: Snapshot) -> GroupRanker:
        rng = np.random.default_rng(self.seed)
        train, hidden = _hide_one_membership(snapshot, rng)
        rows = sorted(hidden)
        if len(rows) > self.max_queries:
            rows = sorted(rng.choice(rows, self.max_queries, replace=False).tolist())
        features, labels = [], []
        for row in rows:
            joined = train.membership[row].toarray().ravel() > 0
            others = np.flatnonzero(~joined)
            others = others[others != hidden[row]]
            pick = np.concatenate([[hidden[row]], rng.permutation(others)[: self.negatives]])
            features.append(group_features(train, row)[pick])
            labels.append(pick == hidden[row])
        self.metadata_ = {"queries": len(rows), "features": list(GROUP_FEATURES)}
        if len(rows) < MIN_POSITIVES:
            self.model_ = None
            self.metadata_["kind"] = "fallback formula (too few memberships to learn from)"
            return self
        self.model_ = LogisticRegression(C=self.C, max_iter=2000)
        self.model_.fit(np.vstack(features), np.concatenate(labels))
        self.metadata_["kind"] = "logistic regression"
        return self

    def score_all(self, snapshot: Snapshot, row: int) -> tuple[np.ndarray, np.ndarray]:
        """Scores of every group for member ``row``, and which of them may be suggested."""
        features = group_features(snapshot, row)
        if self.model_ is not None:
            scores = 1 / (1 + np.exp(-self.model_.decision_function(features)))
        else:
            scores = features @ np.array([FALLBACK_WEIGHTS.get(n, 0.0) for n in GROUP_FEATURES])
        allowed = snapshot.membership[row].toarray().ravel() == 0
        excluded = snapshot.excluded_by_feedback(snapshot.ids.names[row])
        for g in excluded:
            if g in snapshot.group_ids.index:
                allowed[snapshot.group_ids.index[g]] = False
        return scores, allowed
