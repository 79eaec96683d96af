"""The evaluation's results as a plain-text table."""

from __future__ import annotations

from matcher.evaluation.protocol import MethodResult

__all__ = ["format_table"]


def format_table(results: list[MethodResult], k: int) -> str:
    """The results as a plain-text table, with qconnect's nDCG against the best baseline."""
    lines = [f"{'task':<7} {'method':<26} {f'recall@{k}':>9} {f'nDCG@{k}':>8} {f'hit@{k}':>7} "
             f"{'MRR':>6} {'coverage':>8} {'Gini':>6} {'queries':>7}"]
    for r in results:
        lines.append(f"{r.task:<7} {r.method:<26} {r.recall:>9.3f} {r.ndcg:>8.3f} {r.hit:>7.3f} "
                     f"{r.mrr:>6.3f} {r.coverage:>8.3f} {r.gini:>6.3f} {r.queries:>7}")
    for task, reference in (("people", "Adamic-Adar"), ("groups", "co-membership")):
        ndcg_of = {r.method: r.ndcg for r in results if r.task == task}
        baselines = {m: v for m, v in ndcg_of.items() if not m.startswith("qconnect")}
        if "qconnect" not in ndcg_of or not baselines:
            continue
        best, name = max((v, m) for m, v in baselines.items())
        line = f"{task}: qconnect nDCG@{k} / best baseline ({name}): "
        line += f"{ndcg_of['qconnect'] / best:.3f}" if best else "n/a"
        if baselines.get(reference):
            line += f"; / {reference}: {ndcg_of['qconnect'] / baselines[reference]:.3f}"
        lines.append(line)
    return "\n".join(lines)
