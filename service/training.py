"""Learning the rankers from a community's own ties and memberships, and measuring qconnect
against baselines on held-out data."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from matcher.embeddings.refresh import KindProgress
from matcher.evaluation.protocol import MethodResult, evaluate, hold_out
from matcher.evaluation.report import format_table
from matcher.recommend.group_ranking import train_group_ranking
from matcher.recommend.people_ranking import train_people_ranking
from matcher.recommend.ranker_files import save_rankings
from models import Community
from models.privacy import OPERATOR, Caller
from service import config
from service.access import allow
from service.community import LiveCommunity, open_community
from service.data import embed

__all__ = ["evaluate_bundle", "format_table", "train"]


@allow("admin")
def train(live: LiveCommunity, caller: Caller) -> dict[str, Any]:
    """Learn the people and group rankers from the community and save them for its store,
    where ``recommend``, the service (after a reload or restart) and ``evaluate`` find them.
    Returns what was learned and where it was saved."""
    snapshot = live.snapshot
    people, groups = train_people_ranking(snapshot), train_group_ranking(snapshot)
    folder = config.ranker_folder(live.store.location)
    save_rankings(folder, people, groups)
    return {"people": dict(people.metadata), "groups": dict(groups.metadata),
            "saved_in": str(folder)}


def _evaluation_store(bundle: Path) -> str:
    """A store kept per bundle, so evaluating it again re-embeds only what changed."""
    return str(config.cache_folder("evaluate") / f"{config.file_name_for(str(bundle))}.db")


def evaluate_bundle(bundle: Path, community: Community, *,
                    test: Mapping[str, set[str]] | None = None, k: int = 10, seed: int = 0,
                    progress: KindProgress | None = None) -> list[MethodResult]:
    """qconnect against baselines on ``community`` (read from the bundle at ``bundle``), with
    ``test`` as the held-out ties when given, else the most recent (or a random) 20%."""
    with open_community(_evaluation_store(bundle.resolve())) as live:
        store = live.store
        wanted = {m.id for m in community.members}
        for stale in {m.id for m in store.members()} - wanted:
            store.delete_member(stale)
        store.write(community)
        embed(live, OPERATOR, progress=progress)
        return evaluate(hold_out(live.snapshot, seed=seed, test=test), k, seed)
