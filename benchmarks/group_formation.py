"""Interest-group formation: qconnect against a random partition, k-means and Louvain.

    .venv/bin/python -m benchmarks.group_formation [--sizes 1000 10000] [--seed 1]

For each generated community (embedded once and cached: see prepared.py), on the pool of
members open to connect, in one run:
- **qconnect**: ``form_groups`` with sizes 6–10, at most 2 members of one organisation and at
  least 3 distinct roles per group;
- **random**: a random partition of the pool into groups of qconnect's sizes;
- **k-means**: scikit-learn k-means on the profile embeddings with qconnect's number of groups,
  no rules;
- **Louvain**: networkx Louvain communities of the connection graph among the pool.

Columns: coherence (mean within-group cosine of profile embeddings, averaged over groups of two
or more) and its ratio to random's, shared interests (the same mean cosine of IDF-weighted
interests), groups breaking each hard rule (size, organisation cap, roles), organisation mix
(distinct organisations / group size, averaged over groups), share of the pool placed, and
wall time. Targets for qconnect: no broken rule, ≥ 95% placed, coherence ≥ 1.5× random and
within 10% of k-means, 10,000 members in under 60 s.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import networkx as nx
import numpy as np
from sklearn.cluster import KMeans

from benchmarks.prepared import prepared_store
from graph_schema import open_store
from matcher.encoder import configured_model_path, model_id
from matcher.group_formation import GroupRules, form_groups
from matcher.snapshot import Snapshot, snapshot_from_store

RULES = GroupRules(min_size=6, max_size=10, max_per_organisation=2, min_roles=3)


def _qconnect(snapshot: Snapshot, pool: np.ndarray, seed: int) -> list[np.ndarray]:
    partition = form_groups(snapshot, pool, RULES, seed=seed)
    index = snapshot.ids.index
    return [np.array([index[m] for m in group]) for group in partition.groups]


def _random(pool: np.ndarray, sizes: list[int], seed: int) -> list[np.ndarray]:
    shuffled = np.random.default_rng(seed).permutation(pool)
    return np.split(shuffled[:sum(sizes)], np.cumsum(sizes)[:-1])


def _kmeans(snapshot: Snapshot, pool: np.ndarray, k: int, seed: int) -> list[np.ndarray]:
    labels = KMeans(k, n_init=1, random_state=seed).fit_predict(snapshot.embeddings[pool])
    return [pool[labels == g] for g in range(k) if (labels == g).any()]


def _louvain(snapshot: Snapshot, pool: np.ndarray, seed: int) -> list[np.ndarray]:
    ties = snapshot.adjacency[pool][:, pool].tocoo()
    graph = nx.Graph()
    graph.add_nodes_from(range(len(pool)))
    graph.add_edges_from(zip(ties.row.tolist(), ties.col.tolist(), strict=True))
    return [pool[sorted(c)] for c in nx.community.louvain_communities(graph, seed=seed)]


def _mean_pair_cosine(vectors: np.ndarray) -> float:
    """Mean cosine over the pairs of unit (or zero) rows."""
    n, total = len(vectors), vectors.sum(axis=0)
    return float((total @ total - (vectors * vectors).sum()) / (n * (n - 1)))


def _scores(snapshot: Snapshot, pool: np.ndarray, groups: list[np.ndarray]) -> dict[str, float]:
    coherence, interests, mix = [], [], []
    broken = dict.fromkeys(("size✗", "org✗", "roles✗"), 0)
    for rows in groups:
        n = len(rows)
        if n > 1:
            coherence.append(_mean_pair_cosine(snapshot.embeddings[rows]))
            interests.append(_mean_pair_cosine(snapshot.topic_profile[rows].toarray()))
        orgs, roles = snapshot.organisation[rows], snapshot.role[rows]
        known = orgs[orgs >= 0]
        mix.append(len(set(known.tolist())) / n)
        broken["size✗"] += not RULES.min_size <= n <= RULES.max_size
        cap = RULES.max_per_organisation
        broken["org✗"] += bool(len(known)) and int(np.bincount(known).max()) > cap
        broken["roles✗"] += len(set(roles[roles >= 0].tolist())) < RULES.min_roles
    return {"coherence": float(np.mean(coherence)), "interests": float(np.mean(interests)),
            **broken, "org mix": float(np.mean(mix)), "groups": len(groups),
            "placed": sum(len(rows) for rows in groups) / len(pool)}


def _timed(run: Callable[[], list[np.ndarray]]) -> tuple[list[np.ndarray], float]:
    started = time.perf_counter()
    groups = run()
    return groups, time.perf_counter() - started


_COLUMNS = (("groups", 6, "d"), ("coherence", 9, ".3f"), ("× random", 8, ".2f"),
            ("interests", 9, ".3f"), ("size✗", 6, "d"), ("org✗", 5, "d"), ("roles✗", 6, "d"),
            ("org mix", 7, ".2f"), ("placed", 7, ".1%"), ("time s", 7, ".1f"))


def _print_table(rows: dict[str, dict[str, float]]) -> None:
    print(f"{'method':<26} " + " ".join(f"{name:>{width}}" for name, width, _ in _COLUMNS))
    for method, row in rows.items():
        print(f"{method:<26} " + " ".join(f"{row[name]:>{width}{form}}"
                                          for name, width, form in _COLUMNS))


def measure(size: int, seed: int) -> None:
    with open_store(str(prepared_store(size))) as store:
        snapshot = snapshot_from_store(store, model_id(configured_model_path()))
    _ = (snapshot.embeddings, snapshot.topic_profile, snapshot.skill_profile, snapshot.adjacency)
    pool = np.flatnonzero(snapshot.suggestable)
    proposed, seconds = _timed(lambda: _qconnect(snapshot, pool, seed))
    sizes = [len(g) for g in proposed]
    runs = {"qconnect": (proposed, seconds),
            "random (qconnect's sizes)": _timed(lambda: _random(pool, sizes, seed)),
            "k-means on embeddings": _timed(lambda: _kmeans(snapshot, pool, len(proposed), seed)),
            "Louvain on ties": _timed(lambda: _louvain(snapshot, pool, seed))}
    rows = {name: {**_scores(snapshot, pool, groups), "time s": seconds}
            for name, (groups, seconds) in runs.items()}
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000])
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    for size in args.sizes:
        measure(size, args.seed)


if __name__ == "__main__":
    main()
