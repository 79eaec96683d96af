"""Which collaborative filtering ranks groups: RP3β against the other usual models, side by side.

    .venv/bin/python -m benchmarks.group_cf [--members 10000] [--k 10]

The evidence behind the group ranker's collaborative filtering
(:func:`~matcher.recommend.graph_signals.random_walk_weights`). On the same held-out
memberships as ``benchmarks/recommend_quality.py`` (``asf-projects``' published split, and one
membership of each member in three or more groups of a generated community, never an umbrella
group's), each model scores every group for each member from the training memberships alone,
and its top ``--k`` groups the member is not in are scored (nDCG@k, and the ratio to
co-membership):

- co-membership, the baseline the targets name;
- RP3β over a grid of α (the power of each step's chances) and β (how much popular groups are
  damped); qconnect's group ranker has α = 1 with β = 0.5 and β = 0 (P³), and learns from each
  community's memberships how to weigh the two;
- EASE (Steck 2019) over a grid of λ, item-kNN (cosine between groups' member sets), and
  user-kNN (cosine between members' IDF-weighted groups, popular groups damped by √size);
- RP3β blended with each of those and with how close in meaning groups are to the member's
  groups (each member's scores divided by their largest, then RP3β + 0.3 × the other).

For the members in one group only, it also prints the best any model could do that knows no
more of them than that group. Every setting is shown, not chosen: a model whose best setting
beats RP3β here only after seeing the test answers is not evidence that it would do better
elsewhere.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from benchmarks.prepared import prepared_bundle, prepared_store
from benchmarks.recommend_quality import SHARED
from graph_schema import open_store
from matcher.evaluation.metrics import ndcg
from matcher.evaluation.protocol import Holdout, hold_out
from matcher.recommend.candidates import top_rows
from service.community import read_snapshot


def _rp3(x: sp.csr_matrix, alpha: float, beta: float) -> np.ndarray:
    holders = np.maximum(np.asarray(x.sum(axis=0)).ravel(), 1)
    held = np.maximum(np.asarray(x.sum(axis=1)).ravel(), 1)
    to_holder = (sp.diags(1 / holders) @ x.T).power(alpha)
    to_group = (sp.diags(1 / held) @ x).power(alpha)
    weights = (to_holder @ to_group @ sp.diags(1 / holders ** beta)).toarray()
    np.fill_diagonal(weights, 0)
    return weights


def _ease(x: sp.csr_matrix, lam: float) -> np.ndarray:
    gram = (x.T @ x).toarray()
    inverse = np.linalg.inv(gram + lam * np.eye(len(gram)))
    weights = -inverse / np.diag(inverse)
    np.fill_diagonal(weights, 0)
    return weights


def _item_knn(x: sp.csr_matrix) -> np.ndarray:
    gram = (x.T @ x).toarray()
    norms = np.sqrt(np.maximum(np.diag(gram), 1))
    weights = gram / np.outer(norms, norms)
    np.fill_diagonal(weights, 0)
    return weights


def _user_knn(x: sp.csr_matrix, rows: np.ndarray) -> np.ndarray:
    holders = np.maximum(np.asarray(x.sum(axis=0)).ravel(), 1)
    weighted = sp.csr_matrix(x.multiply(np.log(x.shape[0] / holders)[None, :]))
    norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1)).ravel())
    unit = sp.csr_matrix(sp.diags(1 / np.maximum(norms, 1e-12)) @ weighted)
    similar = (unit[rows] @ unit.T).toarray()
    similar[np.arange(len(rows)), rows] = 0  # not the member themselves
    return (similar @ x) / np.sqrt(holders)


def _scaled(scores: np.ndarray) -> np.ndarray:
    top = np.abs(scores).max(axis=1, keepdims=True)
    return scores / np.where(top > 0, top, 1)


def _ndcg(scores: np.ndarray, mine: np.ndarray, relevant: list[set[int]], k: int) -> float:
    return float(np.mean([ndcg(top_rows(s, m == 0, k, positive_only=False).tolist(), r, k)
                          for s, m, r in zip(scores, mine, relevant, strict=True)]))


def compare(title: str, holdout: Holdout, k: int) -> None:
    train = holdout.train
    x = sp.csr_matrix(train.membership, dtype=np.float64)
    queries = [(train.ids.index[m], {train.group_ids.index[g] for g in groups})
               for m, groups in sorted(holdout.groups.items()) if m in train.ids.index]
    rows = np.array([row for row, _ in queries])
    relevant = [found for _, found in queries]
    mine = x[rows].toarray()
    sizes = np.asarray(x.sum(axis=0)).ravel()
    overlap = (x.T @ x).toarray()
    np.fill_diagonal(overlap, 0)
    embeddings = train.group_embeddings
    profile = mine @ embeddings
    profile /= np.maximum(np.linalg.norm(profile, axis=1, keepdims=True), 1e-12)
    rp3 = mine @ _rp3(x, 1.0, 0.5)
    results: dict[str, np.ndarray] = {
        "co-membership": mine @ overlap / np.sqrt(sizes + 1),
        **{f"RP3β α={a:g} β={b:g}": mine @ _rp3(x, a, b)
           for a in (0.5, 1.0, 1.5) for b in (0.0, 0.25, 0.5, 0.75)},
        **{f"EASE λ={lam:g}": mine @ _ease(x, lam) for lam in (1, 10, 100, 300)},
        "item-kNN": mine @ _item_knn(x),
        "user-kNN": _user_knn(x, rows),
        "meaning of the member's groups": profile @ embeddings.T,
    }
    for other in ("EASE λ=10", "item-kNN", "user-kNN", "meaning of the member's groups"):
        results[f"RP3β + 0.3 × {other}"] = _scaled(rp3) + 0.3 * _scaled(results[other])
    quality = {name: _ndcg(scores, mine, relevant, k) for name, scores in results.items()}
    print(f"\n== {title}: {len(queries)} members, {x.shape[1]} groups")
    print(f"{'model':<44} {f'nDCG@{k}':>8} {'/ co-membership':>16}")
    for name, value in quality.items():
        mark = "  (qconnect's)" if name in ("RP3β α=1 β=0.5", "RP3β α=1 β=0") else ""
        print(f"{name:<44} {value:>8.3f} {value / quality['co-membership']:>15.3f}×{mark}")
    alone = np.flatnonzero(mine.sum(axis=1) == 1)
    if len(alone):
        # What a model that sees only a member's one group could do at best: for each group,
        # rank first what the members in it alone most often joined, counted from the test
        # answers themselves (so a bound, not a method).
        answers = np.zeros_like(overlap)
        for i in alone:
            answers[np.argmax(mine[i]), list(relevant[i])] += 1
        picked = [relevant[i] for i in alone]
        print(f"members in one group only ({len(alone)}): RP3β "
              f"{_ndcg(rp3[alone], mine[alone], picked, k):.3f}; the best list for each group, "
              f"from the test answers, {_ndcg(mine[alone] @ answers, mine[alone], picked, k):.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000,
                        help="Size of the generated community (0: none).")
    parser.add_argument("--k", type=int, default=10)
    args = parser.parse_args()
    folder, test_file = SHARED / "asf-projects", SHARED / "asf-projects.test.json"
    if folder.is_dir() and test_file.is_file():
        with open_store(str(prepared_bundle(folder))) as store:
            snapshot = read_snapshot(store)
        test = {m: set(v) for m, v in json.loads(Path(test_file).read_text("utf-8")).items()}
        compare("asf-projects, published test split", hold_out(snapshot, test=test), args.k)
    else:
        print(f"skipping asf-projects: {folder} or its test file is not on this machine")
    if args.members:
        with open_store(str(prepared_store(args.members))) as store:
            snapshot = read_snapshot(store)
        compare(f"generated community of {args.members:,} members", hold_out(snapshot), args.k)


if __name__ == "__main__":
    main()
