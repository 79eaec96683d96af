"""One behaviour every ranker shares, run against each (as ``implicit`` runs one test mixin
against every model), and the one path from a training set to a ranker."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from matcher.recommend import group_ranking, people_ranking
from matcher.recommend.rankers import FormulaRanker, LogisticRanker, Ranker, fit_or_fallback


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


def test_too_few_positives_fall_back_to_the_formula() -> None:
    X, y = RankerBehaviour().labelled()
    fallback = FormulaRanker({"signal": 1.0}, RankerBehaviour.features)
    learned, did_learn = fit_or_fallback(LogisticRanker(), fallback, X, y, min_positives=10)
    assert did_learn and isinstance(learned, LogisticRanker)
    few = np.zeros_like(y)
    few[:5] = True
    chosen, did_learn = fit_or_fallback(LogisticRanker(), fallback, X, few, min_positives=10)
    assert not did_learn and chosen is fallback
    chosen, did_learn = fit_or_fallback(LogisticRanker(), fallback, X, np.ones_like(y),
                                        min_positives=10)
    assert not did_learn and chosen is fallback
