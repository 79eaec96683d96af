"""For whoever runs the service: taking in what was changed in its store beside it, and
sign-in links for members' web pages."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Request

from api.deps import CommunityDep, door
from models.api import SignInLink, SignInLinkCreate
from models.privacy import Caller
from models.settings import get_settings
from service import operation, sessions

router = APIRouter(tags=["operation"])


@router.post("/reload", response_model=dict[str, Any])
def reload(live: CommunityDep,
           caller: Annotated[Caller, door(operation.reload)]) -> dict[str, Any]:
    """Read the community and the trained rankers again now: after `qconnect train`, whose
    rankers are files the service does not watch, or without waiting for the service's next
    look for writes made beside it. Requests are served from the old snapshot until the new
    one is ready; writes wait for it."""
    return operation.reload(live, caller)


@router.post("/sign-in-links", response_model=SignInLink, status_code=201)
def create_sign_in_link(request: Request, live: CommunityDep,
                        caller: Annotated[Caller, door(sessions.create_link)],
                        body: SignInLinkCreate) -> SignInLink:
    """A one-time link that signs `member` in to the web pages in `role`; it is shown only
    now, works once and expires after `hours`."""
    text, key = sessions.create_link(live, caller, body.member, body.role,
                                     dt.timedelta(hours=body.hours))
    public = get_settings().public_url
    link = (f"{public.rstrip('/')}/sign-in/{text}" if public
            else str(request.url_for("sign_in_page", token=text)))
    return SignInLink(link=link, id=key.id, member=body.member, role=body.role,
                      expires=key.expires)
