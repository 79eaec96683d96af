"""What routes depend on: the live community, and who is calling with which rights.

``Allow(*roles, own=True)`` is the one access rule: the key's role must be one of ``roles``;
with ``own``, a member key may only act on the member in the path (``{member_id}``). Routes
state their rule where they are declared, and the test suite reads those rules back to check
every route refuses everyone else.

Looking the key up reads the store, so it runs in the thread pool: a slow or unreachable store
holds up that request only, never the event loop. The role check itself is a coroutine.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.keys import InvalidKeyError, authenticate
from service.community import LiveCommunity
from models import Member, Role

__all__ = ["Admin", "Allow", "Analyst", "Anyone", "Caller", "CommunityDep", "Coordinator",
           "Profiles", "Themself", "community"]

_bearer = HTTPBearer(auto_error=False, description="An API key from 'qconnect keys create'.")


async def community(request: Request) -> LiveCommunity:
    return request.app.state.community


CommunityDep = Annotated[LiveCommunity, Depends(community)]


@dataclass(frozen=True)
class Caller:
    """Who a request comes from: the key's role and the member it acts for, if any."""

    role: Role
    member: str | None

    def is_self_or_admin(self, member_id: str) -> bool:
        return self.role == "admin" or self.member == member_id

    def may_see(self, member: Member) -> bool:
        """Hidden profiles are seen by their member and admins only."""
        return member.visibility != "hidden" or self.is_self_or_admin(member.id)


def _caller(
    live: CommunityDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Caller:
    unauthorised = HTTPException(401, "send a valid API key as 'Authorization: Bearer KEY'",
                                 headers={"WWW-Authenticate": "Bearer"})
    if credentials is None:
        raise unauthorised
    try:
        key = authenticate(live.store, credentials.credentials)
    except InvalidKeyError:
        raise unauthorised from None
    return Caller(key.role, key.member)


class Allow:
    """A dependency admitting keys of ``roles`` (member keys only for themselves with ``own``)."""

    def __init__(self, *roles: Role, own: bool = False) -> None:
        self.roles, self.own = roles, own

    async def __call__(self, request: Request,
                       caller: Annotated[Caller, Depends(_caller)]) -> Caller:
        if caller.role not in self.roles:
            raise HTTPException(403, f"a {caller.role} key may not do this; it needs one of: "
                                f"{', '.join(self.roles)}")
        if self.own and caller.role == "member" and \
                request.path_params.get("member_id") != caller.member:
            raise HTTPException(403, "a member key acts for its own member only")
        return caller


# The rules routes use, by who they admit.
Anyone = Annotated[Caller, Depends(Allow("member", "coordinator", "analyst", "admin"))]
Profiles = Annotated[Caller, Depends(Allow("member", "coordinator", "admin"))]
"""Those who may see individual profiles (analysts see pseudonymised data only)."""
Themself = Annotated[Caller, Depends(Allow("member", "admin", own=True))]
Coordinator = Annotated[Caller, Depends(Allow("coordinator", "admin"))]
Analyst = Annotated[Caller, Depends(Allow("analyst", "admin"))]
Admin = Annotated[Caller, Depends(Allow("admin"))]
