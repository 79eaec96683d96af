"""Who may see whom, and what a profile may be used for: qconnect's privacy rules, in one place.

Every way in (HTTP, command line, web pages) and every computation (suggestions, search, group
pools, analytics) asks these questions here, so each rule can be read, audited and tested once
(``tests/test_privacy.py`` holds them as a table).

- A **hidden** profile is seen only by its member and admins; to everyone else it does not
  exist, and it is never suggested, found, placed in a group, analysed or named in a reason,
  nor in another member's own data (their export): a tie to someone who has hidden
  themself, or feedback about them, is left out of it.
- **Consent** is per purpose: ``suggestions`` (appear in others' suggestions and search),
  ``groups`` (be placed in groups by coordinators and proposals) and ``analytics`` (be counted in
  analysts' summaries, exports and evaluations).
- A member **not open to connect** is not suggested and not put in a group pool, but can still
  be found by search when they consent to it.
- Privacy settings themselves (visibility, openness, consent) are shown only to the member and
  admins.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.access import Role
from models.domain import Member

__all__ = [
    "NOT_PLACEABLE",
    "OPERATOR",
    "PRIVATE_FIELDS",
    "Caller",
    "analysable",
    "findable",
    "may_place",
    "may_see",
    "named_to",
    "placeable",
    "private_fields",
    "shown_to_others",
    "suggestable",
    "why_not_placeable",
]

PRIVATE_FIELDS = frozenset({"visibility", "open_to_connect", "consent"})


@dataclass(frozen=True)
class Caller:
    """Who asks: a role, and the member they act for (none for keys made without one)."""

    role: Role
    member: str | None = None

    def is_self_or_admin(self, member_id: str) -> bool:
        return self.role == "admin" or self.member == member_id


OPERATOR = Caller("admin")
"""Whoever holds the store itself: the command line, scripts and notebooks."""


def shown_to_others(member: Member) -> bool:
    """Whether anyone but the member and admins may know the profile exists (and so be told of
    it in a count, a group's member list or a reason such as a mutual connection)."""
    return member.visibility != "hidden"


def named_to(member_id: str, other: Member) -> bool:
    """Whether ``other`` may be named in what is given to member ``member_id`` as their own
    data (their export), whoever fetches it for them: the member themself, or anyone shown
    to others. The tie between them is the member's data too, but the other asked to
    disappear, and a count of withheld ties would tell the member that one of their contacts
    did.

    >>> named_to("m1", Member(id="m2", visibility="hidden")), named_to("m1", Member(id="m2"))
    (False, True)
    """
    return other.id == member_id or shown_to_others(other)


def may_see(caller: Caller, member: Member) -> bool:
    """Whether ``caller`` may read ``member``'s profile.

    >>> hidden = Member(id="m1", visibility="hidden")
    >>> may_see(Caller("member", "m2"), hidden), may_see(Caller("member", "m1"), hidden)
    (False, True)
    """
    return shown_to_others(member) or caller.is_self_or_admin(member.id)


def private_fields(caller: Caller, member: Member) -> frozenset[str]:
    """The fields of ``member``'s profile that ``caller`` may not read."""
    return frozenset() if caller.is_self_or_admin(member.id) else PRIVATE_FIELDS


def suggestable(member: Member) -> bool:
    """Whether ``member`` may appear in other members' suggestions."""
    return shown_to_others(member) and member.open_to_connect and member.consent.suggestions


def findable(member: Member) -> bool:
    """Whether ``member`` may be found by others' searches (openness to connect aside: someone
    looking for expertise may still find them)."""
    return shown_to_others(member) and member.consent.suggestions


def placeable(member: Member) -> bool:
    """Whether ``member`` belongs in a pool that coordinators form groups from."""
    return shown_to_others(member) and member.open_to_connect and member.consent.groups


NOT_PLACEABLE = "has chosen not to be placed in groups"


def why_not_placeable(member: Member) -> str:
    """Why :func:`placeable` is false for ``member``, in words a coordinator reads. Whether
    they are closed to connecting or withheld consent is their privacy setting, so both read
    alike (a hidden profile is named only to admins: others are told it does not exist)."""
    return "hidden profile" if not shown_to_others(member) else NOT_PLACEABLE


def may_place(caller: Caller, member: Member) -> bool:
    """Whether ``caller`` may put ``member`` in a group (as a member or a coordinator): a member
    may always join by themself; anyone else only one open to connecting who consented to group
    placement, as in the pools groups are formed from (:func:`placeable`). Refused, the two
    settings read alike (:data:`NOT_PLACEABLE`): which one a member withheld is theirs to know.
    """
    return caller.member == member.id or (member.open_to_connect and member.consent.groups)


def analysable(member: Member) -> bool:
    """Whether ``member`` may be included in analytics (summaries, exports, evaluations)."""
    return shown_to_others(member) and member.consent.analytics
