"""Trained rankers as files: saved beside each other in one folder per store, loaded back.

A ranker is saved with joblib together with a JSON file of its metadata (when and on what it
was trained, its features, the scikit-learn version), readable without loading it. The caller
chooses the folder (one per store), so a ranker learned on one community is never applied to
another.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TypeVar

import joblib

from matcher.recommend.features import FEATURES
from matcher.recommend.group_ranker import GROUP_FEATURES, GroupRanker
from matcher.recommend.people_ranker import PeopleRanker
from models.errors import QConnectError

__all__ = ["load_rankers", "save_rankers"]

_Ranker = TypeVar("_Ranker", PeopleRanker, GroupRanker)


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
