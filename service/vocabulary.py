"""The shared vocabulary: improvement topics and skills."""

from __future__ import annotations

from models import Skill, TermKind, Topic
from models.api import Page, TermCreate, TermPublic
from models.privacy import Caller
from service.access import ANYONE, allow
from service.community import LiveCommunity

__all__ = ["declare_term", "list_terms"]

_MODELS: dict[TermKind, type[Topic | Skill]] = {"topic": Topic, "skill": Skill}


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
