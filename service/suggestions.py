"""A member's suggestions (people like you, who can help me, groups to join) and their
feedback on them."""

from __future__ import annotations

from models import Feedback
from models.api import FeedbackCreate, SuggestionKind, SuggestionList, SuggestionPublic
from models.errors import QConnectError
from models.privacy import Caller
from service.access import allow
from service.community import LiveCommunity
from service.views import visible_member
from service.vocabulary import name_meant

__all__ = ["give_feedback", "suggest"]


@allow("member", "admin", own="member_id")
def suggest(live: LiveCommunity, caller: Caller, member_id: str, kind: SuggestionKind,
            k: int = 10, skill: str | None = None) -> SuggestionList:
    """Suggestions with their reasons, computed from memory in a few milliseconds. ``skill``
    (helpers only) asks for help with that skill instead of everything the member wants (in
    any case: see :func:`~service.vocabulary.name_meant`)."""
    if skill is not None and kind != "helpers":
        raise QConnectError("'skill' applies to helpers only")
    if skill is not None:
        skill = name_meant(live.snapshot, caller, "skill", skill)
    found, snapshot = live.suggest(kind, member_id, k, skill)
    if kind == "groups":
        return SuggestionList(member=member_id, kind=kind, data=[
            SuggestionPublic(id=s.id, name=snapshot.groups[snapshot.group_ids.index[s.id]].name,
                             score=s.score, reasons=list(s.reasons)) for s in found])
    people = [snapshot.members[snapshot.ids.index[s.id]] for s in found]
    return SuggestionList(member=member_id, kind=kind, data=[
        SuggestionPublic(id=s.id, name=m.name, role=m.role, organisation=m.organisation,
                         score=s.score, reasons=list(s.reasons)) for s, m in zip(found, people,
                                                                                  strict=True)])


@allow("member", "admin", own="member_id")
def give_feedback(live: LiveCommunity, caller: Caller, member_id: str,
                  answer: FeedbackCreate) -> Feedback:
    """Accept or dismiss a suggestion. A dismissed person is not suggested to the member again,
    nor the member to them."""
    visible_member(live, caller, member_id)
    feedback = Feedback(member=member_id, **answer.model_dump())
    if feedback.target_kind == "member":
        visible_member(live, caller, feedback.target)  # a hidden member is as good as unknown
    live.record_feedback(feedback)
    return feedback
