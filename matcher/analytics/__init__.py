"""Everything an analyst's notebook computes with, importable from this one place.

The community itself comes from :mod:`service.notebooks` (``from_environment()``, ``load()``),
already cut down to what analysts may see (:func:`analysed`). From here:

- the community as networkx graphs and pandas tables (:func:`member_graph`,
  :func:`community_graph`, :func:`tables`);
- measures of it (:func:`brokerage`, :func:`cross_organisation_share`, :func:`topic_supply`);
- the offline evaluation of suggestions (:func:`hold_out`, :func:`ranked_lists`,
  :func:`format_table`, :func:`lorenz_curve`, :func:`gini`);
- group formation and what it is judged against (:func:`form_groups`, :func:`select_pool`,
  :func:`describe`, :func:`dominant_topics`, the baselines and :func:`coherence_ceiling`).
"""

from matcher.analytics.export import MEMBER_ATTRIBUTES, community_graph, member_graph, tables
from matcher.analytics.measures import (
    brokerage,
    cross_organisation_share,
    tie_rows,
    topic_supply,
)
from matcher.analytics.view import analysed, pseudonym, pseudonymised_export, summary
from matcher.evaluation.metrics import gini, lorenz_curve
from matcher.evaluation.protocol import hold_out, ranked_lists
from matcher.evaluation.report import format_table
from matcher.groups.baselines import kmeans_groups, louvain_groups, partition_scores, random_groups
from matcher.groups.coherence import coherence_ceiling, mean_pair_cosine
from matcher.groups.formation import GroupRules, form_groups
from matcher.groups.pool import select_pool
from matcher.groups.report import describe, dominant_topics

__all__ = [
    "MEMBER_ATTRIBUTES",
    "GroupRules",
    "analysed",
    "brokerage",
    "coherence_ceiling",
    "community_graph",
    "cross_organisation_share",
    "describe",
    "dominant_topics",
    "form_groups",
    "format_table",
    "gini",
    "hold_out",
    "kmeans_groups",
    "lorenz_curve",
    "louvain_groups",
    "mean_pair_cosine",
    "member_graph",
    "partition_scores",
    "pseudonym",
    "pseudonymised_export",
    "random_groups",
    "ranked_lists",
    "select_pool",
    "summary",
    "tables",
    "tie_rows",
    "topic_supply",
]
