"""One-line ways for a notebook to open the community, as analysts may see it.

Analysts read the community through the project's own code, never from copied files:

- :func:`load` reads a store (the configured one, an embedded store file, or a Neo4j URI);
- :func:`generated` reads a generated community, stored and embedded once in a cache folder;
- :func:`from_environment` picks one of those as the notebooks do: the store named by
  ``QCONNECT_NOTEBOOK_STORE``, else a generated community of ``QCONNECT_NOTEBOOK_MEMBERS``
  members (default 5,000; seed ``QCONNECT_NOTEBOOK_SEED``, default 1).

Each gives the :func:`~matcher.analytics.view.analysed` part of the community, the same the
HTTP API's analytics routes serve: members who are hidden or have not consented to analytics
are left out entirely, with their ties, group memberships, embeddings and feedback (not kept
as pseudonymous nodes, since in a small community a node's ties can still identify someone).
The exports in :mod:`matcher.analytics.export` apply it again and carry no names or bios.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path

from graph_schema import Store, open_store
from matcher.analytics.anonymity import K_ANONYMITY
from matcher.analytics.view import analysed
from matcher.recommend.snapshot import Snapshot
from service import config
from service.community import read_snapshot
from service.prepared import generated_store

__all__ = ["DEFAULT_MEMBERS", "MEMBERS_VARIABLE", "SEED_VARIABLE", "STORE_VARIABLE",
           "NotEnoughDataError", "cache_folder", "from_environment", "from_store", "generated",
           "load", "require"]

STORE_VARIABLE = "QCONNECT_NOTEBOOK_STORE"
MEMBERS_VARIABLE = "QCONNECT_NOTEBOOK_MEMBERS"
SEED_VARIABLE = "QCONNECT_NOTEBOOK_SEED"
DEFAULT_MEMBERS = 5_000


def from_store(store: Store) -> Snapshot:
    """The community in ``store``, with the configured model's embeddings, for analytics."""
    return analysed(read_snapshot(store))


def load(store: str | None = None) -> Snapshot:
    """The community in the store at ``store`` (a file path or a ``bolt://`` / ``neo4j://``
    URI; default: the configured store), for analytics."""
    with open_store(store) as opened:
        return from_store(opened)


def cache_folder() -> Path:
    """Where generated communities for notebooks are kept (``~/.cache/qconnect/notebooks``)."""
    return config.cache_folder("notebooks")


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


_HAS: dict[str, Callable[[Snapshot], bool]] = {
    "ties between members": lambda community: bool(community.community.connections),
    "groups": lambda community: bool(community.groups),
    "roles": lambda community: any(m.role for m in community.members),
    "regions": lambda community: any(m.region for m in community.members),
    "organisations": lambda community: any(m.organisation for m in community.members),
    "dates joined": lambda community: any(m.joined for m in community.members),
    "interests or skills": lambda community: any(m.interests or m.skills
                                                 for m in community.members),
    "profile text": lambda community: bool(community.embeddings.any()),
}
"""What a notebook may need of the community it analyses, each with its test."""


class NotEnoughDataError(Exception):
    """The community analysed lacks what a notebook needs."""


def require(community: Snapshot, *needs: str) -> None:
    """Stop a notebook at its start when ``community`` has fewer members than
    :data:`~matcher.analytics.anonymity.K_ANONYMITY` or lacks any of ``needs`` (the names of
    ``_HAS``), saying which: a community imported from a roster often has no profiles or
    ties, and a notebook would otherwise stop part-way with an error from inside a chart."""
    enough = f"{K_ANONYMITY} or more members"
    missing = [enough] if len(community) < K_ANONYMITY else []
    missing += [need for need in needs if not _HAS[need](community)]
    if missing:
        raise NotEnoughDataError(f"this notebook needs {', '.join([enough, *needs])}; the "
                                 f"community analysed lacks {', '.join(missing)}")
