"""What a replica pays to take in other processes' writes: following the change feed against
reading the whole community again, side by side in one run.

    .venv/bin/python -m benchmarks.follow_speed [--sizes 10000 100000] [--writes 100] [--runs 3]
                                                [--stand-in]

For each generated community (embedded once and cached: see prepared.py), a private copy of
the store is served by one process's :class:`~service.community.LiveCommunity` (the replica),
while a second connection to the same store (another replica, as the service writes) makes
``--writes`` writes of each kind: profile edits with their new embeddings, new ties, feedback,
group joins, and a mix of all four. For each batch the replica's :meth:`follow` is timed
(reading the changed records and rebuilding what depends on them), and so is a whole reload
(:meth:`reload`: reading the store and rebuilding every matrix, what following replaced).
Prints medians over ``--runs``, the ratio, and the replica's peak resident memory (a reload
holds the old snapshot, still served, beside the new one). Target: following 100 writes at
100,000 members costs at most 5% of a full reload. ``--stand-in`` gives the generated
communities random vectors in place of their embeddings (see prepared.stand_in_store): as fast
to follow and read, without embedding them first.
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from benchmarks.prepared import prepared_store, stand_in_store
from graph_schema import Store, open_store
from models import Community, Connection, Feedback
from service import config
from service.community import LiveCommunity


def _profile(store: Store, live: LiveCommunity, rng: random.Random, n: int) -> None:
    members = rng.sample(live.snapshot.members, n)
    edited = [m.model_copy(update={"bio": f"{m.bio or ''} Also runs quality clinics."})
              for m in members]
    store.write(Community(members=edited))
    vectors = np.array([live.snapshot.embeddings[live.snapshot.ids.index[m.id]][::-1]
                        for m in members])
    store.write_embeddings("member", config.snapshot_model_id(), [m.id for m in members],
                           ["edited"] * n, vectors)


def _ties(store: Store, live: LiveCommunity, rng: random.Random, n: int) -> None:
    ids = live.snapshot.ids.names
    for _ in range(n):
        a, b = rng.sample(ids, 2)
        store.write(Community(connections=[Connection(source=a, target=b, kind="peer")]))


def _feedback(store: Store, live: LiveCommunity, rng: random.Random, n: int) -> None:
    ids = live.snapshot.ids.names
    for _ in range(n):
        a, b = rng.sample(ids, 2)
        store.record_feedback(Feedback(member=a, target_kind="member", target=b,
                                       action=rng.choice(["accept", "dismiss"])))


def _joins(store: Store, live: LiveCommunity, rng: random.Random, n: int) -> None:
    groups, ids = live.snapshot.groups, live.snapshot.ids.names
    for _ in range(n):
        group = rng.choice(groups)
        store.write(Community(groups=[group.model_copy(update={
            "members": sorted({*group.members, rng.choice(ids)})})]))


KINDS: dict[str, Callable[..., None]] = {
    "profile edits (and embeddings)": _profile,
    "new ties": _ties,
    "feedback": _feedback,
    "group joins": _joins,
}


def _mixed(store: Store, live: LiveCommunity, rng: random.Random, n: int) -> None:
    for write in KINDS.values():
        write(store, live, rng, n // len(KINDS))


def _followed(live: LiveCommunity) -> None:
    if not live.follow():
        raise AssertionError("the replica saw no change")


def _seconds(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def measure(size: int, source: Path, writes: int, runs: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        location = str(Path(folder) / "replica.db")
        shutil.copy(source, location)
        live = LiveCommunity(open_store(location))
        writer = open_store(location)
        try:
            live.snapshot  # noqa: B018 - read once, as the service does when it starts
            reloads = [_seconds(live.reload) for _ in range(runs)]
            rng = random.Random(size)
            rows = {}
            for name, write in {**KINDS, "all four, mixed": _mixed}.items():
                times = []
                for _ in range(runs):
                    write(writer, live, rng, writes)
                    times.append(_seconds(lambda: _followed(live)))
                rows[name] = statistics.median(times)
        finally:
            writer.close()
            live.close()
    reload = statistics.median(reloads)
    print(f"\n{size:,} members: following {writes} writes of each kind against a whole reload "
          f"(median of {runs})")
    print(f"{'':<34} {'seconds':>8} {'/ reload':>9}")
    print(f"{'whole reload (baseline)':<34} {reload:>8.2f} {1:>9.1%}")
    for name, seconds in rows.items():
        print(f"{name:<34} {seconds:>8.3f} {seconds / reload:>9.1%}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"peak resident memory of the replica so far (the old snapshot served while the new "
          f"one is built): {peak:.2f} GiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--writes", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--stand-in", action="store_true",
                        help="random vectors in place of embeddings (see prepared.stand_in_store)")
    args = parser.parse_args()
    prepare = stand_in_store if args.stand_in else prepared_store
    for size in args.sizes:
        measure(size, prepare(size), args.writes, args.runs)


if __name__ == "__main__":
    main()
