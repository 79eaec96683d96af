"""Node labels, relationship types and the versioned schema migrations of both stores.

A migration has one version number and its two renderings: Cypher for Neo4j and SQL for the
embedded store, so a schema version means the same thing on either. Every statement is
idempotent (``IF NOT EXISTS``), so re-running a migration that half-applied is safe.
See ``graph_schema/README.md`` for the model as a picture.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "EMBEDDING_DIMENSIONS",
    "LABELS",
    "MIGRATIONS",
    "RELATIONSHIPS",
    "VECTOR_INDEXES",
    "Migration",
    "latest_version",
]

LABELS = ("Member", "Organisation", "Region", "Topic", "Skill", "Group", "ApiKey")

RELATIONSHIPS = {
    "WORKS_AT": ("Member", "Organisation"),
    "IN_REGION": ("Organisation", "Region"),
    "HAS_SKILL": ("Member", "Skill"),  # {level, rank}
    "INTERESTED_IN": ("Member", "Topic"),  # {rank}
    "WANTS_TO_LEARN": ("Member", "Skill"),  # {rank}
    "CONNECTED_TO": ("Member", "Member"),  # {kind, since}, read undirected
    "MEMBER_OF": ("Member", "Group"),  # {role: member | coordinator, rank}
    "FOCUSES_ON": ("Group", "Topic"),  # {rank}
    "BROADER": ("Topic", "Topic"),  # also Skill -> Skill
    "GAVE_FEEDBACK": ("Member", "Member"),  # also Member -> Group; {action, at}
    "ACTS_FOR": ("ApiKey", "Member"),
}


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    cypher: tuple[str, ...]
    sql: tuple[str, ...]


_CORE_CYPHER = (
    "CREATE CONSTRAINT member_id IF NOT EXISTS FOR (n:Member) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT organisation_name IF NOT EXISTS "
    "FOR (n:Organisation) REQUIRE n.name IS UNIQUE",
    "CREATE CONSTRAINT region_name IF NOT EXISTS FOR (n:Region) REQUIRE n.name IS UNIQUE",
    "CREATE CONSTRAINT topic_name IF NOT EXISTS FOR (n:Topic) REQUIRE n.name IS UNIQUE",
    "CREATE CONSTRAINT topic_id IF NOT EXISTS FOR (n:Topic) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT skill_name IF NOT EXISTS FOR (n:Skill) REQUIRE n.name IS UNIQUE",
    "CREATE CONSTRAINT skill_id IF NOT EXISTS FOR (n:Skill) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT group_id IF NOT EXISTS FOR (n:Group) REQUIRE n.id IS UNIQUE",
    "CREATE INDEX member_role IF NOT EXISTS FOR (n:Member) ON (n.role)",
    "CREATE INDEX member_region IF NOT EXISTS FOR (n:Member) ON (n.region)",
)

# Organisations and regions are not tables here: they are the distinct values on members.
_CORE_SQL = (
    """CREATE TABLE IF NOT EXISTS member (
        id TEXT PRIMARY KEY, name TEXT, role TEXT, organisation TEXT, region TEXT, bio TEXT,
        open_to_connect INTEGER NOT NULL, visibility TEXT NOT NULL, joined TEXT, extra TEXT)""",
    "CREATE INDEX IF NOT EXISTS member_role ON member(role)",
    "CREATE INDEX IF NOT EXISTS member_region ON member(region)",
    "CREATE INDEX IF NOT EXISTS member_organisation ON member(organisation)",
    """CREATE TABLE IF NOT EXISTS member_skill (
        member_id TEXT NOT NULL REFERENCES member(id) ON DELETE CASCADE, skill TEXT NOT NULL,
        level INTEGER, rank INTEGER NOT NULL, PRIMARY KEY (member_id, skill))""",
    """CREATE TABLE IF NOT EXISTS member_interest (
        member_id TEXT NOT NULL REFERENCES member(id) ON DELETE CASCADE, topic TEXT NOT NULL,
        rank INTEGER NOT NULL, PRIMARY KEY (member_id, topic))""",
    """CREATE TABLE IF NOT EXISTS member_wants (
        member_id TEXT NOT NULL REFERENCES member(id) ON DELETE CASCADE, skill TEXT NOT NULL,
        rank INTEGER NOT NULL, PRIMARY KEY (member_id, skill))""",
    # A tie is stored once under its sorted pair (a < b) and keeps the orientation it came in.
    """CREATE TABLE IF NOT EXISTS connection (
        a TEXT NOT NULL REFERENCES member(id) ON DELETE CASCADE,
        b TEXT NOT NULL REFERENCES member(id) ON DELETE CASCADE,
        source TEXT NOT NULL, target TEXT NOT NULL, kind TEXT, since TEXT,
        PRIMARY KEY (a, b), CHECK (a < b))""",
    "CREATE INDEX IF NOT EXISTS connection_b ON connection(b)",
    """CREATE TABLE IF NOT EXISTS community_group (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, description TEXT, extra TEXT)""",
    """CREATE TABLE IF NOT EXISTS group_topic (
        group_id TEXT NOT NULL REFERENCES community_group(id) ON DELETE CASCADE,
        topic TEXT NOT NULL, rank INTEGER NOT NULL, PRIMARY KEY (group_id, topic))""",
    """CREATE TABLE IF NOT EXISTS group_member (
        group_id TEXT NOT NULL REFERENCES community_group(id) ON DELETE CASCADE,
        member_id TEXT NOT NULL REFERENCES member(id) ON DELETE CASCADE,
        role TEXT NOT NULL, rank INTEGER NOT NULL, PRIMARY KEY (group_id, member_id))""",
    "CREATE INDEX IF NOT EXISTS group_member_member ON group_member(member_id)",
    """CREATE TABLE IF NOT EXISTS topic (
        name TEXT PRIMARY KEY, id TEXT NOT NULL UNIQUE, description TEXT, parent TEXT)""",
    """CREATE TABLE IF NOT EXISTS skill (
        name TEXT PRIMARY KEY, id TEXT NOT NULL UNIQUE, description TEXT, parent TEXT)""",
)

# all-MiniLM-L6-v2 gives 384 dimensions; a model of another size needs a migration of its own.
# Quantisation is off: it skews the scores the reasons and rankings are built on, and float32
# vectors of a community's size fit in memory with room to spare.
EMBEDDING_DIMENSIONS = 384
VECTOR_INDEXES = {"member": "Member", "group": "Group", "topic": "Topic", "skill": "Skill"}

_EMBEDDING_CYPHER = tuple(
    f"CREATE VECTOR INDEX {kind}_embedding IF NOT EXISTS FOR (n:{label}) ON n.embedding "
    f"OPTIONS {{indexConfig: {{`vector.dimensions`: {EMBEDDING_DIMENSIONS}, "
    "`vector.similarity_function`: 'cosine', `vector.quantization.enabled`: false}}"
    for kind, label in VECTOR_INDEXES.items()
) + ("CALL db.awaitIndexes(300)",)  # searches right after migrating must find the indexes online

# Keys are member and group ids, and topic and skill names; vectors are float32 bytes.
_EMBEDDING_SQL = (
    """CREATE TABLE IF NOT EXISTS embedding (
        kind TEXT NOT NULL, key TEXT NOT NULL, model TEXT NOT NULL, text_hash TEXT NOT NULL,
        vector BLOB NOT NULL, PRIMARY KEY (kind, key))""",
)

# Neo4j needs no schema for feedback: reads start from a member found by its unique id, and
# the built-in relationship-type lookup index serves scans of all feedback.
_FEEDBACK_CYPHER: tuple[str, ...] = ()

# One row per member and target, so the latest feedback wins. The target may be a member or a
# group, so it has no foreign key: deleting either removes the feedback about it explicitly.
_FEEDBACK_SQL = (
    """CREATE TABLE IF NOT EXISTS feedback (
        member_id TEXT NOT NULL REFERENCES member(id) ON DELETE CASCADE,
        target_kind TEXT NOT NULL CHECK (target_kind IN ('member', 'group')),
        target TEXT NOT NULL, action TEXT NOT NULL CHECK (action IN ('accept', 'dismiss')),
        at TEXT NOT NULL, PRIMARY KEY (member_id, target_kind, target))""",
    "CREATE INDEX IF NOT EXISTS feedback_target ON feedback(target_kind, target)",
)

# Keys act for a member through ACTS_FOR, so erasing the member finds and deletes them.
_ACCESS_CYPHER = (
    "CREATE CONSTRAINT api_key_id IF NOT EXISTS FOR (n:ApiKey) REQUIRE n.id IS UNIQUE",
)

# SQLite has no ADD COLUMN IF NOT EXISTS; a migration runs in one transaction with the record
# of it, so these statements never run twice. Members stored earlier consent to everything, as
# new members do by default.
_ACCESS_SQL = tuple(
    f"ALTER TABLE member ADD COLUMN consent_{purpose} INTEGER NOT NULL DEFAULT 1"
    for purpose in ("suggestions", "groups", "analytics")
) + (
    """CREATE TABLE IF NOT EXISTS api_key (
        id TEXT PRIMARY KEY, role TEXT NOT NULL, digest TEXT NOT NULL, created TEXT NOT NULL,
        member_id TEXT REFERENCES member(id) ON DELETE CASCADE)""",
    "CREATE INDEX IF NOT EXISTS api_key_member ON api_key(member_id)",
)

MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "core graph: constraints, indexes, tables", _CORE_CYPHER, _CORE_SQL),
    Migration(2, "embeddings: vector indexes (cosine)", _EMBEDDING_CYPHER, _EMBEDDING_SQL),
    Migration(3, "feedback on suggestions", _FEEDBACK_CYPHER, _FEEDBACK_SQL),
    Migration(4, "consent per purpose, API keys", _ACCESS_CYPHER, _ACCESS_SQL),
    # SQLite tells a connection of other connections' commits itself (PRAGMA data_version);
    # Neo4j gets a counter that every write transaction raises.
    Migration(5, "a revision counter, so a service notices writes made beside it",
              ("CREATE CONSTRAINT revision_id IF NOT EXISTS "
               "FOR (n:Revision) REQUIRE n.id IS UNIQUE",), ()),
    # Neo4j keeps the two new properties on the ApiKey nodes; keys made earlier are API keys.
    Migration(6, "sign-in links and web sessions beside API keys", (),
              ("ALTER TABLE api_key ADD COLUMN kind TEXT NOT NULL DEFAULT 'api'",
               "ALTER TABLE api_key ADD COLUMN expires TEXT")),
    # SQLite's data_version moves at any commit by another connection, keys included; a
    # counter only community writes raise tells the two apart (Neo4j has one since 5).
    Migration(7, "a revision counter on the embedded store that key writes leave alone", (),
              ("CREATE TABLE IF NOT EXISTS revision (id INTEGER PRIMARY KEY CHECK (id = 1), "
               "n INTEGER NOT NULL)",
               "INSERT OR IGNORE INTO revision VALUES (1, 0)")),
    # What each write changed, so a replica reads only that (graph_schema.changes); old
    # changes are deleted by time.
    Migration(8, "a change feed: what each write changed, for replicas to follow",
              ("CREATE INDEX change_revision IF NOT EXISTS FOR (n:Change) ON (n.revision)",
               "CREATE INDEX change_at IF NOT EXISTS FOR (n:Change) ON (n.at)"),
              ("CREATE TABLE IF NOT EXISTS change (revision INTEGER PRIMARY KEY, "
               "at TEXT NOT NULL, what TEXT NOT NULL)",
               "CREATE INDEX IF NOT EXISTS change_at ON change(at)")),
    # Data, not schema, that Cypher cannot compute: the Neo4j store writes it in Python
    # (Neo4jStore._keep_embedding_bytes). The embedded store keeps only the bytes already.
    Migration(9, "Neo4j: each embedding's bytes kept beside its vector, for whole reads", (), ()),
)


def latest_version() -> int:
    return MIGRATIONS[-1].version
