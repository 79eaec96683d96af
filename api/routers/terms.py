"""The shared vocabulary: improvement topics and skills. Each is its own resource, with the
same two routes, so one function builds both routers."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, status

from api.deps import Admin, Anyone, CommunityDep
from models import Skill, Topic
from models.api import Page, TermCreate, TermPublic

__all__ = ["skills", "topics"]


def term_router(kind: Literal["topic", "skill"], model: type[Topic | Skill]) -> APIRouter:
    router = APIRouter(prefix=f"/{kind}s", tags=[f"{kind}s"])

    @router.get("", response_model=Page[TermPublic], name=f"list_{kind}s")
    def list_terms(live: CommunityDep, caller: Anyone) -> Page[TermPublic]:
        """Every name in use or declared, with its description when declared."""
        terms = live.store.vocabulary(kind)
        return Page(data=[TermPublic(name=n, description=d) for n, d in terms], count=len(terms))

    @router.post("", status_code=status.HTTP_201_CREATED, response_model=TermPublic,
                 name=f"declare_{kind}")
    def declare_term(body: TermCreate, live: CommunityDep, caller: Admin) -> TermPublic:
        """Declare (or redescribe) an entry, embedded so search can map free text to it."""
        live.put_terms([model.model_validate(body.model_dump())])
        return TermPublic(name=body.name, description=body.description)

    return router


topics = term_router("topic", Topic)
skills = term_router("skill", Skill)
