"""Pydantic models shared by every layer of qconnect."""

from models.domain import (
    Community,
    Connection,
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
    "Community",
    "Connection",
    "Feedback",
    "Group",
    "Identifier",
    "Member",
    "Organisation",
    "Region",
    "Skill",
    "SkillLevel",
    "Topic",
    "Visibility",
]
