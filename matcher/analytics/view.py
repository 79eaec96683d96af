"""What analysts may see: members who consent to analytics and are not hidden, pseudonymised.

A pseudonym is a keyed hash (HMAC-SHA-256) of the member id: stable for one key, so exports
made with the same key can be joined, and not reversible without it. Names, bios and ids never
appear; organisation, region and role do, as the groups analysts compare.
"""

from __future__ import annotations

import hashlib
import hmac
from collections import Counter
from typing import Any

import numpy as np

from matcher.analytics.measures import cross_organisation_share, tie_rows
from matcher.evaluation.metrics import gini
from matcher.recommend.snapshot import Snapshot
from models import Community
from models.privacy import analysable

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
    """Members (pseudonym, role, organisation, region, joined month, interests, skills),
    their ties and group memberships, from the analysed part of ``snapshot``."""
    view = analysed(snapshot)
    name = {m.id: pseudonym(m.id, key) for m in view.members}
    return {
        "members": [{"pseudonym": name[m.id], "role": m.role, "organisation": m.organisation,
                     "region": m.region, "joined": m.joined.strftime("%Y-%m") if m.joined
                     else None, "interests": m.interests,
                     "skills": [s.model_dump() for s in m.skills],
                     "wants_to_learn": m.wants_to_learn} for m in view.members],
        "connections": [{"source": name[t.source], "target": name[t.target], "kind": t.kind,
                         "since": t.since.isoformat() if t.since else None}
                        for t in view.community.connections],
        "groups": [{"id": g.id, "name": g.name, "topics": g.topics,
                    "members": [name[m] for m in g.members if m in name]}
                   for g in view.groups],
    }


def summary(snapshot: Snapshot) -> dict[str, Any]:
    """Counts and shapes of the analysed community: no individual appears."""
    view = analysed(snapshot)
    ties = view.community.connections
    degree = view.degree
    return {
        "members": len(view), "left_out": len(snapshot) - len(view),
        "connections": len(ties), "groups": len(view.groups),
        "roles": dict(Counter(m.role or "unknown" for m in view.members).most_common()),
        "regions": dict(Counter(m.region or "unknown" for m in view.members).most_common()),
        "organisations": len({m.organisation for m in view.members if m.organisation}),
        "degree": {"mean": round(float(degree.mean()), 3) if len(view) else 0.0,
                   "median": float(np.median(degree)) if len(view) else 0.0,
                   "max": int(degree.max(initial=0)), "isolated": int((degree == 0).sum()),
                   "gini": round(gini(degree), 4)},
        "cross_organisation_share": round(cross_organisation_share(view, tie_rows(view)), 4),
    }
