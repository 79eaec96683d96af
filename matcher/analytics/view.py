"""What analysts may see: members who consent to analytics and are not hidden, pseudonymised.

A pseudonym is a keyed hash (HMAC-SHA-256) of the member id: stable for one key, so exports
made with the same key can be joined, and not reversible without it. Names, bios and ids never
appear; organisation, role, region and the rest of a profile that other members can read
appear only where at least k records show the same (:mod:`matcher.analytics.anonymity`).
"""

from __future__ import annotations

import hashlib
import hmac
from collections import Counter
from typing import Any

import numpy as np

from matcher.analytics.anonymity import (
    K_ANONYMITY,
    SCALARS,
    TERMS,
    k_anonymous,
    quasi_identifiers,
    withheld,
)
from matcher.analytics.measures import cross_organisation_share, tie_rows
from matcher.evaluation.metrics import gini
from matcher.recommend.snapshot import Snapshot
from models import Community
from models.privacy import analysable, shown_to_others

__all__ = ["analysed", "pseudonym", "pseudonymised_export", "summary"]


def analysed(snapshot: Snapshot) -> Snapshot:
    """The snapshot without members who may not be analysed (:func:`models.privacy.analysable`:
    hidden, or withheld consent to analytics), and without their ties, memberships and
    feedback."""
    left_out = [m.id for m in snapshot.members if not analysable(m)]
    return snapshot.after_write(Community(), deleted=left_out) if left_out else snapshot


def pseudonym(member_id: str, key: bytes) -> str:
    """A keyed pseudonym of ``member_id``: the same for one key, another for another key.

    >>> pseudonym("m1", b"k") == pseudonym("m1", b"k") != pseudonym("m1", b"other")
    True
    """
    return "p" + hmac.new(key, member_id.encode(), hashlib.sha256).hexdigest()[:16]


def pseudonymised_export(snapshot: Snapshot, key: bytes) -> dict[str, Any]:
    """Members under pseudonyms with their quasi-identifiers made k-anonymous
    (:mod:`matcher.analytics.anonymity`: role, organisation, region, year joined, interests,
    skill names and wanted skills, each withheld where fewer than k records would show it),
    their ties and group memberships, from the analysed part of ``snapshot``.

    Everything is ordered by pseudonym, never by id: an order that follows the ids would name
    the records to anyone who can list the members."""
    view = analysed(snapshot)
    name = {m.id: pseudonym(m.id, key) for m in view.members}
    records = [quasi_identifiers(m) for m in view.members]
    shown = k_anonymous(records)
    members = sorted(({"pseudonym": name[m.id], "role": q.role, "organisation": q.organisation,
                       "region": q.region, "joined": q.joined,
                       **{kind: sorted(getattr(q, kind)) for kind in TERMS}}
                      for m, q in zip(view.members, shown, strict=True)),
                     key=lambda record: record["pseudonym"])
    ties = sorted(({"source": min(name[t.source], name[t.target]),
                    "target": max(name[t.source], name[t.target]), "kind": t.kind,
                    "since": t.since.isoformat() if t.since else None}
                   for t in view.community.connections),
                  key=lambda tie: (tie["source"], tie["target"]))
    return {
        "anonymity": {"k": K_ANONYMITY, "quasi_identifiers": [*SCALARS, *TERMS],
                      "withheld": withheld(records, shown)},
        "members": members,
        "connections": ties,
        "groups": [{"id": g.id, "name": g.name, "topics": g.topics,
                    "members": sorted(name[m] for m in g.members if m in name)}
                   for g in view.groups],
    }


OTHERS = "others"
"""Where a summary counts the values too few members give to be shown one by one."""


def _counted(values: list[str]) -> dict[str, int]:
    """How many give each value, largest first, where at least :data:`K_ANONYMITY` do; the
    rest counted together as :data:`OTHERS`, and not at all if fewer than k. A count of one
    would single someone out: it falls to nothing when they withhold consent, which is theirs
    to know.

    >>> _counted(["a"] * 6 + ["b"] * 3 + ["c"] * 2 + ["d"])
    {'a': 6, 'others': 6}
    >>> _counted(["a"] * 6 + ["b"])
    {'a': 6}
    """
    counts = Counter(values).most_common()
    shown = {value: n for value, n in counts if n >= K_ANONYMITY}
    rest = sum(n for _, n in counts if n < K_ANONYMITY)
    return {**shown, OTHERS: rest} if rest >= K_ANONYMITY else shown


def summary(snapshot: Snapshot) -> dict[str, Any]:
    """Counts and shapes of the analysed community: no individual appears, and no role,
    region or organisation is counted on its own that fewer than k members give
    (:func:`_counted`): organisations are not named, but a count of all of them would fall by
    one when the only member of one withholds consent. Those left out are the members shown to
    others who withheld consent: a hidden profile is in no count."""
    view = analysed(snapshot)
    ties = view.community.connections
    degree = view.degree
    across = cross_organisation_share(view, tie_rows(view))
    return {
        "members": len(view), "left_out": sum(map(shown_to_others, snapshot.members)) - len(view),
        "connections": len(ties), "groups": len(view.groups),
        "roles": _counted([m.role or "unknown" for m in view.members]),
        "regions": _counted([m.region or "unknown" for m in view.members]),
        "k": K_ANONYMITY,
        "organisations": sum(name != OTHERS for name in _counted(
            [m.organisation for m in view.members if m.organisation])),
        "degree": {"mean": round(float(degree.mean()), 3) if len(view) else 0.0,
                   "median": float(np.median(degree)) if len(view) else 0.0,
                   "max": int(degree.max(initial=0)), "isolated": int((degree == 0).sum()),
                   "gini": round(gini(degree), 4)},
        "cross_organisation_share": None if across is None else round(across, 4),
    }
