"""Interest-group formation: qconnect against a random partition, k-means and Louvain.

    .venv/bin/python -m benchmarks.group_formation [--sizes 1000 10000] [--seed 1]

For each generated community (embedded once and cached: see prepared.py), on the pool of
members open to connect, in one run:
- **qconnect**: ``form_groups`` with sizes 6–10, at most 2 members of one organisation and at
  least 3 distinct roles per group;
- **random**: a random partition of the pool into groups of qconnect's sizes;
- **k-means**: scikit-learn k-means on the profile embeddings with qconnect's number of groups,
  no rules;
- **Louvain**: networkx Louvain communities of the connection graph among the pool;
- **ceiling**: not a partition but an upper bound (``coherence_ceiling``) on the coherence of
  any partition placing ≥ 95% of the pool (or as many as qconnect, if fewer) in groups of 6–10,
  whatever the algorithm or other rules.

Columns: coherence (mean within-group cosine of profile embeddings, averaged over groups of two
or more) and its ratio to random's, shared interests (the same mean cosine of IDF-weighted
interests), groups breaking each hard rule (size, organisation cap, roles), organisation mix
(distinct organisations / group size, averaged over groups), share of the pool placed, and
wall time. The last lines say how much of the way from random to the ceiling qconnect and
k-means go. Targets for qconnect: no broken rule, ≥ 95% placed, coherence ≥ 1.5× random and
within 10% of k-means, 10,000 members in under 60 s.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np

from benchmarks.prepared import prepared_store
from graph_schema import open_store
from matcher.groups.baselines import (
    kmeans_groups,
    louvain_groups,
    partition_scores,
    random_groups,
)
from matcher.groups.coherence import coherence_ceiling
from matcher.groups.formation import GroupRules, form_groups
from matcher.groups.pool import select_pool
from service.community import read_snapshot

RULES = GroupRules(min_size=6, max_size=10, max_per_organisation=2, min_roles=3)


def _timed(run: Callable[[], list[np.ndarray]]) -> tuple[list[np.ndarray], float]:
    started = time.perf_counter()
    groups = run()
    return groups, time.perf_counter() - started


# (heading, key in partition_scores' result, width, format)
_COLUMNS = (("groups", "groups", 6, "d"), ("coherence", "coherence", 9, ".3f"),
            ("× random", "× random", 8, ".2f"), ("interests", "interests", 9, ".3f"),
            ("size✗", "broken_size", 6, "d"), ("org✗", "broken_organisation", 5, "d"),
            ("roles✗", "broken_roles", 6, "d"), ("org mix", "organisation_mix", 7, ".2f"),
            ("placed", "placed", 7, ".1%"), ("time s", "time s", 7, ".1f"))


def _print_table(rows: dict[str, dict[str, float]]) -> None:
    print(f"{'method':<26} " + " ".join(f"{head:>{width}}" for head, _, width, _ in _COLUMNS))
    for method, row in rows.items():
        print(f"{method:<26} " + " ".join(f"{row[key]:>{width}{form}}" if key in row
                                          else f"{'–':>{width}}"
                                          for _, key, width, form in _COLUMNS))


def measure(size: int, seed: int) -> None:
    with open_store(str(prepared_store(size))) as store:
        snapshot = read_snapshot(store)
    _ = (snapshot.embeddings, snapshot.topic_profile, snapshot.skill_profile, snapshot.adjacency)
    pool, _ = select_pool(snapshot)
    proposed, seconds = _timed(
        lambda: form_groups(snapshot, pool, RULES, seed=seed).rows(snapshot))
    sizes = [len(g) for g in proposed]
    runs = {"qconnect": (proposed, seconds),
            "random (qconnect's sizes)": _timed(lambda: random_groups(pool, sizes, seed)),
            "k-means on embeddings": _timed(
                lambda: kmeans_groups(snapshot, pool, len(proposed), seed)),
            "Louvain on ties": _timed(lambda: louvain_groups(snapshot, pool, seed))}
    rows = {name: {**partition_scores(snapshot, pool, groups, RULES), "time s": seconds}
            for name, (groups, seconds) in runs.items()}
    started = time.perf_counter()
    placed = min(0.95, rows["qconnect"]["placed"])
    ceiling = coherence_ceiling(snapshot.embeddings[pool], RULES.min_size, RULES.max_size, placed)
    rows["ceiling (upper bound)"] = {"coherence": ceiling,
                                     "time s": time.perf_counter() - started}
    base = rows["random (qconnect's sizes)"]["coherence"]
    for row in rows.values():
        row["× random"] = row["coherence"] / base
    print(f"\n{size:,} members, pool of {len(pool):,} open to connect; rules: sizes "
          f"{RULES.min_size}–{RULES.max_size}, ≤ {RULES.max_per_organisation} per organisation, "
          f"≥ {RULES.min_roles} roles")
    _print_table(rows)
    ours, kmeans = rows["qconnect"]["coherence"], rows["k-means on embeddings"]["coherence"]
    print(f"qconnect coherence is {ours / kmeans:.1%} of k-means's; its gain over random is "
          f"{(ours - base) / (kmeans - base):.0%} of k-means's gain")
    gap = ceiling - base
    print(f"of the way from random to the ceiling, qconnect goes {(ours - base) / gap:.0%} and "
          f"k-means (which ignores the sizes) {(kmeans - base) / gap:.0%}; no partition in groups "
          f"of {RULES.min_size}–{RULES.max_size} placing ≥ {placed:.0%} can exceed "
          f"{ceiling / base:.2f}× random")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000])
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    for size in args.sizes:
        measure(size, args.seed)


if __name__ == "__main__":
    main()
