"""The shared vocabulary: improvement topics and skills. Each is its own resource, with the
same two routes, so one function builds both routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, status

from api.deps import CommunityDep, door
from models import TermKind
from models.api import Page, TermCreate, TermPublic
from models.privacy import Caller
from service import vocabulary

__all__ = ["skills", "topics"]


def term_router(kind: TermKind) -> APIRouter:
    router = APIRouter(prefix=f"/{kind}s", tags=[f"{kind}s"])

    @router.get("", response_model=Page[TermPublic], name=f"list_{kind}s")
    def list_terms(live: CommunityDep,
                   caller: Annotated[Caller, door(vocabulary.list_terms)]) -> Page[TermPublic]:
        """Every name declared or in use where the caller may see it, with its description
        when declared."""
        return vocabulary.list_terms(live, caller, kind)

    @router.post("", status_code=status.HTTP_201_CREATED, response_model=TermPublic,
                 name=f"declare_{kind}")
    def declare_term(body: TermCreate, live: CommunityDep,
                     caller: Annotated[Caller, door(vocabulary.declare_term)]) -> TermPublic:
        """Declare (or redescribe) an entry, embedded so search can map free text to it."""
        return vocabulary.declare_term(live, caller, kind, body)

    return router


topics = term_router("topic")
skills = term_router("skill")
