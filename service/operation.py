"""For whoever runs the service: is it ready, and taking in what was changed beside it."""

from __future__ import annotations

from typing import Any

from models.privacy import Caller
from service.access import allow
from service.community import LiveCommunity

__all__ = ["readiness", "reload"]


def readiness(live: LiveCommunity) -> dict[str, Any]:
    """The store answers and the model is loaded, so every use case can serve (open to all:
    it tells nothing about anyone)."""
    return {"status": "ready", "schema_version": live.store.schema_version(),
            "model": live.encoder.model_id, "members": len(live.snapshot)}


@allow("admin")
def reload(live: LiveCommunity, caller: Caller) -> dict[str, Any]:
    """Read the community and the trained rankers again now: after ``qconnect train``, whose
    rankers are files the service does not watch, or without waiting for the next look for
    writes made beside it."""
    live.reload()
    return {"status": "reloaded", "members": len(live.snapshot), "trained": live.trained}
