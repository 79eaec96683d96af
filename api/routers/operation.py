"""For whoever runs the service: taking in what was changed in its store beside it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter

from api.deps import CommunityDep, door
from models.privacy import Caller
from service import operation

router = APIRouter(tags=["operation"])


@router.post("/reload", response_model=dict[str, Any])
def reload(live: CommunityDep,
           caller: Annotated[Caller, door(operation.reload)]) -> dict[str, Any]:
    """Read the community and the trained rankers again now: after `qconnect train`, whose
    rankers are files the service does not watch, or without waiting for the service's next
    look for writes made beside it. Requests are served from the old snapshot until the new
    one is ready; writes wait for it."""
    return operation.reload(live, caller)
