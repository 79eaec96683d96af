"""Pydantic models shared by every layer of qconnect."""

from models.access import ROLES, ApiKey, Role
from models.domain import (
    Community,
    Connection,
    Consent,
    Feedback,
    FeedbackAction,
    Group,
    Identifier,
    Member,
    Skill,
    SkillLevel,
    TargetKind,
    TermKind,
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
    "FeedbackAction",
    "Group",
    "Identifier",
    "Member",
    "Role",
    "Skill",
    "SkillLevel",
    "TargetKind",
    "TermKind",
    "Topic",
    "Visibility",
]
