"""Recommendation latency on the embedded store, warm, against a bare numpy top-10.

    .venv/bin/python -m benchmarks.recommend_speed [--sizes 10000 100000] [--queries 300]

For each generated community (embedded once and cached: see prepared.py), in one process:
the snapshot is built from the store and the rankers trained, then, per single-member request,
- a bare numpy cosine top-10 over the same embedding matrix (the baseline: the least any
  embedding recommender does);
- ``Recommender.people`` (candidates from every source, features, learned ranker, rules,
  reasons), ``helpers`` and ``groups``.
Prints p50 and p99 in milliseconds and their ratio to the baseline, the snapshot build time
(what the service's start and each reload cost), the training time, and the process's peak
resident memory. Target: people p99 ≤ 50 ms at
100,000 members.
"""

from __future__ import annotations

import argparse
import random
import resource
import time
from collections.abc import Callable

import numpy as np

from benchmarks.prepared import prepared_store
from graph_schema import open_store
from matcher.recommend.group_ranking import train_group_ranking
from matcher.recommend.people_ranking import train_people_ranking
from matcher.recommend.recommender import Recommender
from matcher.recommend.rerank import RerankPolicy
from service.community import read_snapshot


def _timed(run: Callable[[str], object], ids: list[str]) -> np.ndarray:
    for member in ids[:10]:
        run(member)  # warm caches
    times = []
    for member in ids:
        start = time.perf_counter()
        run(member)
        times.append((time.perf_counter() - start) * 1000)
    return np.array(times)


def measure(size: int, queries: int) -> None:
    started = time.perf_counter()
    with open_store(str(prepared_store(size))) as store:
        # Read and warmed whole, as the service does when it starts or reloads.
        snapshot = read_snapshot(store).warmed()
    built = time.perf_counter() - started
    started = time.perf_counter()
    people, groups = train_people_ranking(snapshot), train_group_ranking(snapshot)
    trained = time.perf_counter() - started
    recommender = Recommender(snapshot, people, groups, RerankPolicy())
    ids = random.Random(size).sample(list(snapshot.ids.names), queries)
    matrix = snapshot.embeddings

    def numpy_top10(member: str) -> np.ndarray:
        scores = matrix @ matrix[snapshot.ids.index[member]]
        top = np.argpartition(-scores, 11)[:11]
        return top[np.argsort(-scores[top])]

    rows = {
        "bare numpy cosine top-10 (baseline)": _timed(numpy_top10, ids),
        "people like you": _timed(lambda m: recommender.people(m, 10), ids),
        "who can help me": _timed(lambda m: recommender.helpers(m, 10), ids),
        "groups": _timed(lambda m: recommender.groups(m, 10), ids),
    }
    base = np.percentile(rows["bare numpy cosine top-10 (baseline)"], 50)
    print(f"\n{size:,} members ({len(snapshot.community.connections):,} ties, "
          f"{len(snapshot.groups):,} groups), {queries} requests each; snapshot built in "
          f"{built:.1f} s, rankers trained in {trained:.1f} s ({people.metadata['kind']})")
    print(f"{'':<38} {'p50 ms':>8} {'p99 ms':>8} {'p50 / baseline':>15}")
    for name, times in rows.items():
        p50, p99 = np.percentile(times, [50, 99])
        print(f"{name:<38} {p50:>8.2f} {p99:>8.2f} {p50 / base:>15.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    for size in args.sizes:
        measure(size, args.queries)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak resident memory of this process: {peak:,.0f} MiB")


if __name__ == "__main__":
    main()
