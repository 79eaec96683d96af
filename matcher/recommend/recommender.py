"""Suggestions for a member: people like you, who can help me, and groups to join.

One :class:`Recommender` serves many requests from one snapshot and one trained ranker:
candidates → pair features → ranker scores → rules and fairness (``matcher/rerank.py``) →
reasons (``matcher/reasons.py``).

"Who can help me" ranks members holding the skills wanted (the member's own wants, or one skill
named in the request) at level 3 or above by ``0.7 × skill match + 0.3 × the people ranker's
score`` (both scaled to 0–1 within the request): the skill decides, the social fit breaks ties.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from matcher.recommend.candidates import QuerySignals, candidate_rows, query_signals, top_rows
from matcher.recommend.features import pair_features
from matcher.recommend.graph_signals import row_entries
from matcher.recommend.group_ranking import GroupRanking
from matcher.recommend.people_ranking import PeopleRanking
from matcher.recommend.reasons import group_reasons, people_reasons
from matcher.recommend.rerank import Exposure, RerankPolicy, allowed_people, rerank
from matcher.recommend.snapshot import Snapshot
from models.errors import NotFoundError

__all__ = ["HELPER_MIN_LEVEL", "Recommender", "Suggestion"]

HELPER_MIN_LEVEL = 3
"""A helper holds a wanted skill at this level or above (a skill without a level counts as 3)."""


@dataclass(frozen=True)
class Suggestion:
    id: str
    score: float
    reasons: tuple[str, ...]


def _unit(values: np.ndarray) -> np.ndarray:
    """Scale to 0–1 within one request."""
    low, high = values.min(initial=0.0), values.max(initial=0.0)
    return (values - low) / (high - low) if high > low else np.ones_like(values)


@dataclass
class Recommender:
    snapshot: Snapshot
    people_ranking: PeopleRanking = field(default_factory=PeopleRanking)
    group_ranking: GroupRanking = field(default_factory=GroupRanking)
    policy: RerankPolicy = field(default_factory=RerankPolicy)

    def __post_init__(self) -> None:
        self.exposure = Exposure(self.policy.max_exposure_share)

    def with_snapshot(self, snapshot: Snapshot) -> Recommender:
        """The same rankers and rules over ``snapshot``, with the exposure served so far."""
        return self.succeeded_by(Recommender(snapshot, self.people_ranking,
                                             self.group_ranking, self.policy))

    def succeeded_by(self, successor: Recommender) -> Recommender:
        """``successor``, taking over the exposure served so far (for the members it has)."""
        successor.exposure = self.exposure.remapped(self.snapshot.ids.names,
                                                    successor.snapshot.ids.index)
        return successor

    def _row(self, member_id: str) -> int:
        row = self.snapshot.ids.index.get(member_id)
        if row is None:
            raise NotFoundError("member", member_id)
        return row

    def _scored(self, row: int, wanted: np.ndarray | None = None
                ) -> tuple[QuerySignals, np.ndarray, np.ndarray]:
        """Signals, candidate rows and their ranker scores for member ``row``."""
        snapshot = self.snapshot
        signals = query_signals(snapshot, row, wanted)
        allowed = allowed_people(snapshot, row)
        rows = candidate_rows(signals, allowed, helpers=wanted is not None)
        ranking = self.people_ranking
        features = pair_features(snapshot, signals, rows, ranking.role_affinity)
        return signals, rows, ranking.scores(features, newcomer=signals.degree[row] == 0)

    def _people_list(self, row: int, rows: np.ndarray, scores: np.ndarray, k: int, *,
                     helpers: bool = False) -> list[Suggestion]:
        order = np.lexsort((rows, -scores))
        chosen = rerank(self.snapshot, row, rows[order], k, self.policy, self.exposure)
        by_row = dict(zip(rows.tolist(), scores.tolist(), strict=True))
        ids = self.snapshot.ids.names
        return [Suggestion(ids[r], round(float(by_row[r]), 4),
                           people_reasons(self.snapshot, row, r, helpers=helpers))
                for r in chosen]

    def people(self, member_id: str, k: int = 10) -> list[Suggestion]:
        """Peers with shared interests the member is not yet connected to."""
        row = self._row(member_id)
        _, rows, scores = self._scored(row)
        return self._people_list(row, rows, 1 / (1 + np.exp(-scores)), k)

    def helpers(self, member_id: str, k: int = 10, skill: str | None = None) -> list[Suggestion]:
        """People who hold the skills the member wants (or ``skill``) at a useful level: no one
        for a skill no one names yet (declared, say; the service checks that it exists)."""
        row = self._row(member_id)
        if skill is not None:
            column = self.snapshot.skills.index.get(skill)
            wanted = np.array([] if column is None else [column], dtype=np.int64)
        else:
            wanted = row_entries(self.snapshot.member_wants, row)[0]
        if len(wanted) == 0:
            return []
        signals, rows, scores = self._scored(row, wanted)
        levels = self.snapshot.member_skills[rows][:, wanted].toarray()
        able = (levels >= HELPER_MIN_LEVEL).any(axis=1)
        rows, scores = rows[able], scores[able]
        blended = 0.7 * _unit(signals.offers[rows]) + 0.3 * _unit(scores)
        return self._people_list(row, rows, blended, k, helpers=True)

    def groups(self, member_id: str, k: int = 10) -> list[Suggestion]:
        """Groups the member has not joined, best first."""
        row = self._row(member_id)
        scores, allowed = self.group_ranking.scores(self.snapshot, row)
        chosen = top_rows(scores, allowed, k, positive_only=False)
        ids = self.snapshot.group_ids.names
        return [Suggestion(ids[g], round(float(scores[g]), 4),
                           group_reasons(self.snapshot, row, int(g))) for g in chosen]
