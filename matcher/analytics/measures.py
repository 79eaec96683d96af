"""Measures analysts read off the community: how many ties and suggestions cross
organisations, who brokers between organisations, and which topics many members care about but
few are skilled enough to lead.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable

import networkx as nx
import numpy as np
import pandas as pd

from matcher.recommend.snapshot import Snapshot

__all__ = ["ADVANCED_LEVEL", "brokerage", "cross_organisation_share", "tie_rows",
           "topic_supply"]

ADVANCED_LEVEL = 4
"""The skill level (of 1 novice … 5 expert) from which :func:`topic_supply` counts a member as
skilled: someone who could lead or teach, not only get by."""


def tie_rows(snapshot: Snapshot) -> list[tuple[int, int]]:
    """The community's ties as pairs of member rows."""
    a, b, _ = snapshot.tie_rows
    return list(zip(a.tolist(), b.tolist(), strict=True))


def cross_organisation_share(snapshot: Snapshot, pairs: Iterable[tuple[int, int]]
                             ) -> float | None:
    """The share of ``pairs`` of member rows (ties, or member and suggestion) whose two
    organisations differ, among the pairs where both are known; None where there are none
    (no share of nothing is "all within one organisation").

    >>> from models import Community, Member
    >>> people = [Member(id="a", organisation="X"), Member(id="b", organisation="X"),
    ...           Member(id="c", organisation="Y"), Member(id="d")]
    >>> cross_organisation_share(Snapshot(Community(members=people), {}),
    ...                          [(0, 1), (0, 2), (1, 2), (0, 3)])
    0.6666666666666666
    >>> print(cross_organisation_share(Snapshot(Community(members=people), {}), [(0, 3)]))
    None
    """
    organisation = snapshot.organisation
    known = [(a, b) for a, b in pairs if organisation[a] >= 0 and organisation[b] >= 0]
    return float(np.mean([organisation[a] != organisation[b] for a, b in known])) if known \
        else None


def brokerage(graph: nx.Graph, attribute: str = "organisation") -> dict[Hashable, int]:
    """For each node, the pairs of its neighbours that are in different organisations (or
    other groups named by ``attribute``) and not tied to each other: the introductions across
    organisations that go through it. Neighbours without the attribute are not counted.

    This is Gould and Fernandez's brokerage without the roles where both ends share an
    organisation: liaison, gatekeeper and representative, not coordinator or consultant.

    A path a—b—c through b's organisation to two others, and d in a's organisation, tied to b:

    >>> graph = nx.Graph([("a", "b"), ("b", "c"), ("b", "d"), ("a", "d")])
    >>> nx.set_node_attributes(graph, {"a": "N", "b": "S", "c": "W", "d": "N"}, "organisation")
    >>> brokerage(graph)
    {'a': 0, 'b': 2, 'c': 0, 'd': 0}

    b's neighbour pairs are a–c (N, W: counted), d–c (N, W: counted) and a–d (both N, and tied).
    """
    group = nx.get_node_attributes(graph, attribute)
    found = {}
    for node in graph:
        known = [n for n in graph[node] if group.get(n) is not None]
        counts = Counter(group[n] for n in known)
        # Pairs in different groups = all pairs less those within a group …
        pairs = (len(known) ** 2 - sum(c * c for c in counts.values())) // 2
        # … less those already tied to each other.
        mine = set(known)
        tied = sum(1 for u in known for w in graph[u]
                   if w in mine and group[u] != group[w]) // 2
        found[node] = pairs - tied
    return found


def topic_supply(snapshot: Snapshot, min_level: int = ADVANCED_LEVEL) -> pd.DataFrame:
    """Per topic: how many members are interested in it (named, or inferred from the profile
    of a member who named none: see :attr:`Snapshot.interests`), and how many of those are
    skilled, holding at least one skill at ``min_level`` or above (a skill without a level
    counts as 3), so could lead or help others on it.

    ``interested_per_skilled`` is large where many care and few can help. Ordered from the
    least served topic; one that no interested member is skilled in comes first.

    >>> from models import Community, Member
    >>> people = [Member(id="a", interests=["safety"], skills=[{"name": "coaching", "level": 4}]),
    ...           Member(id="b", interests=["safety", "data"], skills=["coaching"]),
    ...           Member(id="c", interests=["data"])]
    >>> topic_supply(Snapshot(Community(members=people), {})).values.tolist()
    [['data', 2, 0, inf], ['safety', 2, 1, 2.0]]
    """
    skilled = np.asarray((snapshot.member_skills >= min_level).sum(axis=1)).ravel() > 0
    interested = (snapshot.member_topics > 0).astype(np.float32).tocsc()
    counts = np.asarray(interested.sum(axis=0)).ravel().astype(int)
    able = (interested.T @ skilled.astype(np.float32)).astype(int)
    ratio = np.divide(counts, able, out=np.full(len(counts), np.inf), where=able > 0)
    table = pd.DataFrame({"topic": list(snapshot.topics.names), "interested": counts,
                          "skilled": able, "interested_per_skilled": ratio})
    return table.sort_values(["interested_per_skilled", "interested", "topic"],
                             ascending=[False, False, True], ignore_index=True)
