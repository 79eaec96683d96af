"""Snapshot build: reading a whole community into a warmed snapshot, on both stores.

    .venv/bin/python -m benchmarks.snapshot_build [--sizes 10000 100000] [--runs 3]
                                                  [--stand-in-sizes N ...] [--neo4j URI]

What the service does when it starts and whenever it reads the community whole again
(``read_snapshot(store).warmed()``), for each generated community (embedded once and cached:
see prepared.py), timed in parts, the median of ``--runs`` runs, each from a freshly opened
store:
- store read: ``store.export(columns=True)``, the whole community as records (ties as
  columns);
- embeddings read: the embeddings of every kind by the snapshot's model, and the feedback;
- snapshot warm: ``Snapshot.warmed()``, every derived matrix and the search index;
- total, all three with what joins them. The reads run at once (see
  ``snapshot_from_store``), so the two read parts overlap: each is the time from its start to
  its answer, and the total is what a replica waits.
Also the process's resident memory that the first warmed snapshot of each size added, per
member, and at the end the process's peak. ``--stand-in-sizes 300000`` measures sizes too large
to embed here, with random unit vectors in place of the embeddings (as many, as large; reading
them costs the same), on both stores (``--sizes`` given no size measures the stand-ins alone).
Targets at 100,000 members: total ≤ 5 s on the embedded store, ≤ 15 s on Neo4j.

Neo4j is measured too when ``--neo4j URI`` or ``QCONNECT_TEST_NEO4J`` names one: the prepared
store is copied into it first, so it is wiped; give a disposable one, and for 100,000 members
one started with ``NEO4J_JAVA_OPTS="-Xmx8g"`` (the copy is one transaction). After the Neo4j
rows, the time schema migration 9 takes to write the bytes of every vector, as when a store
written before they were kept is upgraded.
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import statistics
import time
from collections import defaultdict
from typing import Any

from benchmarks.prepared import prepared_store, stand_in_store
from graph_schema import Store, open_store
from graph_schema.store import copy_store
from service.community import read_snapshot
from tests.neo4j_server import wipe

PARTS = ("store read", "embeddings read", "snapshot warm", "total")
_TIMED = {"export": "store read", "embeddings": "embeddings read", "feedback": "embeddings read"}


class _Timed:
    """``store``, with the time its whole-community reads take added up by part."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self.spent: dict[str, float] = defaultdict(float)

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._store, name)
        if name not in _TIMED:
            return method

        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                self.spent[_TIMED[name]] += time.perf_counter() - start

        return timed


def _resident() -> int:
    """The process's resident memory now, in bytes (Linux)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _build(location: str) -> tuple[dict[str, float], int, int]:
    """One build from a freshly opened store: seconds per part, members, and the resident
    memory the warmed snapshot added (bytes)."""
    gc.collect()
    before = _resident()
    with open_store(location) as opened:
        store = _Timed(opened)
        started = time.perf_counter()
        snapshot = read_snapshot(store)  # duck-typed: the store, timed
        warm = time.perf_counter()
        snapshot.warmed()
        done = time.perf_counter()
    seconds = {**store.spent, "snapshot warm": done - warm, "total": done - started}
    return seconds, len(snapshot), _resident() - before


def measure(name: str, location: str, runs: int) -> None:
    """Print one row: the median of each part over ``runs`` builds, and memory."""
    parts: dict[str, list[float]] = defaultdict(list)
    added = members = 0
    for run in range(runs):
        seconds, members, grown = _build(location)
        if run == 0:  # later runs reuse the memory the first one freed
            added = grown
        for part in PARTS:
            parts[part].append(seconds.get(part, 0.0))
    medians = "".join(f" {statistics.median(parts[part]):>15.2f}" for part in PARTS)
    print(f"{name:<14} {members:>8,}{medians} {added / 2**20:>9,.0f} "
          f"{added / members / 1024:>10,.1f}", flush=True)


def _copy_into(uri: str, source: str) -> None:
    """Wipe the Neo4j at ``uri`` and copy the embedded store at ``source`` into it."""
    wipe(uri)
    with open_store(source) as embedded, open_store(uri) as graph:
        copy_store(embedded, graph)


def _upgrade(uri: str) -> None:
    """Print how long schema migration 9 takes to write the bytes of every vector in the Neo4j
    at ``uri``, as on a store written before they were kept (they are removed first)."""
    from neo4j import GraphDatabase

    with GraphDatabase.driver(uri, notifications_min_severity="OFF") as driver:
        with driver.session() as session:
            session.run("MATCH (n) WHERE n.embedding_bytes IS NOT NULL CALL (n) { "
                        "REMOVE n.embedding_bytes, n.embedding_bytes_of } IN TRANSACTIONS"
                        ).consume()
        driver.execute_query("MATCH (v:SchemaMigration {version: 9}) DELETE v")
    with open_store(uri, migrate=False) as store:
        started = time.perf_counter()
        store.migrate()
        print(f"{'':<14} upgrade: migration 9 wrote every vector's bytes in "
              f"{time.perf_counter() - started:.1f} s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--stand-in-sizes", type=int, nargs="*", default=[],
                        help="Also these sizes, with random vectors in place of embeddings "
                        "(see prepared.stand_in_store)")
    parser.add_argument("--neo4j", default=os.environ.get("QCONNECT_TEST_NEO4J"),
                        help="Bolt URI of a disposable Neo4j (it is wiped) to measure too")
    args = parser.parse_args()
    print(f"median of {args.runs} runs, seconds; memory: resident memory the warmed snapshot "
          "added")
    print(f"{'store':<14} {'members':>8}" + "".join(f" {part:>15}" for part in PARTS)
          + f" {'MiB':>9} {'KiB/member':>10}")
    stores = [(size, "embedded", prepared_store) for size in args.sizes] + [
        (size, "stand-in", stand_in_store) for size in args.stand_in_sizes]
    for size, name, prepare in stores:
        source = str(prepare(size))
        measure(name, source, args.runs)
        if args.neo4j:
            _copy_into(args.neo4j, source)
            measure("neo4j" if name == "embedded" else f"{name} neo4j", args.neo4j, args.runs)
            _upgrade(args.neo4j)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak resident memory of this process: {peak:,.0f} MiB")


if __name__ == "__main__":
    main()
