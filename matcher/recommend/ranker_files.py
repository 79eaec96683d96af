"""Trained rankings as files: saved beside each other in one folder per store, loaded back.

A ranking is saved with joblib together with a JSON file of its metadata (when and on what it
was trained, its features, the scikit-learn version), readable without loading it. The caller
chooses the folder (one per store), so a ranking learned on one community is never applied to
another.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TypeVar

import joblib

from matcher.recommend.features import FEATURES
from matcher.recommend.group_ranking import GROUP_FEATURES, GroupRanking
from matcher.recommend.people_ranking import PeopleRanking
from models.errors import QConnectError

__all__ = ["load_rankings", "save_rankings"]

_Ranking = TypeVar("_Ranking", PeopleRanking, GroupRanking)


def _save(ranking: PeopleRanking | GroupRanking, path: Path) -> None:
    joblib.dump(ranking, path)
    path.with_suffix(".json").write_text(json.dumps(dict(ranking.metadata), indent=2) + "\n")


def _load(path: Path, kind: type[_Ranking], features: tuple[str, ...]) -> _Ranking | None:
    if not path.exists():
        return None
    try:
        ranking = joblib.load(path)
    except (OSError, ValueError, EOFError, ImportError, AttributeError) as exc:
        raise QConnectError(f"cannot read the ranker at {path}: {exc}") from exc
    if not isinstance(ranking, kind) or ranking.metadata.get("features") != list(features):
        raise QConnectError(f"the ranker at {path} was trained by another version of "
                            "qconnect; run 'qconnect train' again")
    return ranking


def save_rankings(folder: Path, people: PeopleRanking, groups: GroupRanking) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    _save(people, folder / "people.joblib")
    _save(groups, folder / "groups.joblib")


def load_rankings(folder: Path) -> tuple[PeopleRanking, GroupRanking] | None:
    """The saved rankings, or None when none were trained for this store yet."""
    people = _load(folder / "people.joblib", PeopleRanking, FEATURES)
    groups = _load(folder / "groups.joblib", GroupRanking, GROUP_FEATURES)
    return (people, groups) if people and groups else None
