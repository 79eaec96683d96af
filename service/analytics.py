"""Aggregates, pseudonymised exports and the evaluation summary, for analysts.

Everything here reads the analysed part of the community (:func:`matcher.analytics.analysed`):
members who are hidden or withheld consent to analytics are left out, with their ties.

None of it may hold up members' requests. The summary and the export are computed once per
snapshot, for one request at a time (:mod:`service.limits`); evaluations run in the background,
one at a time, and requests get the last figures (:mod:`service.evaluations`).
"""

from __future__ import annotations

import secrets
from functools import cache
from typing import Any

from matcher.analytics.view import pseudonymised_export, summary
from models.api import EvaluationStatus
from models.privacy import Caller
from models.settings import get_settings
from service.access import allow
from service.community import LiveCommunity
from service.evaluations import Evaluations
from service.limits import PerSnapshot

__all__ = ["community_summary", "evaluation", "pseudonymised"]


@cache
def _pseudonym_key() -> bytes:
    """The configured key of the pseudonyms, or a random one for this process."""
    configured = get_settings().pseudonym_key
    return configured.get_secret_value().encode() if configured else secrets.token_bytes(32)


_summary = PerSnapshot("the summary", summary)
_export = PerSnapshot("the export", lambda snapshot: pseudonymised_export(snapshot,
                                                                          _pseudonym_key()))


@allow("analyst", "admin")
def community_summary(live: LiveCommunity, caller: Caller) -> dict[str, Any]:
    """Size, roles, regions, degrees and the share of ties across organisations."""
    return _summary.get(live.snapshot)


@allow("analyst", "admin")
def pseudonymised(live: LiveCommunity, caller: Caller) -> dict[str, Any]:
    """Members, ties and memberships under pseudonyms (the same for one key), k-anonymous in
    what profiles show (:mod:`matcher.analytics.anonymity`)."""
    return _export.get(live.snapshot)


@allow("analyst", "admin")
def evaluation(live: LiveCommunity, caller: Caller, k: int = 10) -> EvaluationStatus:
    """Offline quality of suggestions against baselines on held-out ties (see
    ``qconnect evaluate``), and what training chose and why: the last figures computed for
    ``k``, with the revision of the community they are of and their age. Never waits: an
    evaluation of the current revision runs in the background when the figures are older,
    and until the first are done the answer says it is running."""
    return live.attached(Evaluations).status(k)
