"""Request and response schemas of the HTTP API: one family per entity.

Request bodies refuse unknown fields, so a misspelt field is a clear 422 rather than silently
ignored. Responses carry only what the caller may see: others' privacy settings are left out.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator

from models.domain import (
    Connection,
    Consent,
    FeedbackAction,
    Group,
    Identifier,
    Label,
    Member,
    Name,
    SkillLevel,
    TargetKind,
    Text,
    Visibility,
)

__all__ = [
    "MAX_POOL",
    "ConnectionCreate",
    "ConsentChange",
    "ConsentChoices",
    "EvaluationStatus",
    "FeedbackCreate",
    "GroupCreate",
    "GroupPublic",
    "GroupSearchHit",
    "GroupSearchResults",
    "LookingFor",
    "MemberCreate",
    "MemberExport",
    "MemberPublic",
    "MemberUpdate",
    "MyNetwork",
    "OrganisationPublic",
    "Page",
    "PreviousProposal",
    "Proposal",
    "ProposalRequest",
    "ProposalSave",
    "ProposedGroupIn",
    "ProposedGroupOut",
    "SearchHit",
    "SearchResults",
    "SignInLink",
    "SignInLinkCreate",
    "SuggestionKind",
    "SuggestionList",
    "SuggestionPublic",
    "TermCreate",
    "TermPublic",
    "Unassigned",
]

_EXAMPLE_MEMBER = {
    "id": "m-ayesha", "name": "Ayesha Khan", "role": "improvement adviser",
    "organisation": "Selham Community Health NHS Trust", "region": "London",
    "bio": "I support ward teams to reduce falls using small tests of change.",
    "skills": [{"name": "statistical process control", "level": 4}, "coaching"],
    "interests": ["patient safety", "measurement for improvement"],
    "wants_to_learn": ["co-design"],
}


T = TypeVar("T")

SuggestionKind = Literal["people", "helpers", "groups"]
"""People like you, who can help me, and groups to join."""
LookingFor = Literal["experts", "learners", "peers"]
"""Whom a search is for: those who know about it, those learning it, or those following it."""


class Page(BaseModel, Generic[T]):
    """One page of a list: ``count`` is how many match in all, ``data`` this page."""

    data: list[T]
    count: int


class MemberCreate(Member):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_EXAMPLE_MEMBER]})


class ConsentChoices(BaseModel):
    """Consent for every purpose, stated in full, so none is given by omission."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"suggestions": True, "groups": True, "analytics": False}]})

    suggestions: StrictBool
    groups: StrictBool
    analytics: StrictBool


class ConsentChange(BaseModel):
    """Consent for the purposes named; the others (left out, or null) keep their value."""

    model_config = ConfigDict(extra="forbid")

    suggestions: StrictBool | None = None
    groups: StrictBool | None = None
    analytics: StrictBool | None = None


def _keys_checked(schema: dict[str, Any]) -> None:
    """Pydantic states the pattern of a mapping's keys as ``patternProperties``, which leaves
    keys that do not match it free; the keys are refused, so say so with ``propertyNames``."""
    ((pattern, values),) = schema.pop("patternProperties").items()
    schema["propertyNames"] = {**schema.get("propertyNames", {}), "pattern": pattern}
    schema["additionalProperties"] = values


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def _kept_unless_given(**constraints: Any) -> Any:
    """A field a change may leave out, keeping its value, but not set to null: null would mean
    nothing for it, so the schema does not allow it and it is refused as a wrong type."""
    return Field(default=None, json_schema_extra=_no_default, **constraints)


class MemberUpdate(BaseModel):
    """The fields to change; those left out keep their value. Null clears a name, role,
    organisation, region or bio; the other fields cannot be null."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"bio": "Now leading a falls collaborative.", "visibility": "public"}]})

    name: Label | None = None
    role: Label | None = None
    organisation: Label | None = None
    region: Label | None = None
    bio: Text | None = None
    skills: list[SkillLevel] = _kept_unless_given(max_length=100)
    interests: list[Name] = _kept_unless_given(max_length=100)
    wants_to_learn: list[Name] = _kept_unless_given(max_length=100)
    open_to_connect: StrictBool = _kept_unless_given()
    visibility: Visibility = _kept_unless_given()
    consent: ConsentChange = _kept_unless_given()

    def applied_to(self, member: Member) -> Member:
        """``member`` with these changes (validated as a whole member)."""
        changes = self.model_dump(exclude_unset=True, exclude={"consent"})
        if "consent" in self.model_fields_set:
            changes["consent"] = {**member.consent.model_dump(),
                                  **self.consent.model_dump(exclude_none=True)}
        return Member.model_validate({**member.model_dump(), **changes})


class MemberPublic(BaseModel):
    """A profile as the caller may see it; privacy settings only for the member and admins."""

    id: str
    name: str | None = None
    role: str | None = None
    organisation: str | None = None
    region: str | None = None
    bio: str | None = None
    skills: list[SkillLevel] = []
    interests: list[str] = []
    wants_to_learn: list[str] = []
    joined: dt.date | None = None
    visibility: Visibility | None = None
    open_to_connect: bool | None = None
    consent: Consent | None = None


class MemberExport(BaseModel):
    """Everything stored about one member, for the member themself."""

    profile: dict[str, Any]
    connections: list[Connection]
    groups: list[dict[str, str]]
    feedback: list[dict[str, Any]]
    keys: list[dict[str, Any]]


class OrganisationPublic(BaseModel):
    name: str
    regions: list[str]
    members: int


class TermCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"id": "t-falls", "name": "falls prevention",
                      "description": "Reducing falls and the harm they cause."}]})

    id: Identifier
    name: Name
    description: Text | None = None
    parent: Identifier | None = None


class TermPublic(BaseModel):
    name: str
    description: str | None = None


class GroupCreate(Group):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "id": "sig-falls", "name": "Falls prevention", "topics": ["patient safety"],
        "members": ["m-ayesha"], "coordinators": []}]})


class GroupPublic(BaseModel):
    """A group, with only the people whose profiles the caller may see."""

    id: str
    name: str
    description: str | None = None
    topics: list[str]
    members: list[str]
    coordinators: list[str]


class MyNetwork(BaseModel):
    """A member's own circle, naming only the people the caller may see."""

    connections: list[MemberPublic] = Field(description="The people the member is tied to.")
    would_connect: list[MemberPublic] = Field(
        description="People the member said they would like to connect with, not tied yet.")
    groups: list[GroupPublic] = Field(description="The groups the member is in.")
    interested: list[GroupPublic] = Field(
        description="Groups the member said they are interested in, not joined yet.")


class ConnectionCreate(Connection):
    model_config = ConfigDict(extra="forbid", frozen=True, json_schema_extra={
        "examples": [{"source": "m-ayesha", "target": "m-ben", "kind": "peer"}]})


class FeedbackCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"target_kind": "member", "target": "m-ben", "action": "dismiss"}]})

    target_kind: TargetKind
    target: Identifier
    action: FeedbackAction


class SuggestionPublic(BaseModel):
    id: str
    name: str | None = None
    role: str | None = Field(default=None, description="People only.")
    organisation: str | None = Field(default=None, description="People only.")
    score: float
    reasons: list[str]


class SuggestionList(BaseModel):
    member: str
    kind: SuggestionKind
    data: list[SuggestionPublic]


class SearchHit(BaseModel):
    id: str
    name: str | None = None
    role: str | None = None
    organisation: str | None = None
    region: str | None = None
    score: float
    reasons: list[str]


class SearchResults(BaseModel):
    query: str
    looking_for: LookingFor = "experts"
    data: list[SearchHit]


class GroupSearchHit(BaseModel):
    id: str
    name: str
    topics: list[str]
    score: float
    reasons: list[str]


class GroupSearchResults(BaseModel):
    query: str
    data: list[GroupSearchHit]


MAX_POOL = 20_000
"""The most members one proposal may group: a larger pool is refused (narrow it with a filter
or a list of ids). 10,000 take well under a minute on two cores."""


class PreviousProposal(BaseModel):
    """A proposal to start from: its groups as lists of member ids, and the members it left
    unassigned. A proposal as ``/groups/proposals`` returned it (groups with ``members``,
    ``unassigned`` with ``id``) is read as such."""

    model_config = ConfigDict(extra="ignore", json_schema_extra={
        "examples": [{"groups": [["m-ayesha", "m-ben"], ["m-cat", "m-dev"]],
                      "unassigned": ["m-eve"]}]})

    groups: list[list[Identifier]] = Field(max_length=5000)
    unassigned: list[Identifier] = Field(default=[], max_length=MAX_POOL)

    @model_validator(mode="before")
    @classmethod
    def _from_a_proposal(cls, value: Any) -> Any:
        if isinstance(value, list):  # the groups alone
            return {"groups": value}
        if not isinstance(value, dict):
            return value
        found = dict(value)
        if isinstance(found.get("groups"), list):
            found["groups"] = [g.get("members") if isinstance(g, dict) else g
                               for g in found["groups"]]
        if isinstance(found.get("unassigned"), list):
            found["unassigned"] = [u.get("id") if isinstance(u, dict) else u
                                   for u in found["unassigned"]]
        return found

    def members(self) -> list[str]:
        """Everyone the proposal names, in its order, each once."""
        return list(dict.fromkeys([m for group in self.groups for m in group]
                                  + self.unassigned))


class ProposalRequest(BaseModel):
    """A pool and the rules the groups must keep. The pool is ``pool`` when given; else, with a
    ``previous`` proposal, everyone that proposal names (and those pinned or paired); else
    everyone who may be placed. The filters narrow it."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"topic": "patient safety", "min_size": 5, "max_size": 8, "max_per_organisation": 2,
         "min_roles": 2, "seed": 1}]})

    pool: list[Identifier] | None = Field(default=None, max_length=MAX_POOL)
    topic: Name | None = None
    skill: Name | None = None
    region: Name | None = None
    role: Name | None = None
    group: Identifier | None = None
    min_size: int = Field(ge=2, le=200)
    max_size: int = Field(ge=2, le=200)
    groups: int | None = Field(default=None, ge=1, le=5000)
    max_per_organisation: int | None = Field(default=None, ge=1, le=200)
    min_roles: int = Field(default=0, ge=0, le=20)
    together: list[Annotated[list[Identifier], Field(min_length=2)]] = Field(default=[],
                                                                         max_length=1000)
    apart: list[tuple[Identifier, Identifier]] = Field(default=[], max_length=1000)
    pins: dict[Identifier, int] = Field(default={}, max_length=1000,
                                        json_schema_extra=_keys_checked)
    focus: list[Name] = Field(default=[], max_length=1000)
    known_weight: float = Field(default=0.0, ge=-1, le=1, allow_inf_nan=False)
    previous: PreviousProposal | None = None
    seed: int = Field(default=0, ge=0, le=2**31 - 1)

    def pool_ids(self) -> list[str] | None:
        """The ids the pool is drawn from, or None for everyone who may be placed."""
        if self.pool is not None or self.previous is None:
            return self.pool
        named = [m for pair in (*self.together, *self.apart) for m in pair]
        return list(dict.fromkeys([*self.previous.members(), *self.pins, *named]))


class ProposedGroupOut(BaseModel):
    members: list[str]
    label: str
    topics: list[str]
    focus: str | None = None
    coherence: float = Field(description="Mean cosine similarity of the members' profiles.")
    organisations: dict[str, int]
    roles: dict[str, int]
    regions: dict[str, int]
    already_connected_pairs: int


class Unassigned(BaseModel):
    id: str
    reason: str


class Proposal(BaseModel):
    groups: list[ProposedGroupOut]
    unassigned: list[Unassigned]


class ProposedGroupIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    members: list[Identifier] = Field(min_length=1, max_length=200)
    label: Label | None = None
    topics: list[Name] = Field(default=[], max_length=20)


class ProposalSave(BaseModel):
    """A proposal (as proposed, or as the coordinator edited it) to create as groups."""

    model_config = ConfigDict(extra="ignore")

    groups: list[ProposedGroupIn] = Field(min_length=1, max_length=5000)
    coordinator: Identifier | None = Field(
        default=None, description="Defaults to the member a coordinator's key acts for.")
    # Room for the "-<n>" each group's id gets (up to 5,000 groups) in the 128 an id may take.
    prefix: Identifier | None = Field(default=None, max_length=123)


class EvaluationStatus(BaseModel):
    """Where the evaluation of the community for one ``k`` stands, with the last finished
    figures (those of ``qconnect evaluate``) once there are any."""

    k: int
    status: Literal["ready", "running", "queued"] = Field(description=(
        "ready: figures below (perhaps of an earlier revision); running or queued: the first "
        "evaluation for this k is under way or waiting its turn, no figures yet."))
    current_revision: int = Field(description=(
        "The community's revision now: one more at every write and reload."))
    revision: int | None = Field(default=None, description=(
        "The revision the figures were computed for."))
    current: bool = Field(default=False, description="The figures are of the current revision.")
    computed_at: dt.datetime | None = None
    age_seconds: float | None = Field(default=None, description="Seconds since they were.")
    refreshing: bool = Field(default=False, description=(
        "An evaluation of the current revision is under way or waiting its turn."))
    failed: str | None = Field(default=None, description=(
        "Why the evaluation of the current revision failed; it is tried again after the "
        "next change."))
    results: list[dict[str, Any]] = []
    training: dict[str, Any] = {}


LONGEST_LINK = dt.timedelta(days=31)
"""The longest a sign-in link may stay usable: a link is a password sent in a message."""


class SignInLinkCreate(BaseModel):
    """A one-time sign-in link for a member's web pages."""

    model_config = ConfigDict(extra="forbid")

    member: Identifier
    role: Literal["member", "coordinator", "analyst"] = "member"
    hours: float = Field(default=24, gt=0, le=LONGEST_LINK / dt.timedelta(hours=1),
                         description="How long it stays usable.")


class SignInLink(BaseModel):
    """The link, shown only now: opening it signs the member in and uses it up."""

    link: str
    id: str
    member: str
    role: str
    expires: dt.datetime
