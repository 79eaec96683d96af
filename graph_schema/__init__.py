"""The community graph: its schema, migrations, bundle format and the stores that hold it."""

from __future__ import annotations

from graph_schema.store import Store
from models.settings import get_settings

__all__ = ["Store", "open_store"]

_NEO4J_SCHEMES = ("bolt://", "bolt+s://", "bolt+ssc://", "neo4j://", "neo4j+s://", "neo4j+ssc://")


def open_store(location: str | None = None, *, migrate: bool = True,
               create: bool = True) -> Store:
    """Open the store at ``location``: a Neo4j URI, or else the path of an embedded store file.

    Without ``location``, the configured one (``QCONNECT_STORE``, else a file in the user's
    data folder). Neo4j credentials and database come from the settings. With ``migrate`` (the
    default) any missing schema migrations are applied first, so a new store is ready to use.
    Without ``create``, an embedded store file that does not exist is refused, not made.
    """
    settings = get_settings()
    location = location or settings.store
    store: Store
    if location.startswith(_NEO4J_SCHEMES):
        from graph_schema.neo4j_store import Neo4jStore

        password = settings.neo4j_password
        auth = (settings.neo4j_user, password.get_secret_value()) if password else None
        store = Neo4jStore(location, auth=auth, database=settings.neo4j_database)
    else:
        from graph_schema.embedded import EmbeddedStore

        store = EmbeddedStore(location, create=create)
    if migrate:
        try:
            store.migrate()
        except BaseException:
            store.close()
            raise
    return store
