"""Probes for whoever runs the service: is the process up, can it serve."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import CommunityDep
from api.errors import ErrorBody
from service import operation

router = APIRouter(tags=["health"])


@router.get("/health", response_model=dict[str, str])
def health() -> dict[str, str]:
    """The process is up (it may still be waiting for its store)."""
    return {"status": "ok"}


@router.get("/ready", response_model=dict[str, Any],
            responses={503: {"model": ErrorBody, "description": "The store is unreachable."}})
def ready(live: CommunityDep) -> dict[str, Any]:
    """The store answers and the model is loaded, so every route can serve."""
    return operation.readiness(live)
