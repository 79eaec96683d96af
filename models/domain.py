"""The community's entities as validated pydantic models.

These are the shapes of the bundle format (see the README) and of every store write: a record
that passes these models is one any store can hold and any export can write back unchanged.
Unknown fields on members and groups are kept (in ``model_extra``) rather than dropped, so a
bundle with extra columns round-trips; they are bounded in size and depth like every other
field.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    field_serializer,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

__all__ = [
    "ID_ALPHABET",
    "MAX_EXTRA_CHARS",
    "MAX_EXTRA_DEPTH",
    "Community",
    "Connection",
    "Consent",
    "Feedback",
    "FeedbackAction",
    "Group",
    "Identifier",
    "Member",
    "Skill",
    "SkillLevel",
    "TargetKind",
    "TermKind",
    "Topic",
    "Visibility",
]

Visibility = Literal["public", "members", "hidden"]
FeedbackAction = Literal["accept", "dismiss"]
TargetKind = Literal["member", "group"]
"""What a suggestion, and so the feedback on it, is about."""
TermKind = Literal["topic", "skill"]
"""The two vocabularies: improvement topics, and skills."""


_CONTROL = re.compile(r"[\x00-\x1f]")


def _printable(value: str) -> str:
    if _CONTROL.search(value):
        raise PydanticCustomError("string_control_characters",
                                  "must not contain control characters")
    return value


def _trimmed(value: str) -> str:
    """``value`` without surrounding whitespace, refused if nothing else is left."""
    value = value.strip()
    if not value:
        raise PydanticCustomError("string_blank", "must not be blank")
    return value


# The JSON schema says what validation checks, so a request the schema allows is never refused
# as malformed: lengths count the text as given, stripped text must keep a character that is
# not whitespace (as str.strip sees it), and one-line text has no control characters.
_SPACE = (r"\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f"
          r"\u3000")
_ONE_LINE = Field(json_schema_extra={"pattern": r"^[^\x00-\x1f]*$"})
_NOT_BLANK = Field(json_schema_extra={"pattern": f"[^{_SPACE}]"})

ID_ALPHABET = "ASCII letters, digits and . _ - @ :, starting with a letter or digit"
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@:-]*")


def _safe_id(value: str) -> str:
    # A pattern the schema states (below), so its own error type: a 422, not a rule's 400.
    if not _ID.fullmatch(value):
        raise PydanticCustomError("id_alphabet", f"ids use {ID_ALPHABET}; {value!r} does not")
    return value


# Ids travel through CSV, URL paths, command lines and Cypher parameters. An alphabet safe in
# all of them means an id that is accepted can always be named again: no "/" or "?" to break
# a path, no ".." to be resolved away, no leading "-" to be read as an option. Surrounding
# whitespace is trimmed (the schema's pattern allows it, as the length counts it).
Identifier = Annotated[
    str,
    StringConstraints(min_length=1, max_length=128),
    AfterValidator(_trimmed),
    AfterValidator(_safe_id),
    Field(json_schema_extra={"pattern": f"^[{_SPACE}]*{_ID.pattern}[{_SPACE}]*$"}),
]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200), AfterValidator(_trimmed),
                 _NOT_BLANK]
Label = Annotated[str, StringConstraints(max_length=200), AfterValidator(_printable), _ONE_LINE]
Text = Annotated[str, StringConstraints(max_length=5000)]


MAX_EXTRA_CHARS = 20_000
"""The most a record's unknown fields may take, in all, written as JSON (a bio takes 5,000)."""
MAX_EXTRA_DEPTH = 20
"""How deeply a record's unknown fields may nest lists and objects."""


def _depth(values: Iterable[Any]) -> int:
    """How many lists and objects deep ``values`` nest (0 for scalars), without recursing."""
    deepest, pending = 0, [(value, 0) for value in values]
    while pending and deepest <= MAX_EXTRA_DEPTH:  # deep enough to refuse: stop looking
        item, level = pending.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level + 1)
            children = item.values() if isinstance(item, dict) else item
            pending.extend((child, level + 1) for child in children)
    return deepest


def _check_extra(extra: dict[str, Any] | None) -> None:
    """Refuse unknown fields beyond the bounds: kept fields cost store, export and memory."""
    if not extra:
        return
    names = ", ".join(sorted(extra)[:5]) + (", …" if len(extra) > 5 else "")
    if _depth(extra.values()) > MAX_EXTRA_DEPTH:
        raise ValueError(f"unknown fields ({names}) nest deeper than {MAX_EXTRA_DEPTH} levels")
    try:  # NaN and Infinity are not JSON: a bundle or an API client could not read them back
        size = len(json.dumps(extra, ensure_ascii=False, default=str, allow_nan=False))
    except ValueError:
        raise ValueError(f"unknown fields ({names}) hold a number that is not finite "
                         "(NaN or Infinity)") from None
    if size > MAX_EXTRA_CHARS:
        raise ValueError(f"unknown fields ({names}) take {size:,} characters as JSON, more "
                         f"than the {MAX_EXTRA_CHARS:,} allowed")


def _unique(values: list[str], what: str) -> list[str]:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"{what} {value!r} is listed twice")
        seen.add(value)
    return values


def _own_and_extra(model: BaseModel) -> tuple[dict[str, Any], dict[str, Any]]:
    """The model's own fields as JSON without those unset (None), and its unknown fields as
    JSON, all of them: an unknown field that is null or empty is still data to give back."""
    extra = set(model.model_extra or ())
    own = model.model_dump(mode="json", exclude=extra, exclude_none=True)
    return own, model.model_dump(mode="json", include=extra) if extra else {}


class SkillLevel(BaseModel):
    """A skill a member offers, with an optional self-assessed level (1 novice … 5 expert)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Name
    level: int | None = Field(default=None, ge=1, le=5)

    @model_validator(mode="before")
    @classmethod
    def _from_name(cls, value: Any) -> Any:
        return {"name": value} if isinstance(value, str) else value


class Consent(BaseModel):
    """What a member agrees their profile may be used for, one purpose at a time. Each is a
    JSON boolean: "no", 0 or "false" are refused, not read as a choice."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    suggestions: StrictBool = Field(default=True, description="Appear in others' suggestions and "
                              "search results.")
    groups: StrictBool = Field(default=True, description="Be placed in interest groups by "
                         "coordinators and group proposals.")
    analytics: StrictBool = Field(default=True, description="Be included in analytics and "
                            "pseudonymised exports.")


class Member(BaseModel):
    """A person in the community: their profile, skills, interests and privacy choices."""

    model_config = ConfigDict(extra="allow")

    id: Identifier
    name: Label | None = None
    role: Label | None = None
    organisation: Label | None = None
    region: Label | None = None
    bio: Text | None = None
    skills: list[SkillLevel] = Field(default_factory=list, max_length=100)
    interests: list[Name] = Field(default_factory=list, max_length=100)
    wants_to_learn: list[Name] = Field(default_factory=list, max_length=100)
    open_to_connect: StrictBool = True
    visibility: Visibility = "members"
    joined: dt.date | None = None
    consent: Consent = Field(default_factory=Consent)

    @field_validator("skills")
    @classmethod
    def _skills_unique(cls, skills: list[SkillLevel]) -> list[SkillLevel]:
        _unique([s.name for s in skills], "skill")
        return skills

    @field_validator("interests", "wants_to_learn")
    @classmethod
    def _names_unique(cls, values: list[str]) -> list[str]:
        return _unique(values, "name")

    @model_validator(mode="after")
    def _extra_bounded(self) -> Member:
        _check_extra(self.model_extra)
        return self

    @field_serializer("skills")
    def _skills_compact(self, skills: list[SkillLevel]) -> list[str | dict[str, Any]]:
        # The bundle format writes a skill without a level as a bare string.
        return [s.name if s.level is None else {"name": s.name, "level": s.level} for s in skills]

    def to_bundle(self) -> dict[str, Any]:
        """The member as one ``members.jsonl`` object: defaults and empty fields left out,
        unknown fields as they came."""
        data, extra = _own_and_extra(self)
        for key in ("skills", "interests", "wants_to_learn"):
            if not data[key]:
                del data[key]
        if data["open_to_connect"]:
            del data["open_to_connect"]
        if data["visibility"] == "members":
            del data["visibility"]
        if self.consent == Consent():
            del data["consent"]
        return {**data, **extra}


class Connection(BaseModel):
    """An undirected tie between two members (who collaborated, peers, mentoring…)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: Identifier
    target: Identifier
    kind: Label | None = None
    since: dt.date | None = None

    @field_validator("kind")
    @classmethod
    def _blank_is_none(cls, kind: str | None) -> str | None:
        # connections.csv writes no kind as an empty field: an empty kind, or one of spaces
        # only, is no kind.
        return kind if kind and kind.strip() else None

    @model_validator(mode="after")
    def _not_a_loop(self) -> Connection:
        if self.source == self.target:
            raise ValueError(f"a member cannot be connected to themself ({self.source})")
        return self

    @property
    def pair(self) -> frozenset[str]:
        return frozenset((self.source, self.target))


class Feedback(BaseModel):
    """A member's answer to a suggestion of a person or group: accepted or dismissed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    member: Identifier
    target_kind: TargetKind
    target: Identifier
    action: FeedbackAction
    at: AwareDatetime = Field(default_factory=lambda: dt.datetime.now(dt.UTC))

    @field_validator("at")
    @classmethod
    def _in_utc(cls, at: dt.datetime) -> dt.datetime:
        # One zone everywhere, so stores and comparisons never juggle offsets.
        return at.astimezone(dt.UTC)

    @model_validator(mode="after")
    def _not_about_themself(self) -> Feedback:
        if self.target_kind == "member" and self.member == self.target:
            raise ValueError(f"a member cannot give feedback on themself ({self.member})")
        return self


class Group(BaseModel):
    """A special interest group or learning set, with its members and coordinators."""

    model_config = ConfigDict(extra="allow")

    id: Identifier
    name: Name
    description: Text | None = None
    topics: list[Name] = Field(default_factory=list, max_length=100)
    members: list[Identifier] = Field(default_factory=list, max_length=100_000)
    coordinators: list[Identifier] = Field(default_factory=list, max_length=100)

    @field_validator("topics", "members", "coordinators")
    @classmethod
    def _names_unique(cls, values: list[str]) -> list[str]:
        return _unique(values, "entry")

    @model_validator(mode="after")
    def _extra_bounded(self) -> Group:
        _check_extra(self.model_extra)
        return self

    @model_validator(mode="after")
    def _roles_disjoint(self) -> Group:
        both = sorted(set(self.members) & set(self.coordinators))
        if both:
            raise ValueError(f"listed as both member and coordinator: {', '.join(both)}")
        return self

    def to_bundle(self) -> dict[str, Any]:
        """The group as one ``groups.jsonl`` object: empty fields left out but ``members``,
        unknown fields as they came."""
        data, extra = _own_and_extra(self)
        return {**{k: v for k, v in data.items() if v != [] or k == "members"}, **extra}


class _Term(BaseModel):
    """A vocabulary entry; members and groups refer to it by name, a parent refers to its id."""

    model_config = ConfigDict(extra="forbid")

    id: Identifier
    name: Name
    description: Text | None = None
    parent: Identifier | None = None

    def to_bundle(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


class Topic(_Term):
    """An improvement topic (patient safety, health inequalities, …)."""


class Skill(_Term):
    """A skill members can offer or want to learn (statistical process control, coaching, …)."""


class Community(BaseModel):
    """Everything a bundle holds; the unit of import and export."""

    members: list[Member] = Field(default_factory=list)
    connections: list[Connection] = Field(default_factory=list)
    groups: list[Group] = Field(default_factory=list)
    topics: list[Topic] = Field(default_factory=list)
    skills: list[Skill] = Field(default_factory=list)
