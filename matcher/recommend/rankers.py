"""Rankers: scikit-learn estimators that score candidates from their pair features, and the
one way a community's ranker is chosen.

Every ranker follows scikit-learn's conventions: ``__init__`` only stores parameters,
``fit(X, y)`` learns from a feature matrix and 0/1 labels and returns the ranker, learned
attributes end in ``_`` and exist only after ``fit``, and ``decision_function(X)`` scores rows
(higher is better; scores are compared within one member's candidates). Building a training
set is the job of the people and group rankings, not of the rankers.

:func:`choose_ranker` is the one path from a training set to a ranker for both: with too
little to learn from, the documented formula; otherwise the learned ranker only if, on
validation queries it did not learn from, it ranks the held-out truth better than every
single-signal baseline (Adamic-Adar, PageRank, co-membership, random walks…) does, by more than
the noise of that comparison, and else the best of those baselines. A community where learning
cannot beat Adamic-Adar gets Adamic-Adar's order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_array, check_is_fitted

__all__ = ["FormulaRanker", "LogisticRanker", "Ranker", "TrainingSet", "choose_ranker",
           "ndcg_by_query"]


@dataclass(frozen=True)
class TrainingSet:
    """Labelled candidates of held-out queries: a row of ``features`` per (query, candidate)
    pair, grouped by query in ``query`` (0, 1, …) and each query's candidates in a fixed order;
    ``labels`` true where the held-out truth says yes; ``relevant`` how many held-out items each
    query has in all (found among its candidates or not); held out as ``holdout`` says."""

    features: np.ndarray
    labels: np.ndarray
    query: np.ndarray
    relevant: np.ndarray
    holdout: str

    @property
    def queries(self) -> int:
        return len(self.relevant)

    def of_queries(self, chosen: np.ndarray) -> TrainingSet:
        """The rows of the queries ``chosen`` (a boolean per query), renumbered."""
        rows = chosen[self.query]
        number = np.cumsum(chosen) - 1
        return TrainingSet(self.features[rows], self.labels[rows], number[self.query[rows]],
                           self.relevant[chosen], self.holdout)


def ndcg_by_query(scores: np.ndarray, data: TrainingSet, k: int = 10) -> np.ndarray:
    """nDCG@k of each query when its candidates are ranked by ``scores`` (equal scores keep the
    candidates' order, as serving does).

    Two queries: the first ranks its one relevant candidate second, the second first.

    >>> data = TrainingSet(np.zeros((4, 1)), np.array([False, True, True, False]),
    ...                    np.array([0, 0, 1, 1]), np.array([1, 1]), "example")
    >>> [round(float(x), 4) for x in ndcg_by_query(np.array([0.9, 0.1, 0.5, 0.5]), data)]
    [0.6309, 1.0]
    """
    order = np.lexsort((np.arange(len(scores)), -scores, data.query))
    query = data.query[order]
    rank = np.arange(len(order)) - np.searchsorted(query, query)
    gain = np.where((rank < k) & data.labels[order], 1 / np.log2(rank + 2), 0.0)
    found = np.bincount(query, weights=gain, minlength=data.queries)
    discounts = np.concatenate([[0.0], np.cumsum(1 / np.log2(np.arange(k) + 2))])
    ideal = discounts[np.minimum(data.relevant, k)]
    return np.divide(found, ideal, out=np.zeros_like(found), where=ideal > 0)


class Ranker(Protocol):
    def fit(self, X: np.ndarray, y: np.ndarray) -> Any: ...
    def decision_function(self, X: np.ndarray) -> np.ndarray: ...


class FormulaRanker(BaseEstimator):
    """A fixed weighting of named features: ``Σ weights[name] · X[:, features.index(name)]``.

    It learns nothing from labels (``fit`` only checks the features), so it ranks where there is
    too little to learn from, and as a single-signal baseline (a weight of 1 on one feature).

    >>> ranker = FormulaRanker({"b": 2.0}, ("a", "b")).fit(np.zeros((0, 2)))
    >>> ranker.decision_function(np.array([[5.0, 1.0], [0.0, 3.0]])).tolist()
    [2.0, 6.0]
    """

    def __init__(self, weights: Mapping[str, float] | None = None,
                 features: Sequence[str] = ()) -> None:
        self.weights = weights
        self.features = features

    def fit(self, X: np.ndarray, y: np.ndarray | None = None) -> FormulaRanker:
        X = check_array(X, ensure_min_samples=0)
        weights, features = dict(self.weights or {}), list(self.features)
        unknown = sorted(set(weights) - set(features))
        if unknown:
            raise ValueError(f"weights for features not given: {', '.join(unknown)}")
        if X.shape[1] != len(features):
            raise ValueError(f"X has {X.shape[1]} features, the formula names {len(features)}")
        self.coef_ = np.array([weights.get(name, 0.0) for name in features])
        self.n_features_in_ = X.shape[1]
        return self

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        check_is_fitted(self)
        return check_array(X, ensure_min_samples=0) @ self.coef_


class LogisticRanker(BaseEstimator):
    """A regularised logistic regression over standardised, per-query-normalised features: on
    link prediction it transfers from the thinned graph it learns on to the full graph it
    serves, where tree ensembles over the same features do not."""

    def __init__(self, C: float = 0.1, max_iter: int = 3000) -> None:
        self.C = C
        self.max_iter = max_iter

    def fit(self, X: np.ndarray, y: np.ndarray) -> LogisticRanker:
        self.model_ = make_pipeline(
            StandardScaler(), LogisticRegression(C=self.C, max_iter=self.max_iter)).fit(X, y)
        self.n_features_in_ = self.model_.n_features_in_
        return self

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        check_is_fitted(self)
        return self.model_.decision_function(X)

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        check_is_fitted(self)
        return self.model_.predict_proba(X)


def choose_ranker(learner: Ranker, baselines: Mapping[str, FormulaRanker],
                  fallback: FormulaRanker, data: TrainingSet, *, min_positives: int,
                  seed: int = 0) -> tuple[Ranker, dict[str, Any]]:
    """The ranker a community gets, and why (see the module docstring).

    ``learner`` is fitted to half the queries and compared on the other half, by nDCG@10, with
    each of ``baselines``. It is kept (refitted to every query) only if it beats the best of
    them by more than the noise: by more than one standard error of the per-query difference.
    Otherwise the best baseline ranks. Fewer than ``min_positives`` positives, or no negatives:
    ``fallback``.
    """
    positives = int(np.sum(data.labels))
    if positives < min_positives or positives == len(data.labels):
        return fallback.fit(data.features, data.labels), {
            "chosen": "fallback formula", "why": "too few held-out examples to learn from"}
    halves = np.random.default_rng(seed).random(data.queries) < 0.5
    fit_on, judge_on = data.of_queries(halves), data.of_queries(~halves)
    contenders: dict[str, Ranker] = {"learned": clone(learner).fit(fit_on.features,
                                                                   fit_on.labels)}
    contenders.update((name, clone(b).fit(fit_on.features)) for name, b in baselines.items())
    quality = {name: ndcg_by_query(r.decision_function(judge_on.features), judge_on)
               for name, r in contenders.items()}
    report: dict[str, Any] = {
        "validation_queries": judge_on.queries,
        "validation_ndcg@10": {name: round(float(q.mean()), 4) for name, q in quality.items()}}
    best = max(baselines, key=lambda name: quality[name].mean(), default=None)
    if best is not None:
        gain = quality["learned"] - quality[best]
        noise = gain.std(ddof=1) / np.sqrt(len(gain)) if len(gain) > 1 else np.inf
        report["gain_over_best_baseline"] = round(float(gain.mean()), 4)
        report["noise"] = round(float(noise), 4)
        if not gain.mean() > noise:
            return contenders[best], {**report, "chosen": best,
                                      "why": f"the learned ranker did not beat {best} by more "
                                             "than the noise on validation"}
    return clone(learner).fit(data.features, data.labels), {
        **report, "chosen": "learned", "why": "the learned ranker beat every baseline on "
                                              "validation by more than the noise"}
