"""Who interest groups are formed from: everyone who may be placed, narrowed by the
coordinator's filters."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from matcher.recommend.matrices import Vocabulary
from matcher.recommend.snapshot import Snapshot
from models.errors import NotFoundError
from models.privacy import placeable, why_not_placeable

__all__ = ["COORDINATES", "select_pool"]

COORDINATES = "coordinates these groups"


def _naming(vocabulary: Vocabulary, matrix: sp.csr_matrix, name: str) -> np.ndarray:
    """Which members' rows of ``matrix`` name ``name``: none for a name no member uses yet (a
    topic or skill declared, say; the service checks that it exists)."""
    column = vocabulary.index.get(name)
    if column is None:
        return np.zeros(matrix.shape[0], dtype=bool)
    return matrix[:, column].toarray().ravel() > 0


def select_pool(snapshot: Snapshot, ids: Sequence[str] | None = None, *,
                topic: str | None = None, skill: str | None = None, region: str | None = None,
                role: str | None = None, group: str | None = None,
                coordinator: str | None = None) -> tuple[np.ndarray, list[tuple[str, str]]]:
    """Rows of the members to form groups from, and those of ``ids`` left out, with why.

    Everyone :func:`~models.privacy.placeable`, narrowed by each filter given (interest in
    ``topic``, holding ``skill``, membership of ``group``…), but never the ``coordinator`` of
    the groups, who cannot also be one of their members. Members listed in ``ids`` who cannot
    be placed are reported rather than silently dropped.
    """
    keep = np.array([placeable(m) for m in snapshot.members], dtype=bool)
    excluded: list[tuple[str, str]] = []
    if ids is not None:
        unknown = [i for i in ids if i not in snapshot.ids.index]
        if unknown:
            raise NotFoundError("member", unknown[0])
        listed = np.zeros(len(snapshot), dtype=bool)
        listed[[snapshot.ids.index[i] for i in ids]] = True
        for row in np.flatnonzero(listed & ~keep):
            excluded.append((snapshot.ids.names[row], why_not_placeable(snapshot.members[row])))
        keep &= listed
    row = snapshot.ids.index.get(coordinator) if coordinator is not None else None
    if row is not None and keep[row]:
        keep[row] = False
        if ids is not None:  # named, and could have been placed: say why not
            excluded.append((snapshot.ids.names[row], COORDINATES))
    if group is not None and group not in snapshot.group_ids.index:
        raise NotFoundError("group", group)
    for name, vocabulary, matrix in ((topic, snapshot.topics, snapshot.member_topics),
                                     (skill, snapshot.skills, snapshot.member_skills),
                                     (group, snapshot.group_ids, snapshot.membership)):
        if name is not None:
            keep &= _naming(vocabulary, matrix, name)
    for wanted, attribute in ((region, "region"), (role, "role")):
        if wanted is not None:
            keep &= np.array([getattr(m, attribute) == wanted for m in snapshot.members])
    return np.flatnonzero(keep), excluded


