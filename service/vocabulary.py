"""The shared vocabulary: improvement topics and skills."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

import numpy as np

from matcher.recommend.matrices import Vocabulary, folded
from matcher.recommend.snapshot import Snapshot
from models import Group, Member, Skill, TermKind, Topic
from models.api import Page, TermCreate, TermPublic
from models.errors import ConflictError, NotFoundError, QConnectError
from models.privacy import Caller, may_see
from service.access import ANYONE, allow
from service.community import LiveCommunity

__all__ = ["check_names_kept", "declare_term", "list_terms", "name_meant", "names_shown",
           "spelled_as_used"]

_MODELS: dict[TermKind, type[Topic | Skill]] = {"topic": Topic, "skill": Skill}
Named = TypeVar("Named", Member, Group)


def spelled_as_used(record: Named, snapshot: Snapshot, caller: Caller) -> Named:
    """``record`` (a member or a group, as ``caller`` writes it) with each skill and topic it
    names spelled as the community already spells it, where the two differ only in case or
    spacing: "run charts" typed joins the holders of "Run charts" rather than starting a skill
    of its own. Only names the caller may be offered (:func:`names_shown`) are matched, and a
    name the community has as typed is kept; new names typed alike are spelled as the first of
    them. Validated again: two names typed that become one are refused as listed twice."""
    def vocabulary(kind: TermKind, typed: Iterable[str]) -> Vocabulary:
        names = list(names_shown(snapshot, caller, kind))
        known = {folded(name) for name in names}
        for name in typed:
            if folded(name) not in known:
                known.add(folded(name))
                names.append(name)
        return Vocabulary(tuple(names))

    if isinstance(record, Group):
        topics = vocabulary("topic", record.topics)
        spelled = {"topics": [topics.spelled(t) for t in record.topics]}
    else:
        skills = vocabulary("skill", [*(s.name for s in record.skills), *record.wants_to_learn])
        topics = vocabulary("topic", record.interests)
        spelled = {
            "skills": [{**s.model_dump(), "name": skills.spelled(s.name)} for s in record.skills],
            "interests": [topics.spelled(name) for name in record.interests],
            "wants_to_learn": [skills.spelled(name) for name in record.wants_to_learn]}
    return type(record).model_validate({**record.model_dump(), **spelled})


def names_shown(snapshot: Snapshot, caller: Caller, kind: TermKind) -> dict[str, str | None]:
    """The topic or skill names ``caller`` may be offered, in order, each with its description
    where declared: those declared, those groups work on, and those named by members the
    caller may see. A name that only members hidden from the caller use is left out: listed,
    it would tell of them."""
    declared = snapshot.community.topics if kind == "topic" else snapshot.community.skills
    described = {t.name: t.description for t in declared}
    seen = [row for row in np.flatnonzero(~snapshot.visible)
            if may_see(caller, snapshot.members[row])]  # hidden, but not from the caller
    names = set(described) | snapshot.shown_names[kind] | snapshot.names_named_by(
        np.array(seen, dtype=np.int64))[kind]
    return {name: described.get(name) for name in sorted(names)}


def name_meant(snapshot: Snapshot, caller: Caller, kind: TermKind, typed: str) -> str:
    """The topic or skill ``typed`` names, as the community spells it (in another case or
    spacing too), among those the caller may be offered (:func:`names_shown`); any other is
    unknown (:class:`NotFoundError`), whether no one uses it or only people hidden from the
    caller do."""
    shown = Vocabulary(tuple(names_shown(snapshot, caller, kind)))
    column = shown.column(typed)
    if column is None:
        raise NotFoundError(kind, typed, by="name")
    return shown.names[column]


@allow(*ANYONE)
def list_terms(live: LiveCommunity, caller: Caller, kind: TermKind) -> Page[TermPublic]:
    """Every name declared or in use where the caller may see it (:func:`names_shown`), with
    its description when declared."""
    terms = names_shown(live.snapshot, caller, kind)
    return Page(data=[TermPublic(name=n, description=d) for n, d in terms.items()],
                count=len(terms))


def check_names_kept(kind: TermKind, declared: Iterable[Topic | Skill],
                     terms: Iterable[Topic | Skill | TermCreate]) -> None:
    """Refuse ``terms`` that would give a ``declared`` term's id another name, or its name
    another id: members and groups name a term, and narrower terms name their parent's id."""
    names, ids = {t.id: t.name for t in declared}, {t.name: t.id for t in declared}
    for term in terms:
        if names.get(term.id, term.name) != term.name:
            raise ConflictError(f"{kind} id {term.id!r} is {names[term.id]!r} already: a "
                                f"declared {kind} is not renamed (members and groups name it)")
        if ids.get(term.name, term.id) != term.id:
            raise ConflictError(f"{kind} {term.name!r} has the id {ids[term.name]!r} already, "
                                f"not {term.id!r}")


@allow("admin")
def declare_term(live: LiveCommunity, caller: Caller, kind: TermKind,
                 term: TermCreate) -> TermPublic:
    """Declare (or redescribe, by name and id) a topic or skill, embedded so search can map
    free text to it. Its name and id must not be another's, and its parent must be one
    declared that is not below it: the vocabulary stays a tree, as a bundle's must be (so it
    can be exported and imported again)."""
    declared = live.snapshot.community.topics if kind == "topic" else live.snapshot.community.skills
    parents = {t.id: t.parent for t in declared}
    check_names_kept(kind, declared, [term])
    if term.parent is not None:
        if term.parent not in parents and term.parent != term.id:
            raise NotFoundError(kind, term.parent)
        parents[term.id] = term.parent
        node, seen = term.parent, set()
        while node is not None and node not in seen and node != term.id:
            seen.add(node)
            node = parents.get(node)
        if node == term.id:
            raise QConnectError(f"{kind} {term.id!r} would be its own ancestor")
    live.put_terms([_MODELS[kind].model_validate(term.model_dump())])
    return TermPublic(name=term.name, description=term.description)
