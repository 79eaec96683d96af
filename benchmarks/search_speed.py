"""Search latency on both stores, and recall of Neo4j's vector index against exact search.

    .venv/bin/python -m benchmarks.search_speed [--sizes 10000 100000] [--queries 200]
                                               [--neo4j URI]

For each community size (generated, embedded once and cached: see prepared.py), in one run:
- exact numpy cosine top-10 over the same embedding matrix: the baseline;
- ``store.nearest`` top-10 on the embedded store and on Neo4j (its vector index);
- encoding the query alone, and a whole search as every way in makes it, ``search_members``
  over a snapshot in memory (encode the query, exact words and meaning of members and groups,
  fusion, privacy and filters, reasons), the same on either store;
- recall@10 of the Neo4j index against the exact top-10 (target ≥ 0.95).
Latencies are per query, warm, p50 and p99 in milliseconds, with BLAS on one thread as in the
service. Queries are the first half of
randomly chosen members' bios. Without ``--neo4j`` a throwaway Neo4j is started.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack

import numpy as np
from threadpoolctl import threadpool_limits

from benchmarks.prepared import prepared_store
from graph_schema import Store, open_store
from graph_schema.store import copy_store
from matcher.recommend.snapshot import snapshot_from_store
from matcher.search.members import search_members
from service import config
from tests.neo4j_server import running_neo4j, wipe

K = 10


def _latencies(run: Callable[[int], object], count: int) -> list[float]:
    run(0)  # warm caches
    times = []
    for i in range(count):
        start = time.perf_counter()
        run(i)
        times.append((time.perf_counter() - start) * 1000)
    return times


def _row(name: str, times: Sequence[float]) -> str:
    return f"{name:<50} {np.percentile(times, 50):>8.2f} {np.percentile(times, 99):>8.2f}"


def _exact(matrix: np.ndarray, vector: np.ndarray) -> np.ndarray:
    scores = matrix @ vector
    top = np.argpartition(-scores, K)[:K]
    return top[np.argsort(-scores[top])]


def measure(size: int, uri: str, queries: int) -> None:
    encoder = config.encoder()
    with open_store(str(prepared_store(size))) as embedded, open_store(uri) as graph:
        wipe(uri)
        graph.migrate()
        copy_store(embedded, graph)
        keys, matrix = embedded.embeddings("member", encoder.model_id)
        members = embedded.get_members(random.Random(size).sample(keys, queries))
        texts = [" ".join(m.bio.split()[: len(m.bio.split()) // 2]) for m in members if m.bio]
        vectors = encoder.encode(texts)
        n = len(texts)
        print(f"\n{size:,} members, {n} queries (p50 / p99 ms)")
        print(f"{'':<50} {'p50':>8} {'p99':>8}")
        print(_row("exact numpy cosine top-10 (baseline)",
                   _latencies(lambda i: _exact(matrix, vectors[i]), n)))
        stores: dict[str, Store] = {"embedded": embedded, "neo4j": graph}
        for name, store in stores.items():
            print(_row(f"{name}: nearest top-10", _latencies(
                lambda i, s=store: s.nearest("member", vectors[i], K, encoder.model_id), n)))
        snapshot = snapshot_from_store(embedded, encoder.model_id).warmed()
        print(_row("encoding the query alone",
                   _latencies(lambda i: encoder.encode([texts[i]]), n)))
        print(_row("whole search (encode, rank, reasons)",
                   _latencies(lambda i: search_members(snapshot, encoder, texts[i], K), n)))
        position = {key: i for i, key in enumerate(keys)}
        recall = np.mean([
            len({position[k] for k, _ in graph.nearest("member", v, K, encoder.model_id)}
                & set(_exact(matrix, v).tolist())) / K
            for v in vectors
        ])
        print(f"recall@10 of the Neo4j vector index against exact search: {recall:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--neo4j", help="Bolt URI of an empty, disposable Neo4j")
    args = parser.parse_args()
    with ExitStack() as stack:
        # BLAS on one thread, as the service runs: otherwise its threads and the encoder's
        # contend, and a whole search looks several times slower than it is when served.
        stack.enter_context(threadpool_limits(limits=1, user_api="blas"))
        uri = args.neo4j or stack.enter_context(running_neo4j())
        for size in args.sizes:
            measure(size, uri, args.queries)


if __name__ == "__main__":
    main()
