"""Which roles may carry out each use case.

A use case states its rule where it is defined, with :func:`allow`; the rule is checked on
every call, whichever way in the call came by (HTTP, command line, web page), and the HTTP API
reads the same rule to refuse a caller at the door before it reads the request's body.

With ``own``, a member may act only on themself: the use case's parameter of that name must be
the member the caller acts for. Roles other than member are not limited by ``own``.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from models.access import Role
from models.errors import ForbiddenError
from models.privacy import Caller

__all__ = ["ANYONE", "PROFILES", "Rule", "allow", "rule_of"]

ANYONE: tuple[Role, ...] = ("member", "coordinator", "analyst", "admin")
PROFILES: tuple[Role, ...] = ("member", "coordinator", "admin")
"""Those who may see individual profiles (analysts see pseudonymised aggregates only)."""

P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True)
class Rule:
    """The roles a use case admits; with ``own``, the parameter naming the member a member
    caller must be."""

    roles: tuple[Role, ...]
    own: str | None = None

    def check(self, caller: Caller, member_id: str | None = None) -> None:
        """Refuse ``caller`` (:class:`ForbiddenError`) unless the rule admits them for
        ``member_id`` (the value of the ``own`` parameter).

        >>> Rule(("coordinator", "admin")).check(Caller("analyst"))
        Traceback (most recent call last):
        ...
        models.errors.ForbiddenError: this is for coordinators or admins, not analysts
        >>> Rule(("member", "admin"), own="member_id").check(Caller("member", "m2"), "m1")
        Traceback (most recent call last):
        ...
        models.errors.ForbiddenError: a member acts for themself only
        """
        if caller.role not in self.roles:
            raise ForbiddenError(f"this is for {_plural(self.roles)}, not {caller.role}s")
        if self.own and caller.role == "member" and member_id != caller.member:
            raise ForbiddenError("a member acts for themself only")


def _plural(roles: tuple[Role, ...]) -> str:
    """The roles as a reader would list them.

    >>> _plural(("member", "coordinator", "admin"))
    'members, coordinators or admins'
    """
    named = [f"{role}s" for role in roles]
    return " or ".join(filter(None, (", ".join(named[:-1]), named[-1])))


def allow(*roles: Role, own: str | None = None) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Declare the roles a use case ``(live, caller, ...)`` admits, and check them on each
    call."""
    rule = Rule(roles, own)

    def decorate(use_case: Callable[P, R]) -> Callable[P, R]:
        signature = inspect.signature(use_case)

        @functools.wraps(use_case)
        def checked(*args: P.args, **kwargs: P.kwargs) -> R:
            bound = signature.bind(*args, **kwargs).arguments
            rule.check(bound["caller"], bound.get(own) if own else None)
            return use_case(*args, **kwargs)

        checked.rule = rule  # type: ignore[attr-defined]
        return checked

    return decorate


def rule_of(use_case: Callable[..., Any]) -> Rule:
    """The rule ``use_case`` was declared with."""
    return use_case.rule  # type: ignore[attr-defined]
