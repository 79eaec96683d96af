"""For whoever runs the service: taking in what was changed in its store beside it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import Admin, CommunityDep

router = APIRouter(tags=["operation"])


@router.post("/reload", response_model=dict[str, Any])
def reload(live: CommunityDep, caller: Admin) -> dict[str, Any]:
    """Read the community and the trained rankers from the store again, after changes made
    beside the service (`qconnect import`, `embed`, `train`, `groups save`). Requests are
    served from the old snapshot until the new one is ready; writes wait for it."""
    live.reload()
    return {"status": "reloaded", "members": len(live.snapshot), "trained": live.trained}
