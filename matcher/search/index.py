"""What search reads of each member and group, kept apart by what it says about them.

A member's evidence is split three ways, because "who knows about X" and "who wants to learn X"
are different questions that one profile text cannot tell apart:

- **knows**: bio, role and organisation, and the skills they hold;
- **wants**: the skills they want to learn;
- **interests**: the topics they follow.

Groups are their own documents (name, description, topics): what a member's groups work on is
evidence of what they know (:mod:`matcher.search.members` weighs it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from matcher.embeddings.profile_text import group_text
from matcher.search.lexical import LexicalIndex
from models import Group, Member
from models.privacy import findable

__all__ = ["MemberEvidence", "SearchIndex", "group_index", "knows_text"]


def knows_text(member: Member) -> str:
    """What a member's profile says they know and do.

    >>> knows_text(Member(id="a", role="Midwife", skills=["Run charts"], wants_to_learn=["PDSA"]))
    'Midwife. Run charts.'
    """
    parts = [member.bio, ", ".join(p for p in (member.role, member.organisation) if p),
             ", ".join(s.name for s in member.skills)]
    return " ".join(f"{p.rstrip('.')}." for p in parts if p)


def _knows_parts(member: Member) -> list[str]:
    """The texts :func:`knows_text` joins, the words of each its own: many members share
    their role, organisation and skills, so each of those is counted once for all."""
    return [p for p in (member.bio, member.role, member.organisation,
                        *(s.name for s in member.skills)) if p]


@dataclass(frozen=True)
class SearchIndex:
    """Exact-word indexes of the members' three kinds of evidence and of the groups."""

    knows: LexicalIndex
    wants: LexicalIndex
    interests: LexicalIndex
    groups: LexicalIndex

    @classmethod
    def of(cls, members: MemberEvidence, groups: LexicalIndex) -> SearchIndex:
        """The index of members and groups indexed apart (each changes on its own)."""
        return cls(members.knows, members.wants, members.interests, groups)


@dataclass(frozen=True)
class MemberEvidence:
    """The members' three indexes."""

    knows: LexicalIndex
    wants: LexicalIndex
    interests: LexicalIndex

    @classmethod
    def build(cls, members: Sequence[Member]) -> MemberEvidence:
        """Members who may not be found are indexed as saying nothing, so that their words
        weigh in no one's score (through how rare a word is, or how long documents are)."""
        found = [_said(m) for m in members]
        return cls(knows=LexicalIndex.of_names([_knows_parts(m) for m in found]),
                   wants=LexicalIndex.of_names([m.wants_to_learn for m in found]),
                   interests=LexicalIndex.of_names([m.interests for m in found]))

    def replaced(self, members: Sequence[Member], rows: Sequence[int]) -> MemberEvidence:
        """These indexes with the members in ``rows`` (distinct) read again from ``members``,
        all the members as they are now: what :meth:`build` would score, at the cost of the
        changed members."""
        found = [_said(members[row]) for row in rows]
        return MemberEvidence(
            knows=self.knows.replaced(rows, [knows_text(m) for m in found]),
            wants=self.wants.replaced(rows, [", ".join(m.wants_to_learn) for m in found]),
            interests=self.interests.replaced(rows, [", ".join(m.interests) for m in found]))


_SILENT = Member(id="silent")


def _said(member: Member) -> Member:
    """What search may read of ``member``: nothing, for one who may not be found (one record
    saying nothing stands in for all of them; only what it says is read)."""
    return member if findable(member) else _SILENT


def group_index(groups: Sequence[Group]) -> LexicalIndex:
    """The index of what each group says it works on."""
    return LexicalIndex.build([group_text(g) for g in groups])
