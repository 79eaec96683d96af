"""The community as analysts may see it, and one-line ways for a notebook to open it.

Analysts read the community through the project's own code, never from copied files:

- :func:`load` reads a store (the configured one, an embedded store file, or a Neo4j URI);
- :func:`generated` reads a generated community, stored and embedded once in a cache folder;
- :func:`from_environment` picks one of those as the notebooks do: the store named by
  ``QCONNECT_NOTEBOOK_STORE``, else a generated community of ``QCONNECT_NOTEBOOK_MEMBERS``
  members (default 5,000; seed ``QCONNECT_NOTEBOOK_SEED``, default 1).

Each gives a :class:`~matcher.snapshot.Snapshot` passed through :func:`for_analytics`, the one
place consent is applied (:mod:`matcher.analytics_export` applies it again, so an export is
safe whichever way its snapshot was read):

- a member who has not consented to analytics (``consent.analytics`` false) is left out
  entirely, with their ties, group memberships, embedding and feedback, and the embeddings of
  topics and skills only they named. They are not kept as pseudonymous nodes, because in a
  small community a node's ties and attributes can still identify someone;
- a hidden member (``visibility == "hidden"``) stays in the graph but without personal data:
  no name, no bio, no extra bundle fields. Their role, organisation, region, interests and
  skills stay, as does their profile embedding (an anonymous point on the interest map).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import platformdirs

from graph_schema import Store, open_store
from matcher.encoder import configured_model_path, model_id
from matcher.prepared import generated_store
from matcher.snapshot import Snapshot, snapshot_from_store
from models import Community, Member

__all__ = ["DEFAULT_MEMBERS", "MEMBERS_VARIABLE", "SEED_VARIABLE", "STORE_VARIABLE",
           "cache_folder", "for_analytics", "from_environment", "from_store", "generated", "load"]

STORE_VARIABLE = "QCONNECT_NOTEBOOK_STORE"
MEMBERS_VARIABLE = "QCONNECT_NOTEBOOK_MEMBERS"
SEED_VARIABLE = "QCONNECT_NOTEBOOK_SEED"
DEFAULT_MEMBERS = 5_000
_PERSONAL = ("name", "bio")


def _has_personal_data(member: Member) -> bool:
    return any(getattr(member, field) for field in _PERSONAL) or bool(member.model_extra)


def _without_personal_data(member: Member) -> Member:
    kept = set(Member.model_fields) - set(_PERSONAL)  # extra fields are not model fields
    return Member.model_validate(member.model_dump(include=kept))


def for_analytics(snapshot: Snapshot) -> Snapshot:
    """``snapshot`` as analysts may see it: without members who have not consented to
    analytics, and without hidden members' personal data (see the module's docstring).

    >>> from models import Community, Connection, Member
    >>> people = [Member(id="ana", name="Ana"), Member(id="ben", name="Ben", visibility="hidden"),
    ...           Member(id="cy", name="Cy", consent={"analytics": False})]
    >>> ties = [Connection(source="ana", target="ben"), Connection(source="ana", target="cy")]
    >>> seen = for_analytics(Snapshot(Community(members=people, connections=ties), {}))
    >>> [(m.id, m.name) for m in seen.members]
    [('ana', 'Ana'), ('ben', None)]
    >>> [(t.source, t.target) for t in seen.community.connections]
    [('ana', 'ben')]
    >>> for_analytics(seen) is seen
    True
    """
    community = snapshot.community
    kept = [m for m in community.members if m.consent.analytics]
    private = [m for m in kept if m.visibility == "hidden" and _has_personal_data(m)]
    if len(kept) == len(community.members) and not private:
        return snapshot
    ids = {m.id for m in kept}
    gone = {m.id for m in community.members} - ids
    members = [_without_personal_data(m) if m.visibility == "hidden" else m for m in kept]
    groups = [g.model_copy(update={"members": [m for m in g.members if m in ids],
                                   "coordinators": [m for m in g.coordinators if m in ids]})
              for g in community.groups]
    ties = [t for t in community.connections if t.source in ids and t.target in ids]
    seen = Community(members=members, connections=ties, groups=groups, topics=community.topics,
                     skills=community.skills)

    def kept_pairs(pairs: frozenset[tuple[str, str]]) -> frozenset[tuple[str, str]]:
        return frozenset(p for p in pairs if not gone & set(p))

    return Snapshot(seen, _vectors(snapshot.vectors, seen), kept_pairs(snapshot.dismissed),
                    kept_pairs(snapshot.accepted))


def _vectors(vectors: Mapping[str, Mapping[str, np.ndarray]],
             seen: Community) -> dict[str, dict[str, np.ndarray]]:
    """The embeddings of what is left: a term only those left out used would tell of them."""
    ids = {m.id for m in seen.members}
    terms = {"topic": {t.name for t in seen.topics}, "skill": {s.name for s in seen.skills}}
    for member in seen.members:
        terms["topic"].update(member.interests)
        terms["skill"].update([s.name for s in member.skills] + member.wants_to_learn)
    for group in seen.groups:
        terms["topic"].update(group.topics)
    kept = {"member": ids, **terms}
    return {kind: {key: v for key, v in known.items() if kind not in kept or key in kept[kind]}
            for kind, known in vectors.items()}


def from_store(store: Store) -> Snapshot:
    """The community in ``store``, with the configured model's embeddings, for analytics."""
    return for_analytics(snapshot_from_store(store, model_id(configured_model_path())))


def load(store: str | None = None) -> Snapshot:
    """The community in the store at ``store`` (a file path or a ``bolt://`` / ``neo4j://``
    URI; default: the configured store), for analytics."""
    with open_store(store) as opened:
        return from_store(opened)


def cache_folder() -> Path:
    """Where generated communities for notebooks are kept (``~/.cache/qconnect/notebooks``)."""
    return Path(platformdirs.user_cache_dir("qconnect")) / "notebooks"


def generated(members: int = DEFAULT_MEMBERS, seed: int = 1,
              folder: Path | None = None) -> Snapshot:
    """A generated community of ``members`` members, for analytics. It is stored and embedded
    once in ``folder`` (default :func:`cache_folder`): the first call for a size and seed takes
    about a minute per 1,500 members on two cores, later ones seconds."""
    return load(str(generated_store(folder or cache_folder(), members, seed)))


def from_environment(environ: Mapping[str, str] = os.environ) -> Snapshot:
    """The community a notebook analyses: the store named by ``QCONNECT_NOTEBOOK_STORE``, else
    a generated one of ``QCONNECT_NOTEBOOK_MEMBERS`` members (seed ``QCONNECT_NOTEBOOK_SEED``)."""
    if environ.get(STORE_VARIABLE):
        return load(environ[STORE_VARIABLE])
    return generated(int(environ.get(MEMBERS_VARIABLE, DEFAULT_MEMBERS)),
                     int(environ.get(SEED_VARIABLE, 1)))
