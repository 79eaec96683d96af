"""Learning the rankers from a community's own ties and memberships, and measuring qconnect
against baselines on held-out data.

Training and evaluation share one path: the rankers an evaluation measures are trained by the
same function ``qconnect train`` uses (on the evaluation's training part only), and rank with
the rules the service applies, so the figures ``qconnect evaluate`` prints are what members
get.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from matcher.embeddings.refresh import KindProgress
from matcher.evaluation.protocol import Holdout, MethodResult, evaluate, hold_out
from matcher.evaluation.report import format_table
from matcher.recommend.group_ranking import GroupRanking, train_group_ranking
from matcher.recommend.people_ranking import PeopleRanking, train_people_ranking
from matcher.recommend.ranker_files import save_rankings
from matcher.recommend.recommender import Recommender
from matcher.recommend.rerank import RerankPolicy
from matcher.recommend.snapshot import Snapshot
from models import Community
from models.privacy import OPERATOR, Caller
from service import config
from service.access import allow
from service.community import LiveCommunity, open_community
from service.data import embed

__all__ = ["Evaluation", "evaluate_bundle", "evaluate_holdout", "format_table", "train",
           "train_rankings"]

WITHOUT_RULES = RerankPolicy(max_exposure_share=1.0, min_other_organisations=0.0)
"""No exposure cap and no organisation mix: what the rules cost is read against this."""


def train_rankings(snapshot: Snapshot) -> tuple[PeopleRanking, GroupRanking]:
    """The people and group rankings learned from ``snapshot`` (each chosen on validation
    against the single-signal baselines)."""
    return train_people_ranking(snapshot), train_group_ranking(snapshot)


def _described(people: PeopleRanking, groups: GroupRanking) -> dict[str, Any]:
    return {"people": dict(people.metadata), "groups": dict(groups.metadata)}


@allow("admin")
def train(live: LiveCommunity, caller: Caller) -> dict[str, Any]:
    """Learn the people and group rankers from the community and save them for its store,
    where ``recommend``, the service (after a reload or restart) and ``evaluate`` find them.
    Returns what was learned, how it compared with the baselines, and where it was saved."""
    rankings = train_rankings(live.snapshot)
    folder = config.ranker_folder(live.store.location)
    save_rankings(folder, *rankings)
    return {**_described(*rankings), "saved_in": str(folder)}


@dataclass(frozen=True)
class Evaluation:
    """Every method's figures, and what training chose for qconnect and why."""

    results: list[MethodResult]
    training: dict[str, Any]

    def as_dict(self, k: int) -> dict[str, Any]:
        return {"k": k, "results": [r.as_dict() for r in self.results],
                "training": self.training}


def evaluate_holdout(holdout: Holdout, k: int = 10, seed: int = 0,
                     policy: RerankPolicy | None = None) -> Evaluation:
    """qconnect, trained on ``holdout``'s training part as ``train`` trains and served with
    ``policy`` (default: the configured rules) and, to show what the rules cost, without
    rules, against every baseline."""
    rankings = train_rankings(holdout.train)
    served_by = {"qconnect": Recommender(holdout.train, *rankings,
                                         policy or config.rerank_policy()),
                 "qconnect without rules": Recommender(holdout.train, *rankings, WITHOUT_RULES)}
    return Evaluation(evaluate(holdout, k, seed, served_by), _described(*rankings))


def _evaluation_store(bundle: Path) -> str:
    """A store kept per bundle, so evaluating it again re-embeds only what changed."""
    return str(config.cache_folder("evaluate") / f"{config.file_name_for(str(bundle))}.db")


def evaluate_bundle(bundle: Path, community: Community, *,
                    test: Mapping[str, set[str]] | None = None, k: int = 10, seed: int = 0,
                    progress: KindProgress | None = None) -> Evaluation:
    """qconnect against baselines on ``community`` (read from the bundle at ``bundle``), with
    ``test`` as the held-out ties or memberships when given, else the most recent (or a random)
    20% of ties and one membership of members in three or more groups (never of an umbrella
    group: see :func:`~matcher.evaluation.protocol.hold_out`)."""
    with open_community(_evaluation_store(bundle.resolve())) as live:
        store = live.store
        wanted = {m.id for m in community.members}
        for stale in {m.id for m in store.members()} - wanted:
            store.delete_member(stale)
        store.write(community)
        embed(live, OPERATOR, progress=progress)
        return evaluate_holdout(hold_out(live.snapshot, seed=seed, test=test), k, seed)
