"""Every method the evaluation ranks with: the simple baselines and qconnect as it is served.

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
from matcher.recommend.group_ranking import GROUP_FEATURES, group_features, train_group_ranking
from matcher.recommend.people_ranking import train_people_ranking
from matcher.recommend.recommender import Recommender
from matcher.recommend.snapshot import Snapshot

__all__ = ["Ranking", "group_methods", "people_methods"]

Ranking = Callable[[int, int], list[int]]  # (member row, k) → ranked rows


def _dense_ranking(snapshot: Snapshot, scores_of: Callable[[int], np.ndarray]) -> Ranking:
    def rank(row: int, k: int) -> list[int]:
        allowed = np.ones(len(snapshot), dtype=bool)
        allowed[row] = False
        allowed[snapshot.neighbours(row)] = False
        return top_rows(scores_of(row), allowed, k, positive_only=False).tolist()
    return rank


def people_methods(train: Snapshot, seed: int) -> dict[str, Ranking]:
    a, degree = train.adjacency, train.degree
    texts = [" ".join([m.bio or "", *m.interests]) for m in train.members]
    tfidf = normalize(TfidfVectorizer(sublinear_tf=True).fit_transform(texts))
    rng = np.random.default_rng(seed)
    recommender = Recommender(train, train_people_ranking(train, seed=seed))
    ids = train.ids
    baselines: dict[str, Callable[[int], np.ndarray]] = {
        "random": lambda row: rng.random(len(train)),
        "popularity": lambda row: degree.astype(float),
        "common neighbours": lambda row: neighbourhood_scores(a, degree, row).common,
        "Adamic-Adar": lambda row: neighbourhood_scores(a, degree, row).adamic_adar,
        "personalised PageRank": lambda row: personalised_pagerank(a, degree, row),
        "TF-IDF cosine": lambda row: (tfidf @ tfidf[row].T).toarray().ravel(),
        "embedding cosine": lambda row: train.embeddings @ train.embeddings[row],
    }
    methods = {name: _dense_ranking(train, f) for name, f in baselines.items()}
    methods["qconnect"] = lambda row, k: [ids.index[s.id]
                                          for s in recommender.people(ids.names[row], k)]
    return methods


def group_methods(train: Snapshot, seed: int) -> dict[str, Ranking]:
    ranking = train_group_ranking(train, seed=seed)

    def from_scores(scores_of: Callable[[int], np.ndarray]) -> Ranking:
        def rank(row: int, k: int) -> list[int]:
            allowed = train.membership[row].toarray().ravel() == 0
            return top_rows(scores_of(row), allowed, k, positive_only=False).tolist()
        return rank

    co_membership = GROUP_FEATURES.index("co_membership")
    return {
        "popularity": from_scores(lambda row: train.group_sizes.astype(float)),
        "co-membership": from_scores(lambda row: group_features(train, row)[:, co_membership]),
        "qconnect": from_scores(lambda row: ranking.scores(train, row)[0]),
    }
