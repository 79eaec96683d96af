"""The privacy rules (``models/privacy.py``) as one table: each kind of member against each
question the application asks, by each kind of caller."""

from __future__ import annotations

import pytest

from models import Member
from models.privacy import (
    NOT_PLACEABLE,
    OPERATOR,
    PRIVATE_FIELDS,
    Caller,
    analysable,
    findable,
    may_place,
    may_see,
    named_to,
    placeable,
    private_fields,
    shown_to_others,
    suggestable,
    why_not_placeable,
)

MEMBERS = {
    "ordinary": Member(id="m"),
    "public": Member(id="m", visibility="public"),
    "hidden": Member(id="m", visibility="hidden"),
    "not open": Member(id="m", open_to_connect=False),
    "no suggestions": Member(id="m", consent={"suggestions": False}),
    "no groups": Member(id="m", consent={"groups": False}),
    "no analytics": Member(id="m", consent={"analytics": False}),
}

# kind: (shown to others, suggestable, findable, placeable, analysable)
TABLE = {
    "ordinary":       (True, True, True, True, True),
    "public":         (True, True, True, True, True),
    "hidden":         (False, False, False, False, False),
    "not open":       (True, False, True, False, True),
    "no suggestions": (True, False, False, True, True),
    "no groups":      (True, True, True, False, True),
    "no analytics":   (True, True, True, True, False),
}

STRANGER, COORDINATOR, ANALYST = Caller("member", "other"), Caller("coordinator"), \
    Caller("analyst")
THEMSELF, ADMIN = Caller("member", "m"), Caller("admin")


@pytest.mark.parametrize("kind", sorted(TABLE))
def test_what_a_profile_may_be_used_for(kind: str) -> None:
    member = MEMBERS[kind]
    found = (shown_to_others(member), suggestable(member), findable(member), placeable(member),
             analysable(member))
    assert found == TABLE[kind]
    if not placeable(member):
        assert why_not_placeable(member) == {
            "hidden": "hidden profile", "not open": NOT_PLACEABLE,
            "no groups": NOT_PLACEABLE}[kind]


@pytest.mark.parametrize("kind", sorted(TABLE))
def test_who_may_see_a_profile_and_its_privacy_settings(kind: str) -> None:
    member = MEMBERS[kind]
    for caller in (STRANGER, COORDINATOR, ANALYST):
        assert may_see(caller, member) == shown_to_others(member)
        assert private_fields(caller, member) == PRIVATE_FIELDS
    for caller in (THEMSELF, ADMIN, OPERATOR):
        assert may_see(caller, member)
        assert private_fields(caller, member) == frozenset()


@pytest.mark.parametrize("kind", sorted(TABLE))
def test_who_may_place_a_member_in_a_group(kind: str) -> None:
    member = MEMBERS[kind]
    # Open to connecting and consenting, as placeable asks (which also hides hidden profiles:
    # visible_member answers for them before this rule is asked).
    consented = member.open_to_connect and member.consent.groups
    assert may_place(COORDINATOR, member) == consented
    assert may_place(ADMIN, member) == consented
    assert may_place(THEMSELF, member)  # joining by themself needs no consent to placement


@pytest.mark.parametrize("kind", sorted(TABLE))
def test_who_a_members_own_data_names(kind: str) -> None:
    other = MEMBERS[kind]  # id "m"
    assert named_to("someone else", other) == shown_to_others(other)
    assert named_to("m", other)  # the member themself, hidden or not
