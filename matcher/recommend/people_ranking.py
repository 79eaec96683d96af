"""Ranking people: which candidates a member would connect with.

Trained on the community's own connections, as a link-prediction task: hold out a share of
the ties (the most recent ones when most ties carry a date, otherwise a random share), compute
candidates and features on the graph that remains, and learn to score the held-out ties above
the other candidates — which are hard negatives, since every source found them plausible. A
regularised logistic regression over per-query-normalised features transfers from the thinned
training graph to the full graph it serves (see ``matcher/recommend/features.py``). It is kept
only where, on held-out queries, it beats Adamic-Adar, personalised PageRank and popularity;
otherwise the best of those ranks.

With too few ties to learn from (a new community), or for a member with no ties yet,
:data:`FALLBACK_WEIGHTS` score candidates instead: meaning and shared interests first, then the
graph. :class:`PeopleRanking` is what training leaves for serving: the ranker, the formula, and
the role affinities the features read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sklearn

from matcher.recommend.candidates import candidate_rows, query_signals
from matcher.recommend.features import FEATURES, pair_features, role_affinity
from matcher.recommend.rankers import (
    FormulaRanker,
    LogisticRanker,
    Ranker,
    TrainingSet,
    choose_ranker,
)
from matcher.recommend.snapshot import Snapshot
from models import Connection

__all__ = ["FALLBACK_WEIGHTS", "PeopleRanking", "fallback_ranker",
           "people_training_set", "split_ties", "train_people_ranking"]

FALLBACK_WEIGHTS = {
    "cosine": 0.35, "topics": 0.2, "skills": 0.1, "adamic_adar_rel": 0.15,
    "pagerank_rel": 0.1, "groups_rel": 0.05, "offers": 0.05,
}
MIN_POSITIVES = 30
"""Held-out ties the candidates must recover before a learned model is trusted."""

BASELINES = {
    "Adamic-Adar": FormulaRanker({"adamic_adar_rel": 1.0}, FEATURES),
    "personalised PageRank": FormulaRanker({"pagerank_rel": 1.0}, FEATURES),
    "popularity": FormulaRanker({"degree_rel": 1.0}, FEATURES),
}
"""The single signals the learned ranker must beat on validation (each ranks candidates as it
would rank everyone: its own best are among them)."""

_KINDS = {"learned": "logistic regression", "fallback formula":
          "fallback formula (too few ties to learn from)"}


def split_ties(ties: list[Connection], share: float,
           rng: np.random.Generator) -> tuple[list[Connection], list[Connection], str]:
    """Kept and held-out ties, and how they were chosen: the most recent ``share`` when most
    ties carry a date, a random ``share`` otherwise."""
    dated = [t for t in ties if t.since]
    if len(dated) >= 0.5 * len(ties):
        ordered = sorted(ties, key=lambda t: (t.since or dt.date.min, t.source, t.target))
        cut = int(len(ordered) * (1 - share))
        return ordered[:cut], ordered[cut:], "most recent"
    held = rng.random(len(ties)) < share
    return ([t for t, h in zip(ties, held, strict=True) if not h],
            [t for t, h in zip(ties, held, strict=True) if h], "random")


def people_training_set(snapshot: Snapshot, *, share: float = 0.2, max_queries: int = 3000,
                        seed: int = 0) -> TrainingSet:
    """Every candidate of members with held-out ties, labelled, from hiding ``share`` of the
    snapshot's ties (see :func:`split_ties`). Members left with no tie are not queries: the
    formula ranks for them."""
    rng = np.random.default_rng(seed)
    kept, held, method = split_ties(list(snapshot.community.connections), share, rng)
    train = snapshot.with_changes(connections=kept)
    index = train.ids.index
    hidden: dict[int, set[int]] = {}
    for tie in held:
        a, b = index[tie.source], index[tie.target]
        hidden.setdefault(a, set()).add(b)
        hidden.setdefault(b, set()).add(a)
    queries = [row for row in sorted(hidden) if train.degree[row] > 0]
    if len(queries) > max_queries:
        queries = sorted(rng.choice(queries, max_queries, replace=False).tolist())
    affinity = role_affinity(train)
    features, labels, query, relevant = [], [], [], []
    for row in queries:
        allowed = np.ones(len(train), dtype=bool)
        allowed[row] = False
        allowed[train.neighbours(row)] = False
        signals = query_signals(train, row)
        rows = candidate_rows(signals, allowed)
        positive = np.isin(rows, list(hidden[row]))
        if not positive.any():  # nothing to learn from, and every ranking scores nothing
            continue
        features.append(pair_features(train, signals, rows, affinity))
        labels.append(positive)
        query.append(np.full(len(rows), len(relevant)))
        relevant.append(len(hidden[row]))
    if not features:
        return TrainingSet(np.zeros((0, len(FEATURES)), dtype=np.float32),
                           np.zeros(0, dtype=bool), np.zeros(0, dtype=np.int64),
                           np.zeros(0, dtype=np.int64), method)
    return TrainingSet(np.vstack(features), np.concatenate(labels), np.concatenate(query),
                       np.array(relevant), method)


def fallback_ranker() -> FormulaRanker:
    """The documented formula (:data:`FALLBACK_WEIGHTS`), ready to score."""
    return FormulaRanker(FALLBACK_WEIGHTS, FEATURES).fit(np.zeros((0, len(FEATURES))))


@dataclass(frozen=True)
class PeopleRanking:
    """What ranking people needs from training: the ranker, the formula for members with no
    ties yet (the ranker learned from members with ties, and has nothing to go on for them),
    the role affinities the features read, and what training found."""

    ranker: Ranker = field(default_factory=fallback_ranker)
    fallback: FormulaRanker = field(default_factory=fallback_ranker)
    role_affinity: Mapping[tuple[str, str], float] = field(default_factory=dict)
    metadata: Mapping[str, Any] = field(
        default_factory=lambda: {"kind": "fallback formula (not trained)",
                                 "features": list(FEATURES)})

    @property
    def learned(self) -> bool:
        return not isinstance(self.ranker, FormulaRanker)

    def scores(self, features: np.ndarray, *, newcomer: bool = False) -> np.ndarray:
        """Higher is better; comparable within one member's candidates."""
        return (self.fallback if newcomer else self.ranker).decision_function(features)


def train_people_ranking(snapshot: Snapshot, *, C: float = 0.1, share: float = 0.2,
                         seed: int = 0) -> PeopleRanking:
    """Learn to rank people from the community's own ties, and keep the learned ranker only
    where it beats the single-signal baselines (see :func:`~matcher.recommend.rankers.
    choose_ranker`)."""
    data = people_training_set(snapshot, share=share, seed=seed)
    ranker, chosen = choose_ranker(LogisticRanker(C=C), BASELINES, fallback_ranker(), data,
                                   min_positives=MIN_POSITIVES, seed=seed)
    return PeopleRanking(ranker=ranker, role_affinity=role_affinity(snapshot), metadata={
        "kind": _KINDS.get(chosen["chosen"], f"{chosen['chosen']} order"), **chosen,
        "trained_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "members": len(snapshot), "connections": len(snapshot.community.connections),
        "queries": data.queries, "pairs": len(data.labels),
        "positives": int(data.labels.sum()), "holdout": data.holdout,
        "features": list(FEATURES),
        "scikit_learn": sklearn.__version__,
    })
