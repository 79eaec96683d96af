"""Who may call the service: API keys, sign-in links and web sessions, and the roles they carry.

All three are one record, told apart by ``kind``: an API key is sent with each HTTP request, a
sign-in link is opened once to start a web session, and a session is what the browser's cookie
holds. A secret is shown once when it is made; stores keep only its SHA-256 digest, which is
enough for a random 256-bit secret (no password stretching is needed when nothing is guessable).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal, get_args

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from models.domain import Identifier

__all__ = ["KEY_KINDS", "LINK_ROLES", "ROLES", "ApiKey", "KeyKind", "LinkRole", "Role"]

Role = Literal["member", "coordinator", "analyst", "admin"]
ROLES: tuple[Role, ...] = ("member", "coordinator", "analyst", "admin")
LinkRole = Literal["member", "coordinator", "analyst"]
LINK_ROLES: tuple[LinkRole, ...] = get_args(LinkRole)
"""The roles the pages serve, and so sign-in links carry; admins work from the command line
and the API."""
KeyKind = Literal["api", "link", "session"]
KEY_KINDS: tuple[KeyKind, ...] = ("api", "link", "session")


class ApiKey(BaseModel):
    """A stored key: its public id, role, the member it acts for, its secret's digest, what kind
    of key it is and when it stops working (never, for API keys)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Identifier
    role: Role
    member: Identifier | None = None
    digest: str = Field(pattern=r"^[0-9a-f]{64}$")
    created: AwareDatetime = Field(default_factory=lambda: dt.datetime.now(dt.UTC))
    kind: KeyKind = "api"
    expires: AwareDatetime | None = None

    def expired(self, now: dt.datetime) -> bool:
        return self.expires is not None and now >= self.expires

    @model_validator(mode="after")
    def _member_key_has_member(self) -> ApiKey:
        if self.role == "member" and self.member is None:
            raise ValueError("a member key must name the member it acts for")
        return self
