"""Rankers: scikit-learn estimators that score candidates from their pair features.

Every ranker follows scikit-learn's conventions: ``__init__`` only stores parameters,
``fit(X, y)`` learns from a feature matrix and 0/1 labels and returns the ranker, learned
attributes end in ``_`` and exist only after ``fit``, and ``decision_function(X)`` scores rows
(higher is better; scores are compared within one member's candidates). Building a training
set is the job of the people and group rankings, not of the rankers.

:func:`fit_or_fallback` is the one path from a training set to a ranker for both: the learned
ranker when there is enough to learn from, otherwise the documented formula.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_array, check_is_fitted

__all__ = ["FormulaRanker", "LogisticRanker", "Ranker", "TrainingSet", "fit_or_fallback"]


@dataclass(frozen=True)
class TrainingSet:
    """Labelled candidate pairs: a row of ``features`` per pair, 1 in ``labels`` where the
    held-out truth says yes; from ``queries`` members, held out as ``holdout`` says."""

    features: np.ndarray
    labels: np.ndarray
    queries: int
    holdout: str


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
    """A regularised logistic regression over per-query-normalised features: on link
    prediction it transfers from the thinned graph it learns on to the full graph it serves."""

    def __init__(self, C: float = 1.0, max_iter: int = 2000) -> None:
        self.C = C
        self.max_iter = max_iter

    def fit(self, X: np.ndarray, y: np.ndarray) -> LogisticRanker:
        self.model_ = LogisticRegression(C=self.C, max_iter=self.max_iter).fit(X, y)
        self.n_features_in_ = self.model_.n_features_in_
        return self

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        check_is_fitted(self)
        return self.model_.decision_function(X)

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        check_is_fitted(self)
        return self.model_.predict_proba(X)


def fit_or_fallback(learner: Ranker, fallback: FormulaRanker, X: np.ndarray,
                    y: np.ndarray, *, min_positives: int) -> tuple[Ranker, bool]:
    """``learner`` fitted to ``(X, y)`` when the labels hold at least ``min_positives``
    positives and some negatives, else ``fallback`` fitted; and whether it learned."""
    positives = int(np.sum(y))
    if positives < min_positives or positives == len(y):
        return fallback.fit(X, y), False
    return learner.fit(X, y), True
