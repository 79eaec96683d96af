"""Aggregates, pseudonymised exports and the evaluation summary, for analysts."""

from __future__ import annotations

import threading
import weakref
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from api.deps import Analyst, CommunityDep
from matcher.analytics.view import analysed, pseudonymised_export, summary
from matcher.evaluation.protocol import evaluate, hold_out
from matcher.recommend.snapshot import Snapshot

router = APIRouter(prefix="/analytics", tags=["analytics"])

_evaluation_lock = threading.Lock()


@router.get("/summary", response_model=dict[str, Any])
def community_summary(live: CommunityDep, caller: Analyst) -> dict[str, Any]:
    """Size, roles, regions, degrees and the share of ties across organisations, over members
    who consent to analytics."""
    return summary(live.snapshot)


@router.get("/export", response_model=dict[str, Any])
def pseudonymised(request: Request, live: CommunityDep, caller: Analyst) -> dict[str, Any]:
    """Members, ties and memberships under pseudonyms; members who are hidden or withheld
    consent to analytics are left out with their ties."""
    return pseudonymised_export(live.snapshot, request.app.state.pseudonym_key)


@router.get("/evaluation", response_model=list[dict[str, Any]])
def evaluation(
    request: Request,
    live: CommunityDep,
    caller: Analyst,
    k: Annotated[int, Query(ge=1, le=50)] = 10,
) -> list[dict[str, Any]]:
    """Offline quality of suggestions against baselines on held-out ties (see
    ``qconnect evaluate``), over members who consent to analytics. Computed once per state
    of the community and k, then served from memory."""
    snapshot: Snapshot = live.snapshot
    with _evaluation_lock:  # one computation at a time; later callers get its result
        cached = getattr(request.app.state, "evaluation", None)
        # A weak reference: the cache never keeps an old snapshot (say, one from before an
        # erasure) alive.
        if cached is None or cached[0]() is not snapshot or cached[1] != k:
            results = [r.as_dict() for r in evaluate(hold_out(analysed(snapshot)), k=k)]
            request.app.state.evaluation = cached = (weakref.ref(snapshot), k, results)
    return cached[2]
