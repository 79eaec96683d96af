"""Recommendation quality: qconnect against every baseline, on real and generated data.

    .venv/bin/python -m benchmarks.recommend_quality [--members 10000] [--k 10]

1. ``../shared/data/bundles/lastfm-2k`` with its published test split (people only; it has no
   groups). Target: qconnect's nDCG@10 at least 1.10 × Adamic-Adar's, measured in this run.
2. A generated community (default 10,000 members) with 20% of ties held out (the most recent)
   and one membership of each member in three or more groups. Target: qconnect beats every
   baseline on nDCG@10, for people and for groups.
Both run the same code as ``qconnect evaluate``. The data folder is skipped, with a message,
where it is absent.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from benchmarks.prepared import prepared_bundle, prepared_store
from graph_schema import open_store
from matcher.evaluation.protocol import MethodResult, evaluate, hold_out
from matcher.evaluation.report import format_table
from service.community import read_snapshot

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "bundles"


def _table(title: str, results: list[MethodResult], k: int) -> None:
    print(f"\n{title}\n{format_table(results, k)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--k", type=int, default=10)
    args = parser.parse_args()

    lastfm = SHARED / "lastfm-2k"
    if lastfm.is_dir():
        with open_store(str(prepared_bundle(lastfm))) as store:
            snapshot = read_snapshot(store)
        test = {m: set(v) for m, v in
                json.loads((SHARED / "lastfm-2k.test.json").read_text()).items()}
        _table("lastfm-2k, published test split", evaluate(hold_out(snapshot, test=test), args.k),
               args.k)
    else:
        print(f"skipping lastfm-2k: {lastfm} is not on this machine", file=sys.stderr)

    with open_store(str(prepared_store(args.members))) as store:
        snapshot = read_snapshot(store)
    _table(f"generated community of {args.members:,} members, 20% most recent ties held out",
           evaluate(hold_out(snapshot), args.k), args.k)


if __name__ == "__main__":
    main()
