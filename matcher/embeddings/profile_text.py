"""The text each embedding is made from.

A member's profile text is, in this order:

1. the bio, first, because the model reads at most 256 word pieces and the bio is the member's
   own words;
2. role, organisation and its kind (NHS trust, university, GP practice, …, guessed from the
   name), and region: "Improvement adviser at Selham Community Health NHS Trust (an NHS trust),
   London.";
3. interests: "Interested in patient safety, measurement for improvement.";
4. skills with their level in words: "Skills: statistical process control (expert), coaching.";
5. what they want to learn: "Wants to learn: driver diagrams."

A member whose profile says none of these has no text, and so no embedding: a bare name or
id says nothing about what someone does, and its embedding would only add noise to the
"meaning" signals (members of a roster imported without profiles are matched by the graph and
their groups instead).

Topics and skills are embedded from "name: description"; groups from name, description and
topics. Any change to one of these parts changes the text, and so its hash, and so the member
is re-embedded; changes elsewhere (visibility, joined date) are not part of it.
"""

from __future__ import annotations

import re

from models import Group, Member

__all__ = ["LEVEL_WORDS", "group_text", "member_text", "organisation_kind", "term_text"]

LEVEL_WORDS = {1: "beginner", 2: "some experience", 3: "practitioner", 4: "advanced", 5: "expert"}

# First match wins, so the more specific patterns come first.
_ORGANISATION_KINDS = (
    (r"\bNHS (Foundation )?Trust\b", "an NHS trust"),
    (r"\bHealth Board\b|\bHealth and Social Care Trust\b", "a health board"),
    (r"\b(Medical Practice|Surgery|Health Centre|Primary Care Network|PCN|GP)\b",
     "a GP practice"),
    (r"\bUniversity\b|\bCollege\b|\bInstitute\b|\bSchool of\b", "a university"),
    (r"\b(Council|Borough|County)\b", "a local authority"),
    (r"\bIntegrated Care (Board|System)\b|\bICB\b", "an integrated care board"),
    (r"\b(Charity|Trust|Foundation|Alliance|Network|Voices|Association)\b", "a charity"),
    (r"\b(NHS England|Agency|Commission|Institute|Department|Office|Authority|Public Health)\b",
     "a national body"),
)


def organisation_kind(name: str | None) -> str | None:
    """A guess at what kind of organisation ``name`` is, from the words in it.

    >>> organisation_kind("Leeds Teaching Hospitals NHS Trust")
    'an NHS trust'
    >>> organisation_kind("Ashgrove Medical Practice")
    'a GP practice'
    >>> organisation_kind("Blue Sky Ltd") is None
    True
    """
    if not name:
        return None
    for pattern, kind in _ORGANISATION_KINDS:
        if re.search(pattern, name):
            return kind
    return None


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def _workplace(member: Member) -> str | None:
    first = member.role
    if member.organisation:
        kind = organisation_kind(member.organisation)
        where = f"at {member.organisation}" + (f" ({kind})" if kind else "")
        first = f"{member.role or 'Works'} {where}"
    parts = [p for p in (first, member.region) if p]
    return _sentence(", ".join(parts)) if parts else None


def member_text(member: Member) -> str:
    """The profile text a member's embedding is made from (see the module docstring)."""
    skills = [s.name if s.level is None else f"{s.name} ({LEVEL_WORDS[s.level]})"
              for s in member.skills]
    parts = [
        member.bio and _sentence(member.bio),
        _workplace(member),
        member.interests and _sentence("Interested in " + ", ".join(member.interests)),
        skills and _sentence("Skills: " + ", ".join(skills)),
        member.wants_to_learn and _sentence("Wants to learn: " + ", ".join(member.wants_to_learn)),
    ]
    return " ".join(p for p in parts if p)


def term_text(name: str, description: str | None) -> str:
    """A topic's or skill's text: its name, and its description when it has one."""
    return f"{name}: {description}" if description else name


def group_text(group: Group) -> str:
    parts = [_sentence(group.name), group.description and _sentence(group.description),
             group.topics and _sentence("Topics: " + ", ".join(group.topics))]
    return " ".join(p for p in parts if p)
