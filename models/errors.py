"""The one root of every error qconnect raises on purpose, and its families.

Each layer raises these (or subclasses of its own, such as a refused bundle or group rules no
pool can meet); each adapter maps them once: the HTTP API to a status (``api/errors.py``), the
command line to a message and exit code 1 (``api/cli/common.py``). The message is always fit
to show the person who asked.
"""

from __future__ import annotations

from typing import Literal

__all__ = [
    "BusyError",
    "ConflictError",
    "ForbiddenError",
    "NotFoundError",
    "QConnectError",
    "StoreUnavailableError",
    "UnauthorisedError",
]


class QConnectError(Exception):
    """Root of every error qconnect raises on purpose: a request that cannot be carried out as
    asked, with a message fit to show a user. Nothing was changed."""


class UnauthorisedError(QConnectError):
    """No credentials, or credentials that are malformed, unknown, expired or revoked
    (deliberately not saying which)."""


class ForbiddenError(QConnectError):
    """The caller is known but their role, or the member they act for, may not do this."""


class NotFoundError(QConnectError):
    """The thing asked for does not exist (or the caller may not know that it does)."""

    def __init__(self, kind: str, key: str, *, by: Literal["id", "name", "path"] = "id"
                 ) -> None:
        self.kind, self.key = kind, key
        super().__init__(f"no {kind} {_BY[by]} {key!r}")


_BY = {"id": "with id", "name": "called", "path": "at"}


class ConflictError(QConnectError):
    """A write would break a rule of the graph (a reference to a missing member, a clash)."""


class BusyError(QConnectError):
    """The same heavy work (a group proposal, an export) is under way for another request, or
    enough of it is waiting its turn: try again shortly. Waiting for it instead would hold one
    of the threads every request needs."""


class StoreUnavailableError(QConnectError):
    """The store cannot be reached (Neo4j down, file locked); retrying later may work."""
