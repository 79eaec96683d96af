"""Saving trained rankers beside the store they were trained on, and loading them back.

A ranker is saved with joblib together with a JSON file of its metadata (when and on what it
was trained, its features, the scikit-learn version), readable without loading it. Each store
has its own folder, so a ranker learned on one community is never applied to another.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import TypeVar

import joblib
import platformdirs

from graph_schema.errors import QConnectError
from graph_schema.store import Store
from matcher.embeddings.encoder import configured_model_path, model_id
from matcher.recommend.features import FEATURES
from matcher.recommend.group_ranker import GROUP_FEATURES, GroupRanker
from matcher.recommend.people_ranker import PeopleRanker
from matcher.recommend.recommender import Recommender
from matcher.recommend.rerank import RerankPolicy
from matcher.recommend.snapshot import snapshot_from_store
from models.settings import get_settings

__all__ = ["file_name_for", "load_rankers", "open_recommender", "ranker_folder", "save_rankers"]

_Ranker = TypeVar("_Ranker", PeopleRanker, GroupRanker)


def file_name_for(location: str) -> str:
    """A readable, unique file name for a store location or path.

    >>> file_name_for("bolt://db.example:7687")
    'bolt-db-example-7687-6e27f59d'
    """
    slug = re.sub(r"[^A-Za-z0-9]+", "-", location).strip("-")[-40:]
    return f"{slug}-{hashlib.blake2b(location.encode(), digest_size=4).hexdigest()}"


def ranker_folder(store_location: str) -> Path:
    """Where the rankers of the store at ``store_location`` live."""
    base = get_settings().rankers or Path(platformdirs.user_data_dir("qconnect")) / "rankers"
    return Path(base) / file_name_for(store_location)


def _save(ranker: PeopleRanker | GroupRanker, path: Path) -> None:
    joblib.dump(ranker, path)
    path.with_suffix(".json").write_text(json.dumps(ranker.metadata_, indent=2) + "\n")


def _load(path: Path, kind: type[_Ranker], features: tuple[str, ...]) -> _Ranker | None:
    if not path.exists():
        return None
    try:
        ranker = joblib.load(path)
    except (OSError, ValueError, EOFError, ImportError, AttributeError) as exc:
        raise QConnectError(f"cannot read the ranker at {path}: {exc}") from exc
    if not isinstance(ranker, kind) or ranker.metadata_.get("features") != list(features):
        raise QConnectError(f"the ranker at {path} was trained by another version of "
                            "qconnect; run 'qconnect train' again")
    return ranker


def save_rankers(folder: Path, people: PeopleRanker, groups: GroupRanker) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    _save(people, folder / "people.joblib")
    _save(groups, folder / "groups.joblib")


def load_rankers(folder: Path) -> tuple[PeopleRanker, GroupRanker] | None:
    """The saved rankers, or None when none were trained for this store yet."""
    people = _load(folder / "people.joblib", PeopleRanker, FEATURES)
    groups = _load(folder / "groups.joblib", GroupRanker, GROUP_FEATURES)
    return (people, groups) if people and groups else None


def open_recommender(store: Store, policy: RerankPolicy | None = None) -> tuple[Recommender, bool]:
    """A recommender over a fresh snapshot of ``store`` with the rankers trained for it.

    The second value says whether trained rankers were found; without them the documented
    fallback formulas rank. No model is loaded: recommending only reads stored embeddings.
    """
    snapshot = snapshot_from_store(store, model_id(configured_model_path()))
    saved = load_rankers(ranker_folder(store.location))
    people, groups = saved or (PeopleRanker(), GroupRanker())
    settings = get_settings()
    policy = policy or RerankPolicy(settings.max_exposure_share, settings.min_other_organisations)
    return Recommender(snapshot, people, groups, policy), saved is not None
