"""Aggregates, pseudonymised exports and the evaluation summary, for analysts.

Everything here reads the analysed part of the community (:func:`matcher.analytics.analysed`):
members who are hidden or withheld consent to analytics are left out, with their ties.
"""

from __future__ import annotations

import secrets
import threading
import weakref
from functools import cache
from typing import Any

from matcher.analytics.view import analysed, pseudonymised_export, summary
from matcher.evaluation.protocol import hold_out
from matcher.recommend.snapshot import Snapshot
from models.privacy import Caller
from models.settings import get_settings
from service.access import allow
from service.community import LiveCommunity
from service.training import evaluate_holdout

__all__ = ["community_summary", "evaluation", "pseudonymised"]

# One evaluation at a time; later callers get its result. The results are kept for the latest
# snapshot evaluated, held by a weak reference, so an old snapshot (say, one from before an
# erasure) is never kept alive.
_evaluating = threading.Lock()
_evaluated: tuple[weakref.ref[Snapshot], dict[int, dict[str, Any]]] | None = None


@cache
def _pseudonym_key() -> bytes:
    """The configured key of the pseudonyms, or a random one for this process."""
    configured = get_settings().pseudonym_key
    return configured.get_secret_value().encode() if configured else secrets.token_bytes(32)


@allow("analyst", "admin")
def community_summary(live: LiveCommunity, caller: Caller) -> dict[str, Any]:
    """Size, roles, regions, degrees and the share of ties across organisations."""
    return summary(live.snapshot)


@allow("analyst", "admin")
def pseudonymised(live: LiveCommunity, caller: Caller) -> dict[str, Any]:
    """Members, ties and memberships under pseudonyms (the same for one key)."""
    return pseudonymised_export(live.snapshot, _pseudonym_key())


@allow("analyst", "admin")
def evaluation(live: LiveCommunity, caller: Caller, k: int = 10) -> dict[str, Any]:
    """Offline quality of suggestions against baselines on held-out ties (see
    ``qconnect evaluate``), and what training chose and why. Computed once per state of the
    community and ``k``."""
    global _evaluated
    snapshot = live.snapshot
    with _evaluating:
        if _evaluated is None or _evaluated[0]() is not snapshot:
            _evaluated = (weakref.ref(snapshot), {})
        done = _evaluated[1]
        if k not in done:
            done[k] = evaluate_holdout(hold_out(analysed(snapshot)), k=k).as_dict(k)
        return done[k]
