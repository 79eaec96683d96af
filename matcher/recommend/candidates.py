"""Candidate generation: who is worth scoring for one member, from several sources at once.

Every signal is first computed from the member to everyone as a dense vector (cheap: each
touches only the member's neighbourhood or one matrix product), then each source contributes
its best few members, and the union goes on to the ranker. Sources:

- graph proximity: Adamic-Adar over friends of friends, personalised PageRank, and three-step
  walks (the paths, and the friends' cosine: whom the member's circle is turning to);
- recent activity, where ties are dated: PageRank over ties weighted by how recent they are,
  and the members who made the most ties lately;
- the best connected members (on sparse graphs, popularity is a strong guess);
- meaning: cosine of profile embeddings;
- shared vocabulary: IDF-weighted overlap of interests, and of skills;
- shared groups;
- for "who can help me": holders of the skills the member wants.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from matcher.recommend.graph_signals import (
    NeighbourhoodScores,
    ThreeHopScores,
    neighbourhood_scores,
    personalised_pagerank,
    row_entries,
    rows_sum,
    three_hop_scores,
    two_hop_weights,
)
from matcher.recommend.matrices import symmetric
from matcher.recommend.snapshot import Snapshot

__all__ = ["PER_SOURCE", "QuerySignals", "candidate_rows", "query_signals", "top_rows"]

PER_SOURCE = 50
"""How many members each source contributes at most."""
RECENT_TOLERANCE = 1e-4
"""Push tolerance of the recency-weighted PageRank: a source of candidates and a feature, it
needs their order, not four exact digits (a fifth of the work of the default)."""


@dataclass(frozen=True)
class QuerySignals:
    """One member's signals against every member (row-aligned with the snapshot)."""

    row: int
    neighbourhood: NeighbourhoodScores
    three_hop: ThreeHopScores
    pagerank: np.ndarray
    recent_common: np.ndarray  # common neighbours, each counted by how recent both ties are
    recent_pagerank: np.ndarray  # personalised PageRank over ties weighted by recency
    cosine: np.ndarray
    topics: np.ndarray  # IDF-weighted cosine of interests
    skills: np.ndarray  # IDF-weighted cosine of skills held
    words: np.ndarray  # IDF-weighted cosine of the words of what they say they know
    groups: np.ndarray  # groups shared
    offers: np.ndarray  # mean level, 0–1, at which they hold the skills this member wants
    wants: np.ndarray  # mean level, 0–1, at which this member holds the skills they want
    # The same for every query (the snapshot's, not copied): how connected and how active.
    degree: np.ndarray
    recent_ties: np.ndarray
    last_active: np.ndarray


def _similar(snapshot: Snapshot, name: str, row: int) -> np.ndarray:
    """Row ``row`` of ``matrix @ matrix.T`` for one of the snapshot's member matrices."""
    columns, weights = row_entries(getattr(snapshot, name), row)
    return rows_sum(snapshot.by_column[name], columns, weights, len(snapshot))


def _scoring_graph(snapshot: Snapshot, row: int) -> tuple[sp.csr_matrix, np.ndarray]:
    """The ties graph signals read for member ``row``, and the degrees in them: those between
    visible members (:attr:`Snapshot.scored_ties`) and, for a hidden member, their own ties to
    visible members besides, which are theirs to be suggested by (other hidden members' ties
    stay out of it, as of everyone's)."""
    graph, degree = snapshot.scoring_adjacency, snapshot.scoring_degree
    if snapshot.visible[row]:
        return graph, degree
    own = snapshot.scored_neighbours(row)
    if not len(own):
        return graph, degree
    mine = symmetric(len(snapshot), np.full(len(own), row), own)
    return graph + mine, degree + np.asarray(mine.sum(axis=1)).ravel()


def _recent_graph(snapshot: Snapshot, row: int) -> tuple[sp.csr_matrix, np.ndarray]:
    """The ties weighted by how recent they are that signals read for member ``row``, and the
    weighted degrees in them: those of :attr:`Snapshot.activity` and, for a hidden member,
    their own ties to visible members besides (as :func:`_scoring_graph` chooses)."""
    activity = snapshot.activity
    graph, degree = activity.recent_adjacency, activity.recent_degree
    if snapshot.visible[row] or not activity.dated:
        return graph, degree
    a, b, day = snapshot.tie_rows
    own = ((a == row) & snapshot.visible[b]) | ((b == row) & snapshot.visible[a])
    if not own.any():
        return graph, degree
    others = np.where(a[own] == row, b[own], a[own])
    mine = symmetric(len(snapshot), np.full(len(others), row), others,
                     activity.recency(day[own]))
    return graph + mine, degree + np.asarray(mine.sum(axis=1)).ravel()


def query_signals(snapshot: Snapshot, row: int,
                  wanted: np.ndarray | None = None) -> QuerySignals:
    """All signals from member ``row``; ``wanted`` (skill columns) overrides their own wants."""
    wanted_columns = row_entries(snapshot.member_wants, row)[0] if wanted is None else wanted
    want_vector = np.zeros(len(snapshot.skills), dtype=np.float32)
    want_vector[wanted_columns] = 1.0 / (5.0 * max(len(wanted_columns), 1))
    own_skills, own_levels = row_entries(snapshot.member_skills, row)
    level_vector = np.zeros(len(snapshot.skills), dtype=np.float32)
    level_vector[own_skills] = own_levels
    wanted_by = snapshot.wants_count * 5.0
    graph, degree = _scoring_graph(snapshot, row)
    neighbourhood = neighbourhood_scores(graph, degree, row)
    recent, recent_degree = _recent_graph(snapshot, row)
    activity = snapshot.activity
    return QuerySignals(
        row=row,
        neighbourhood=neighbourhood,
        three_hop=three_hop_scores(graph, degree, row, neighbourhood.common),
        pagerank=personalised_pagerank(graph, degree, row),
        recent_common=two_hop_weights(recent, row),
        recent_pagerank=personalised_pagerank(recent, recent_degree, row,
                                              tolerance=RECENT_TOLERANCE),
        cosine=snapshot.embeddings @ snapshot.embeddings[row],
        topics=_similar(snapshot, "topic_profile", row),
        skills=_similar(snapshot, "skill_profile", row),
        words=_similar(snapshot, "word_profile", row),
        groups=_similar(snapshot, "membership", row),
        offers=snapshot.member_skills @ want_vector,
        wants=np.divide(snapshot.member_wants @ level_vector, wanted_by,
                        out=np.zeros(len(snapshot), dtype=np.float32), where=wanted_by > 0),
        degree=degree,
        recent_ties=activity.recent_ties,
        last_active=activity.last_active,
    )


def top_rows(scores: np.ndarray, allowed: np.ndarray, count: int,
             positive_only: bool = True) -> np.ndarray:
    """The rows of the ``count`` highest ``scores`` among ``allowed``, best first; equal
    scores go to the lower row, so every ranking is reproducible.

    >>> top_rows(np.array([0, 0, 1, 0, 1, 1, 1.0]), np.ones(7, dtype=bool), 2).tolist()
    [2, 4]
    """
    keep = allowed & (scores > 0) if positive_only else allowed
    rows = np.flatnonzero(keep)  # ascending, so among equal scores the lower row comes first
    if len(rows) > count:
        cut = np.partition(scores[rows], len(rows) - count)[len(rows) - count]
        better, tied = rows[scores[rows] > cut], rows[scores[rows] == cut]
        rows = np.concatenate([better, tied[: count - len(better)]])
    return rows[np.lexsort((rows, -scores[rows]))]


def candidate_rows(signals: QuerySignals, allowed: np.ndarray, *, helpers: bool = False,
                   per_source: int = PER_SOURCE) -> np.ndarray:
    """The union of every source's best ``allowed`` members, in row order."""
    sources = [signals.neighbourhood.adamic_adar, signals.pagerank,
               signals.three_hop.friend_cosine, signals.three_hop.paths,
               signals.recent_pagerank, signals.recent_ties, signals.degree,
               signals.topics, signals.skills, signals.groups]
    chosen = [top_rows(s, allowed, per_source) for s in sources]
    chosen.append(top_rows(signals.cosine, allowed, per_source, positive_only=False))
    if helpers:
        chosen.append(top_rows(signals.offers, allowed, 3 * per_source))
    return np.unique(np.concatenate(chosen))
