"""Moving community data in and out of a store: bundles (read, written, generated), import,
export, embedding, counts and schema migrations. These are the operator's use cases: the
command line runs them as whoever holds the store."""

from __future__ import annotations

from graph_schema import open_store
from graph_schema.bundle import read_bundle, write_bundle
from graph_schema.store import Progress
from matcher.embeddings.refresh import EmbedReport, KindProgress, embed_store
from matcher.synthetic.generator import generate_community
from models import Community
from models.errors import ConflictError
from models.privacy import Caller
from service.access import allow
from service.community import LiveCommunity
from service.vocabulary import check_names_kept

__all__ = ["KindProgress", "Progress", "check_demo_store", "embed", "export_community",
           "generate_community", "import_community", "migrate", "read_bundle", "stats",
           "write_bundle"]


@allow("admin")
def import_community(live: LiveCommunity, caller: Caller, community: Community,
                     progress: Progress | None = None) -> None:
    """Store ``community`` (checked already, e.g. read from a bundle) in one transaction: an
    upsert, so importing the same community twice changes nothing. A declared topic or skill
    keeps its name and id."""
    check_names_kept("topic", live.store.terms("topic"), community.topics)
    check_names_kept("skill", live.store.terms("skill"), community.skills)
    live.store.write(community, progress)


@allow("admin")
def check_demo_store(live: LiveCommunity, caller: Caller, demo: Community) -> None:
    """Refuse to let the generated ``demo`` community into a store that holds members it does
    not have: importing is an upsert and training replaces the store's rankers, so the demo
    would mix invented members into someone's community and overwrite any sharing an id. An
    empty store, or one holding an earlier run of the same demo, is the demo's own."""
    stored = live.store.stats()["members"]
    ids = [m.id for m in demo.members]
    others = stored - (len(ids) - len(live.store.missing_members(ids)))
    if others:
        raise ConflictError(
            f"the store at {live.store.location} holds members the demo did not generate "
            f"({others:,}), and the demo would write its own community into theirs; give the "
            "demo a store of its own (--store demo.db)")


@allow("admin")
def embed(live: LiveCommunity, caller: Caller, *, force: bool = False,
          progress: KindProgress | None = None) -> EmbedReport:
    """Embed members, groups, topics and skills whose text or model changed (everything with
    ``force``), and forget the embeddings of what is gone."""
    return embed_store(live.store, live.encoder, force=force, progress=progress)


@allow("admin")
def export_community(live: LiveCommunity, caller: Caller) -> Community:
    """The whole stored community as of one moment, in a stable order."""
    return live.store.export()


@allow("admin")
def stats(live: LiveCommunity, caller: Caller) -> dict[str, int]:
    """Counts of members, connections, groups, organisations, regions, topics and skills."""
    return live.store.stats()


def migrate(location: str | None = None) -> tuple[list[int], int]:
    """Apply the schema migrations the store at ``location`` lacks (safe to run again): the
    versions applied, and the version it is at now."""
    with open_store(location, migrate=False) as store:
        applied = store.migrate()
        return applied, store.schema_version()
