"""What routes depend on: the live community, and who is calling.

Each route admits the callers its use case's rule admits (:mod:`service.access`), checked by
:class:`Door` before the request's body is read; the use case checks the same rule again when
it is called, whichever way in the call came by. The test suite reads the rules back to check
that every route refuses everyone else.

Looking the key up reads the store, so it runs in the thread pool: a slow or unreachable store
holds up that request only, never the event loop. The role check itself is a coroutine.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from models.errors import UnauthorisedError
from models.privacy import Caller
from service import keys
from service.access import Rule, rule_of
from service.community import LiveCommunity

__all__ = ["CommunityDep", "Door", "community", "door", "each_query_parameter_once"]

_bearer = HTTPBearer(auto_error=False, description="An API key from 'qconnect keys create'.")


async def community(request: Request) -> LiveCommunity:
    return request.app.state.community


CommunityDep = Annotated[LiveCommunity, Depends(community)]


def each_query_parameter_once(request: Request) -> None:
    """Refuse a query parameter given more than once: none of this API's parameters is a list,
    and taking the last of several values would hide the caller's mistake."""
    given = Counter(name for name, _ in request.query_params.multi_items())
    repeated = [name for name, times in given.items() if times > 1]
    if repeated:
        raise RequestValidationError([
            {"type": "repeated", "loc": ("query", name), "msg": "give this parameter once"}
            for name in repeated])


def _caller(
    live: CommunityDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Caller:
    if credentials is None:
        raise UnauthorisedError("send a valid API key as 'Authorization: Bearer KEY'")
    return keys.authenticate(live, credentials.credentials)


class Door:
    """A dependency admitting the callers ``use_case``'s rule admits; the ``own`` member is the
    path parameter of the same name."""

    def __init__(self, use_case: Callable[..., Any]) -> None:
        self.rule: Rule = rule_of(use_case)

    async def __call__(self, request: Request,
                       caller: Annotated[Caller, Depends(_caller)]) -> Caller:
        own = self.rule.own
        self.rule.check(caller, request.path_params.get(own) if own else None)
        return caller


def door(use_case: Callable[..., Any]) -> Any:
    """``Depends`` on the :class:`Door` of ``use_case``: ``caller: Annotated[Caller,
    door(members.read_member)]``."""
    return Depends(Door(use_case))
