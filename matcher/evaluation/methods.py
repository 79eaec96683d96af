"""Every method the evaluation ranks with: the simple baselines, and qconnect as it is served.

A method is a :data:`Ranking`, ``(member row, k) → ranked rows`` (members for people, group
columns for groups), built from the training snapshot only.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from matcher.recommend.candidates import top_rows
from matcher.recommend.graph_signals import neighbourhood_scores, personalised_pagerank
from matcher.recommend.group_ranking import GROUP_FEATURES, group_features
from matcher.recommend.recommender import Recommender
from matcher.recommend.snapshot import Snapshot

__all__ = ["Ranking", "group_methods", "people_methods", "served"]

Ranking = Callable[[int, int], list[int]]  # (member row, k) → ranked rows


def _dense_ranking(snapshot: Snapshot, scores_of: Callable[[int], np.ndarray]) -> Ranking:
    def rank(row: int, k: int) -> list[int]:
        allowed = np.ones(len(snapshot), dtype=bool)
        allowed[row] = False
        allowed[snapshot.neighbours(row)] = False
        return top_rows(scores_of(row), allowed, k, positive_only=False).tolist()
    return rank


def people_methods(train: Snapshot, seed: int) -> dict[str, Ranking]:
    """The simple people baselines, computed on ``train`` (the text ones only where members
    have text)."""
    a, degree = train.adjacency, train.degree
    rng = np.random.default_rng(seed)
    baselines: dict[str, Callable[[int], np.ndarray]] = {
        "random": lambda row: rng.random(len(train)),
        "popularity": lambda row: degree.astype(float),
        "common neighbours": lambda row: neighbourhood_scores(a, degree, row).common,
        "Adamic-Adar": lambda row: neighbourhood_scores(a, degree, row).adamic_adar,
        "personalised PageRank": lambda row: personalised_pagerank(a, degree, row),
    }
    texts = [" ".join([m.bio or "", *m.interests]) for m in train.members]
    if any(text.strip() for text in texts):
        try:
            tfidf = normalize(TfidfVectorizer(sublinear_tf=True).fit_transform(texts))
        except ValueError:  # only stop words: no text to go on
            pass
        else:
            baselines["TF-IDF cosine"] = lambda row: (tfidf @ tfidf[row].T).toarray().ravel()
        baselines["embedding cosine"] = lambda row: train.embeddings @ train.embeddings[row]
    return {name: _dense_ranking(train, f) for name, f in baselines.items()}


def group_methods(train: Snapshot) -> dict[str, Ranking]:
    """The simple group baselines, computed on ``train``: popularity, co-membership (the
    co-count of the member's groups with each group ÷ √(size + 1)) and random walks, popular
    groups damped (RP3β) and not (P³)."""

    def column(name: str) -> Ranking:
        at = GROUP_FEATURES.index(name)
        return _group_ranking(train, lambda row: group_features(train, row)[:, at])

    return {"popularity": _group_ranking(train, lambda row: train.group_sizes.astype(float)),
            "co-membership": column("co_membership_rel"), "RP3beta": column("walks_rel"),
            "P3": column("reach_rel")}


def _group_ranking(train: Snapshot, scores_of: Callable[[int], np.ndarray]) -> Ranking:
    def rank(row: int, k: int) -> list[int]:
        allowed = train.membership[row].toarray().ravel() == 0
        return top_rows(scores_of(row), allowed, k, positive_only=False).tolist()
    return rank


def served(recommender: Recommender) -> tuple[Ranking, Ranking]:
    """What members get from ``recommender`` (its rankers and rules): its people and its group
    suggestions as rankings."""
    snapshot = recommender.snapshot
    ids, groups = snapshot.ids, snapshot.group_ids

    def people(row: int, k: int) -> list[int]:
        return [ids.index[s.id] for s in recommender.people(ids.names[row], k)]

    def groups_of(row: int, k: int) -> list[int]:
        return [groups.index[s.id] for s in recommender.groups(ids.names[row], k)]

    return people, groups_of
