"""Pydantic models shared by every layer of qconnect."""

from models.access import ROLES, ApiKey, Role
from models.domain import (
    Community,
    Connection,
    Consent,
    Feedback,
    Group,
    Identifier,
    Member,
    Organisation,
    Region,
    Skill,
    SkillLevel,
    Topic,
    Visibility,
)

__all__ = [
    "ROLES",
    "ApiKey",
    "Community",
    "Connection",
    "Consent",
    "Feedback",
    "Group",
    "Identifier",
    "Member",
    "Organisation",
    "Region",
    "Role",
    "Skill",
    "SkillLevel",
    "Topic",
    "Visibility",
]
