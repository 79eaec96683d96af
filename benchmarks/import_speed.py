"""Import speed: members/s into the embedded store and into Neo4j, side by side in one run.

    .venv/bin/python -m benchmarks.import_speed [--members 10000] [--repeats 3] [--neo4j URI]

Generates a community, then for each store imports it into an empty store ``--repeats`` times
and prints the median. The bundle check (parsing and validating the files) is timed too: it is
the floor any store's import sits on. Embeddings are off here (see embedding_speed.py). Without
``--neo4j`` a throwaway Neo4j is started with scripts/neo4j.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

from graph_schema import open_store
from graph_schema.bundle import read_bundle, write_bundle
from matcher.synthetic.generator import generate_community
from models import Community
from tests.neo4j_server import running_neo4j, wipe


def _median_seconds(run: Callable[[], None], prepare: Callable[[], None], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        prepare()
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--neo4j", help="Bolt URI of an empty, disposable Neo4j")
    args = parser.parse_args()

    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        bundle = write_bundle(generate_community(args.members, seed=1), folder / "bundle")
        community = read_bundle(bundle)
        records = sum(map(len, (community.members, community.connections, community.groups)))
        print(f"community: {len(community.members):,} members, "
              f"{len(community.connections):,} connections, {len(community.groups):,} groups")

        uri = args.neo4j or stack.enter_context(running_neo4j())
        embedded_file = folder / "store.db"
        rows = {
            "bundle check (read + validate)": _median_seconds(
                lambda: read_bundle(bundle), lambda: None, args.repeats),
            "embedded store import": _median_seconds(
                lambda: _import(str(embedded_file), community),
                lambda: embedded_file.unlink(missing_ok=True), args.repeats),
            "neo4j store import": _median_seconds(
                lambda: _import(uri, community), lambda: wipe(uri), args.repeats),
        }

    print(f"\n{'step':<32} {'median s':>9} {'members/s':>10} {'records/s':>10}")
    for name, seconds in rows.items():
        print(f"{name:<32} {seconds:>9.2f} {args.members / seconds:>10,.0f} "
              f"{records / seconds:>10,.0f}")
    base = rows["embedded store import"]
    print(f"\nneo4j / embedded time ratio: {rows['neo4j store import'] / base:.2f}")


def _import(location: str, community: Community) -> None:
    with open_store(location) as store:
        store.write(community)


if __name__ == "__main__":
    main()
