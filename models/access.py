"""Who may call the service: API keys and the roles they carry.

A key's secret is shown once when it is created; stores keep only its SHA-256 digest, which is
enough for a random 256-bit secret (no password stretching is needed when nothing is guessable).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from models.domain import Identifier

__all__ = ["ROLES", "ApiKey", "Role"]

Role = Literal["member", "coordinator", "analyst", "admin"]
ROLES: tuple[Role, ...] = ("member", "coordinator", "analyst", "admin")


class ApiKey(BaseModel):
    """A stored key: its public id, role, the member it acts for, and its secret's digest."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Identifier
    role: Role
    member: Identifier | None = None
    digest: str = Field(pattern=r"^[0-9a-f]{64}$")
    created: AwareDatetime = Field(default_factory=lambda: dt.datetime.now(dt.UTC))

    @model_validator(mode="after")
    def _member_key_has_member(self) -> ApiKey:
        if self.role == "member" and self.member is None:
            raise ValueError("a member key must name the member it acts for")
        return self
