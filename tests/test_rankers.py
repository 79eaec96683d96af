"""One behaviour every ranker shares, run against each (as ``implicit`` runs one test mixin
against every model), and the one path from a training set to a ranker."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from matcher.recommend import group_ranking, people_ranking
from matcher.recommend.rankers import (
    FormulaRanker,
    LogisticRanker,
    Ranker,
    TrainingSet,
    choose_ranker,
    ndcg_by_query,
)


class RankerBehaviour:
    """What every ranker must do. A subclass names its ``features``, the ``signal`` among them
    that decides the labels of its test data, and how to ``make`` a fresh ranker."""

    features: tuple[str, ...] = ("signal", "noise", "other")
    signal = "signal"

    def make(self) -> Ranker:
        raise NotImplementedError

    def labelled(self, seed: int = 0, n: int = 400) -> tuple[np.ndarray, np.ndarray]:
        """Pairs whose label follows the signal feature (plus noise); the others say nothing."""
        rng = np.random.default_rng(seed)
        X = rng.random((n, len(self.features)))
        y = X[:, self.features.index(self.signal)] + 0.2 * rng.standard_normal(n) > 0.5
        return X, y

    def test_fit_returns_the_ranker(self) -> None:
        ranker = self.make()
        assert ranker.fit(*self.labelled()) is ranker

    def test_nothing_is_learned_before_fit(self) -> None:
        ranker = self.make()
        assert not [name for name in vars(ranker) if name.endswith("_")]
        with pytest.raises(NotFittedError):
            ranker.decision_function(self.labelled()[0])

    def test_clones_share_parameters_not_what_was_learned(self) -> None:
        fitted = self.make().fit(*self.labelled())
        copy = clone(fitted)
        assert copy.get_params() == fitted.get_params()
        with pytest.raises(NotFittedError):
            copy.decision_function(self.labelled()[0])

    def test_scores_one_value_a_row_and_rank_positives_first(self) -> None:
        X, y = self.labelled(seed=1)
        scores = self.make().fit(*self.labelled()).decision_function(X)
        assert scores.shape == (len(X),) and np.isfinite(scores).all()
        wins = (scores[y][:, None] > scores[~y][None, :]).mean()  # the AUC
        assert wins > 0.75  # well above chance (0.5)

    def test_the_same_data_gives_the_same_scores(self) -> None:
        X, y = self.labelled()
        first = self.make().fit(X, y).decision_function(X)
        assert np.array_equal(first, self.make().fit(X, y).decision_function(X))

    def test_a_wrong_number_of_features_is_refused(self) -> None:
        ranker = self.make().fit(*self.labelled())
        with pytest.raises(ValueError):
            ranker.decision_function(np.zeros((3, len(self.features) + 1)))


class TestLogisticRanker(RankerBehaviour):
    def make(self) -> Ranker:
        return LogisticRanker(C=1.0)

    def test_probabilities_are_probabilities(self) -> None:
        X, y = self.labelled()
        probabilities = LogisticRanker().fit(X, y).predict_proba(X)
        assert np.allclose(probabilities.sum(axis=1), 1) and (probabilities >= 0).all()


class TestFormulaRanker(RankerBehaviour):
    def make(self) -> Ranker:
        return FormulaRanker({"signal": 1.0, "other": 0.01}, self.features)

    def test_the_formula_ignores_labels(self) -> None:
        X, y = self.labelled()
        assert np.array_equal(self.make().fit(X, y).decision_function(X),
                              self.make().fit(X, ~y).decision_function(X))

    def test_weights_for_unknown_features_are_refused(self) -> None:
        with pytest.raises(ValueError, match="unknown"):
            FormulaRanker({"unknown": 1.0}, self.features).fit(np.zeros((1, 3)))


class TestPeopleFallback(RankerBehaviour):
    """The documented formula people are ranked by when nothing can be learned."""

    features = tuple(people_ranking.fallback_ranker().features)
    signal = max(people_ranking.FALLBACK_WEIGHTS, key=people_ranking.FALLBACK_WEIGHTS.get)

    def make(self) -> Ranker:
        return clone(people_ranking.fallback_ranker())


class TestGroupFallback(RankerBehaviour):
    """The documented formula groups are ranked by when nothing can be learned."""

    features = tuple(group_ranking.fallback_ranker().features)
    signal = max(group_ranking.FALLBACK_WEIGHTS, key=group_ranking.FALLBACK_WEIGHTS.get)

    def make(self) -> Ranker:
        return clone(group_ranking.fallback_ranker())


def _queries(seed: int = 0, queries: int = 200, per_query: int = 20,
             signal: float = 1.0) -> TrainingSet:
    """Queries whose one relevant candidate is strong on ``signal`` (noisy), the other features
    noise; with ``signal`` negative, a learner is misled into the opposite."""
    rng = np.random.default_rng(seed)
    n = queries * per_query
    X = rng.random((n, 3))
    y = np.zeros(n, dtype=bool)
    y[np.arange(queries) * per_query + rng.integers(per_query, size=queries)] = True
    X[y, 0] += 0.6 * signal
    return TrainingSet(X, y, np.repeat(np.arange(queries), per_query),
                       np.ones(queries, dtype=np.int64), "test")


def test_a_learner_that_beats_every_baseline_is_chosen() -> None:
    data = _queries()
    baselines = {"noise": FormulaRanker({"noise": 1.0}, RankerBehaviour.features)}
    ranker, report = choose_ranker(LogisticRanker(), baselines, FormulaRanker(
        {"other": 1.0}, RankerBehaviour.features), data, min_positives=10)
    assert isinstance(ranker, LogisticRanker) and report["chosen"] == "learned"
    quality = report["validation_ndcg@10"]
    assert quality["learned"] > quality["noise"]
    assert report["validation_queries"] < data.queries  # judged on queries it did not learn


def test_a_baseline_that_beats_the_learner_ranks_instead() -> None:
    # Learned on half the queries, judged on the other half: a learner that cannot see the
    # signal (a formula reading only noise, standing in for a model that failed) loses.
    data = _queries()
    signal = FormulaRanker({"signal": 1.0}, RankerBehaviour.features)
    blind = FormulaRanker({"noise": 1.0}, RankerBehaviour.features)
    ranker, report = choose_ranker(blind, {"the signal": signal}, blind, data, min_positives=10)
    assert report["chosen"] == "the signal" and ranker.get_params() == signal.get_params()


def test_too_few_positives_fall_back_to_the_formula() -> None:
    data = _queries(queries=5)
    fallback = FormulaRanker({"signal": 1.0}, RankerBehaviour.features)
    ranker, report = choose_ranker(LogisticRanker(), {}, fallback, data, min_positives=10)
    assert ranker is fallback and report["chosen"] == "fallback formula"


def test_ndcg_by_query_by_hand() -> None:
    data = TrainingSet(np.zeros((5, 1)), np.array([False, True, False, True, True]),
                       np.array([0, 0, 0, 1, 1]), np.array([2, 2]), "test")
    # Query 0: its relevant candidate second, one more relevant not among the candidates.
    # Query 1: both relevant, ranked first and second.
    found = ndcg_by_query(np.array([0.9, 0.5, 0.1, 0.3, 0.2]), data)
    ideal = 1 + 1 / np.log2(3)
    assert found.tolist() == pytest.approx([(1 / np.log2(3)) / ideal, 1.0])
