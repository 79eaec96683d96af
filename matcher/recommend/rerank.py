"""The rules applied after scoring: who may never be suggested, and fairness in each list.

- Never: the member themself, their connections, anyone either of them dismissed (or they
  already accepted), members not open to connect, hidden profiles.
- Exposure: no member appears in more than ``max_exposure_share`` of the lists served (counted
  from the first ``1 / share × 10`` lists on, so early lists are not starved), so a few popular
  members are not in everyone's list.
- Organisations: at least ``min_other_organisations`` of each list come from organisations
  other than the member's own; the community exists to connect across them.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from matcher.recommend.snapshot import Snapshot

__all__ = ["Exposure", "RerankPolicy", "allowed_people", "rerank"]


@dataclass(frozen=True)
class RerankPolicy:
    max_exposure_share: float = 0.1
    min_other_organisations: float = 0.5


@dataclass
class Exposure:
    """How often each member has been suggested in the lists served so far."""

    share: float
    lists: int = 0
    counts: Counter[int] = field(default_factory=Counter)

    def cap(self) -> float:
        return self.share * max(self.lists, math.ceil(10 / self.share))

    def record(self, rows: list[int]) -> None:
        self.lists += 1
        self.counts.update(rows)

    def remapped(self, old_ids: Sequence[str], new_rows: Mapping[str, int]) -> Exposure:
        """The same counts for a snapshot whose rows are ``new_rows`` (id → row); members who
        are gone are dropped."""
        counts = Counter({new_rows[old_ids[r]]: n for r, n in self.counts.items()
                          if old_ids[r] in new_rows})
        return Exposure(self.share, self.lists, counts)


def allowed_people(snapshot: Snapshot, row: int) -> np.ndarray:
    """Who may be suggested to member ``row`` at all."""
    allowed = snapshot.suggestable.copy()
    allowed[row] = False
    allowed[snapshot.neighbours(row)] = False
    index = snapshot.ids.index
    for other in snapshot.excluded_by_feedback(snapshot.ids.names[row], "member"):
        if other in index:
            allowed[index[other]] = False
    return allowed


def rerank(snapshot: Snapshot, row: int, ranked: np.ndarray, k: int, policy: RerankPolicy,
           exposure: Exposure | None = None) -> list[int]:
    """Pick ``k`` of ``ranked`` (best first) honouring the exposure cap and organisation mix."""
    mine = snapshot.organisation[row]
    organisation = snapshot.organisation
    need = math.ceil(policy.min_other_organisations * k) if mine >= 0 else 0
    chosen: list[int] = []
    for candidate in ranked.tolist():
        if len(chosen) == k:
            break
        if exposure is not None and exposure.counts[candidate] >= exposure.cap():
            continue
        same = organisation[candidate] == mine and mine >= 0
        others = sum(1 for c in chosen if organisation[c] != mine)
        if same and k - len(chosen) <= need - others:
            continue  # every slot left is needed for other organisations
        chosen.append(candidate)
    if exposure is not None:
        exposure.record(chosen)
    return chosen
