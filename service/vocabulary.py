"""The shared vocabulary: improvement topics and skills."""

from __future__ import annotations

from typing import TypeVar

from matcher.recommend.snapshot import Snapshot
from models import Group, Member, Skill, TermKind, Topic
from models.api import Page, TermCreate, TermPublic
from models.privacy import Caller
from service.access import ANYONE, allow
from service.community import LiveCommunity

__all__ = ["declare_term", "list_terms", "spelled_as_used"]

_MODELS: dict[TermKind, type[Topic | Skill]] = {"topic": Topic, "skill": Skill}
Named = TypeVar("Named", Member, Group)


def spelled_as_used(record: Named, snapshot: Snapshot) -> Named:
    """``record`` (a member or a group, as written) with each skill and topic it names spelled
    as the community already spells it, where the two differ only in case or spacing: "run
    charts" typed joins the holders of "Run charts" rather than starting a skill of its own.
    A name the community has as typed is kept. Validated again: two names typed that become
    one are refused as listed twice."""
    skills, topics = snapshot.skills, snapshot.topics
    if isinstance(record, Group):
        spelled = {"topics": [topics.spelled(t) for t in record.topics]}
    else:
        spelled = {
            "skills": [{**s.model_dump(), "name": skills.spelled(s.name)} for s in record.skills],
            "interests": [topics.spelled(name) for name in record.interests],
            "wants_to_learn": [skills.spelled(name) for name in record.wants_to_learn]}
    return type(record).model_validate({**record.model_dump(), **spelled})


@allow(*ANYONE)
def list_terms(live: LiveCommunity, caller: Caller, kind: TermKind) -> Page[TermPublic]:
    """Every name in use or declared, with its description when declared."""
    terms = live.store.vocabulary(kind)
    return Page(data=[TermPublic(name=n, description=d) for n, d in terms], count=len(terms))


@allow("admin")
def declare_term(live: LiveCommunity, caller: Caller, kind: TermKind,
                 term: TermCreate) -> TermPublic:
    """Declare (or redescribe) a topic or skill, embedded so search can map free text to it."""
    live.put_terms([_MODELS[kind].model_validate(term.model_dump())])
    return TermPublic(name=term.name, description=term.description)
