"""Recommendation quality: qconnect against every baseline, on real and generated data.

    .venv/bin/python -m benchmarks.recommend_quality [--bundles lastfm-2k collegemsg
        asf-projects] [--members 10000] [--k 10]

Each community runs the path ``qconnect evaluate`` runs (``service.training.evaluate_holdout``):
qconnect is trained as ``qconnect train`` trains (on the training part only) and served with the
configured rules, beside every simple baseline in the same run; it is also served without the
exposure and organisation rules, to show what they cost.

1. The real bundles in ``../shared/data/bundles`` with their published test splits:
   ``lastfm-2k`` (friendships, people), ``collegemsg`` (first messages after a date, people),
   ``asf-projects`` (one hidden project membership, groups). A bundle absent on this machine
   is skipped with a message. Targets (nDCG@10, ratio in this run): lastfm ≥ 1.15 × Adamic-Adar
   and ≥ 1.05 × personalised PageRank; collegemsg ≥ 1.15 × personalised PageRank;
   asf-projects ≥ 1.30 × co-membership.
2. A generated community (default 10,000 members) with the most recent 20% of ties and one
   membership of each member in three or more groups held out (never an umbrella group's).

Bundles are embedded once and cached (see ``prepared.py``). Per community it prints the table
``qconnect evaluate`` prints, what training chose and the validation figures it chose on, the
ratios to the targets' baselines, and what the rules cost.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from benchmarks.prepared import prepared_bundle, prepared_store
from graph_schema import open_store
from matcher.evaluation.protocol import MethodResult, hold_out
from service.community import read_snapshot
from service.training import Evaluation, evaluate_holdout, format_table

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "bundles"
REFERENCES = {"people": ("Adamic-Adar", "personalised PageRank"), "groups": ("co-membership",)}


def _ndcg(results: list[MethodResult], task: str) -> dict[str, float]:
    return {r.method: r.ndcg for r in results if r.task == task}


def _report(title: str, evaluation: Evaluation, k: int, seconds: float) -> None:
    print(f"\n== {title} ({seconds:.0f} s)\n{format_table(evaluation.results, k)}")
    for task, chosen in evaluation.training.items():
        ndcg = _ndcg(evaluation.results, task)
        if "qconnect" not in ndcg:
            continue
        print(f"{task}: trained as {chosen['kind']}; validation nDCG@{k} "
              f"{json.dumps(chosen.get('validation_ndcg@10', {}))}")
        ratios = [f"{ndcg['qconnect'] / ndcg[name]:.3f} × {name}"
                  for name in REFERENCES[task] if ndcg.get(name)]
        cost = ndcg["qconnect without rules"] - ndcg["qconnect"]
        share = cost / ndcg["qconnect without rules"] if ndcg["qconnect without rules"] else 0.0
        print(f"{task}: qconnect = {', '.join(ratios)}; the exposure and organisation rules "
              f"cost {cost:.4f} nDCG@{k} ({share:.1%})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundles", nargs="*",
                        default=["lastfm-2k", "collegemsg", "asf-projects"])
    parser.add_argument("--members", type=int, default=10_000,
                        help="Size of the generated community (0: none).")
    parser.add_argument("--k", type=int, default=10)
    args = parser.parse_args()

    for name in args.bundles:
        folder, test_file = SHARED / name, SHARED / f"{name}.test.json"
        if not folder.is_dir() or not test_file.is_file():
            print(f"skipping {name}: {folder} or its test file is not on this machine",
                  file=sys.stderr)
            continue
        started = time.perf_counter()
        with open_store(str(prepared_bundle(folder))) as store:
            snapshot = read_snapshot(store)
        test = {m: set(v) for m, v in json.loads(test_file.read_text("utf-8")).items()}
        evaluation = evaluate_holdout(hold_out(snapshot, test=test), args.k)
        _report(f"{name}, published test split", evaluation, args.k,
                time.perf_counter() - started)

    if args.members:
        started = time.perf_counter()
        with open_store(str(prepared_store(args.members))) as store:
            snapshot = read_snapshot(store)
        evaluation = evaluate_holdout(hold_out(snapshot), args.k)
        _report(f"generated community of {args.members:,} members, 20% most recent ties held "
                "out", evaluation, args.k, time.perf_counter() - started)


if __name__ == "__main__":
    main()
