"""Every Cypher statement the Neo4j store runs, as constants with ``$parameters``.

Nothing here is ever formatted with user input; values travel only as parameters. Bulk writes
``UNWIND`` a batch of rows; every write is a ``MERGE`` keyed by a unique property, so running
one twice changes nothing.
"""

from __future__ import annotations

# Vocabulary terms are written in two passes so a parent may come after its child.
WRITE_TOPICS = """
UNWIND $rows AS row
MERGE (t:Topic {name: row.name})
SET t.id = row.id, t.description = row.description
WITH t
OPTIONAL MATCH (t)-[old:BROADER]->()
DELETE old
"""

LINK_TOPICS = """
UNWIND $rows AS row
MATCH (t:Topic {name: row.name}), (p:Topic {id: row.parent})
MERGE (t)-[:BROADER]->(p)
"""

# Labels cannot be parameters (and stay index-backed), so the skill forms are spelled out.
WRITE_SKILLS = WRITE_TOPICS.replace("Topic", "Skill")
LINK_SKILLS = LINK_TOPICS.replace("Topic", "Skill")

# Replacing a member's lists: drop the old relationships, create the new ones. The
# organisations they left are returned so their regions can be recomputed.
WRITE_MEMBERS = """
UNWIND $rows AS row
MERGE (m:Member {id: row.id})
SET m += row.props
WITH m, row
OPTIONAL MATCH (m)-[old:HAS_SKILL|INTERESTED_IN|WANTS_TO_LEARN|WORKS_AT]->(x)
WITH m, row, collect(old) AS olds,
     [o IN collect(x) WHERE o:Organisation | o.name] AS former
FOREACH (r IN olds | DELETE r)
FOREACH (name IN CASE WHEN row.organisation IS NULL THEN [] ELSE [row.organisation] END |
  MERGE (o:Organisation {name: name})
  MERGE (m)-[:WORKS_AT]->(o))
FOREACH (s IN row.skills |
  MERGE (k:Skill {name: s.name})
  CREATE (m)-[:HAS_SKILL {level: s.level, rank: s.rank}]->(k))
FOREACH (t IN row.interests |
  MERGE (k:Topic {name: t.name})
  CREATE (m)-[:INTERESTED_IN {rank: t.rank}]->(k))
FOREACH (s IN row.wants |
  MERGE (k:Skill {name: s.name})
  CREATE (m)-[:WANTS_TO_LEARN {rank: s.rank}]->(k))
WITH former
UNWIND former AS name
RETURN collect(DISTINCT name) AS former
"""

# An organisation is in the regions its members give; recomputed for those a write touched.
REFRESH_REGIONS = """
UNWIND $organisations AS name
MATCH (o:Organisation {name: name})
OPTIONAL MATCH (o)-[old:IN_REGION]->()
DELETE old
WITH DISTINCT o
MATCH (o)<-[:WORKS_AT]-(m:Member)
WHERE m.region IS NOT NULL
WITH o, collect(DISTINCT m.region) AS regions
UNWIND regions AS region
MERGE (r:Region {name: region})
MERGE (o)-[:IN_REGION]->(r)
"""

# Undirected MERGE finds the tie in either orientation, so re-importing a flipped pair updates it.
WRITE_CONNECTIONS = """
UNWIND $rows AS row
MATCH (a:Member {id: row.source}), (b:Member {id: row.target})
MERGE (a)-[r:CONNECTED_TO]-(b)
SET r.kind = row.kind, r.since = row.since
"""

WRITE_GROUPS = """
UNWIND $rows AS row
MERGE (g:Group {id: row.id})
SET g.name = row.name, g.description = row.description, g.extra = row.extra
WITH g, row
OPTIONAL MATCH (g)-[old:FOCUSES_ON]->()
DELETE old
WITH DISTINCT g, row
OPTIONAL MATCH (g)<-[old:MEMBER_OF]-()
DELETE old
WITH DISTINCT g, row
FOREACH (t IN row.topics |
  MERGE (k:Topic {name: t.name})
  CREATE (g)-[:FOCUSES_ON {rank: t.rank}]->(k))
FOREACH (p IN row.people |
  MERGE (m:Member {id: p.id})
  CREATE (m)-[:MEMBER_OF {role: p.role, rank: p.rank}]->(g))
"""

# What no member or group refers to any more goes, unless it was declared in a vocabulary.
REMOVE_ORPHANS = (
    "MATCH (o:Organisation) WHERE NOT (o)<-[:WORKS_AT]-() DETACH DELETE o",
    "MATCH (r:Region) WHERE NOT (r)<-[:IN_REGION]-() DETACH DELETE r",
    "MATCH (t:Topic) WHERE t.id IS NULL AND NOT (t)--() DELETE t",
    "MATCH (s:Skill) WHERE s.id IS NULL AND NOT (s)--() DELETE s",
)

# Setting a property takes the node's write lock, held to the end of the transaction: an
# update that locks first reads what no other update can change before it commits.
LOCK = {label: f"OPTIONAL MATCH (n:{label} {{id: $id}}) SET n._lock = true REMOVE n._lock "
               "RETURN count(n) AS found"
        for label in ("Member", "Group")}

MISSING_MEMBERS = """
UNWIND $ids AS id
OPTIONAL MATCH (m:Member {id: id})
WITH id, m WHERE m IS NULL
RETURN collect(id) AS missing
"""

APPLIED_MIGRATIONS = "MATCH (v:SchemaMigration) RETURN coalesce(max(v.version), 0) AS version"

RECORD_MIGRATION = """
MERGE (v:SchemaMigration {version: $version})
SET v.description = $description, v.applied_at = datetime()
"""

# Members come back with their lists in stored order; $ids NULL means every member.
_MATCH_MEMBERS = """
MATCH (m:Member)
WHERE ($ids IS NULL OR m.id IN $ids)
  AND ($role IS NULL OR m.role = $role)
  AND ($region IS NULL OR m.region = $region)
OPTIONAL MATCH (m)-[:WORKS_AT]->(o:Organisation)
WITH m, o WHERE $organisation IS NULL OR o.name = $organisation
ORDER BY m.id
"""

# Reads of many rows send them a thousand to a record: the driver spends more on a record than
# on the values in it (at 100,000 members most of a whole read went on the half million records
# of members and ties), and one record of everything is slower again, one huge message. The
# records come in the rows' order. The server holds all the rows at once (about 400 MB for
# 100,000 members, less than writing them took). Dates travel as ISO text: the driver builds
# its own date objects, one by one and slowly.
_IN_CHUNKS = """
WITH collect(row) AS rows
UNWIND range(0, size(rows) - 1, 1000) AS start
RETURN rows[start..start + 1000] AS rows
ORDER BY start
"""

_MEMBER_LISTS = """
CALL (m) {
  MATCH (m)-[r:HAS_SKILL]->(s:Skill)
  WITH r, s ORDER BY r.rank
  RETURN collect([s.name, r.level]) AS skills
}
CALL (m) {
  MATCH (m)-[r:INTERESTED_IN]->(t:Topic)
  WITH r, t ORDER BY r.rank
  RETURN collect(t.name) AS interests
}
CALL (m) {
  MATCH (m)-[r:WANTS_TO_LEARN]->(s:Skill)
  WITH r, s ORDER BY r.rank
  RETURN collect(s.name) AS wants
}
WITH [m {.id, .name, .role, .region, .bio, .open_to_connect, .visibility, .extra,
          .consent_suggestions, .consent_groups, .consent_analytics,
          joined: toString(m.joined)},
      o.name, skills, interests, wants] AS row
""" + _IN_CHUNKS

READ_MEMBERS = _MATCH_MEMBERS + _MEMBER_LISTS
READ_MEMBERS_PAGE = _MATCH_MEMBERS + "SKIP $offset LIMIT $limit\n" + _MEMBER_LISTS


READ_CONNECTIONS = """
MATCH (a:Member)-[r:CONNECTED_TO]->(b:Member)
WHERE $member IS NULL OR a.id = $member OR b.id = $member
WITH a.id AS source, b.id AS target, r
ORDER BY source, target
WITH [source, target, r.kind, toString(r.since)] AS row
""" + _IN_CHUNKS

# Columns of a few plain values travel and decode several times faster than rows; unsorted,
# as sorting half a million ties took the server twice as long as reading them. collect()
# leaves nulls out, so a missing kind or date travels as "".
TIE_COLUMNS = """
MATCH (a:Member)-[r:CONNECTED_TO]->(b:Member)
RETURN collect(a.id) AS sources, collect(b.id) AS targets,
       collect(coalesce(r.kind, "")) AS kinds, collect(coalesce(toString(r.since), "")) AS dates
"""

READ_GROUPS = """
MATCH (g:Group)
WHERE $id IS NULL OR g.id = $id
CALL (g) {
  MATCH (g)-[r:FOCUSES_ON]->(t:Topic)
  WITH r, t ORDER BY r.rank
  RETURN collect(t.name) AS topics
}
CALL (g) {
  MATCH (g)<-[r:MEMBER_OF]-(m:Member)
  WITH r, m ORDER BY r.rank
  RETURN collect([m.id, r.role]) AS people
}
RETURN g {.id, .name, .description, .extra} AS props, topics, people
ORDER BY g.id
"""

READ_TERMS = """
MATCH (t) WHERE $label IN labels(t) AND t.id IS NOT NULL
OPTIONAL MATCH (t)-[:BROADER]->(p)
RETURN t.id AS id, t.name AS name, t.description AS description, p.id AS parent
ORDER BY id
"""

STATS = """
CALL () { MATCH (m:Member) RETURN count(m) AS members, count(DISTINCT m.region) AS regions }
CALL () { MATCH ()-[r:CONNECTED_TO]->() RETURN count(r) AS connections }
CALL () { MATCH (g:Group) RETURN count(g) AS groups }
CALL () { MATCH ()-[r:MEMBER_OF]->() RETURN count(r) AS memberships }
CALL () { MATCH (o:Organisation) RETURN count(o) AS organisations }
CALL () { MATCH (t:Topic) RETURN count(t) AS topics }
CALL () { MATCH (s:Skill) RETURN count(s) AS skills }
CALL () { MATCH ()-[f:GAVE_FEEDBACK]->() RETURN count(f) AS feedback }
RETURN members, connections, groups, memberships, organisations, regions, topics, skills,
       feedback
"""

# DETACH DELETE also removes the feedback the member gave and was given, as erasure requires.
DELETE_MEMBER = """
MATCH (m:Member {id: $id})
OPTIONAL MATCH (m)-[:WORKS_AT]->(o:Organisation)
WITH m, collect(o.name) AS organisations
CALL (m) { MATCH (k:ApiKey)-[:ACTS_FOR]->(m) DETACH DELETE k }
DETACH DELETE m
RETURN organisations
"""

CHANGES_NAMING = """
MATCH (c:Change) WHERE c.what CONTAINS $needle
RETURN c.revision AS revision, c.what AS what
"""

REWRITE_CHANGES = """
UNWIND $rows AS row
MATCH (c:Change {revision: row.revision})
SET c.what = row.what
"""

DELETE_CONNECTION = """
MATCH (:Member {id: $a})-[r:CONNECTED_TO]-(:Member {id: $b})
DELETE r
RETURN count(r) AS deleted
"""

DELETE_GROUP = """
MATCH (g:Group {id: $id})
DETACH DELETE g
RETURN count(*) AS deleted
"""

# Written only when both ends exist; the flags say which one is missing otherwise.
RECORD_FEEDBACK = {
    kind: f"""
OPTIONAL MATCH (m:Member {{id: $member}})
OPTIONAL MATCH (t:{label} {{id: $target}})
FOREACH (_ IN CASE WHEN m IS NULL OR t IS NULL THEN [] ELSE [1] END |
  MERGE (m)-[f:GAVE_FEEDBACK]->(t)
  SET f.action = $action, f.at = $at)
RETURN m IS NOT NULL AS member, t IS NOT NULL AS target
"""
    for kind, label in (("member", "Member"), ("group", "Group"))
}

READ_FEEDBACK = """
MATCH (m:Member)-[f:GAVE_FEEDBACK]->(t)
WHERE $member IS NULL OR m.id = $member
RETURN m.id AS member, CASE WHEN t:Group THEN 'group' ELSE 'member' END AS target_kind,
       t.id AS target, f.action AS action, f.at AS at
ORDER BY member, target_kind, target
"""

READ_VOCABULARY = """
MATCH (t) WHERE $label IN labels(t)
RETURN t.name AS name, t.description AS description
ORDER BY name
"""

# Embeddings sit on their nodes as float32 vector properties, under the label's vector index,
# and again as their little-endian bytes (embedding_bytes) for whole reads: Bolt carries a list
# as 64-bit floats, and decoding 38 million of them at 100,000 members took the driver seconds
# where their bytes take a fraction of one. The bytes name the model and text hash they were
# written for (embedding_bytes_of) and are read only while those are the vector's: a vector
# written without its bytes (before they were kept, or by a process of an older version during
# an upgrade) is read as its list. Labels cannot be parameters, so each kind has its
# statements, made from one template.
_LABEL_AND_KEY = {"member": ("Member", "id"), "group": ("Group", "id"),
                  "topic": ("Topic", "name"), "skill": ("Skill", "name")}

_STORED_VECTOR = ("CASE WHEN n.embedding_bytes_of = [n.embedding_model, n.embedding_hash] "
                  "THEN n.embedding_bytes ELSE n.embedding END")

EMBEDDING_STATE = {
    kind: f"MATCH (n:{label}) WHERE n.embedding_model IS NOT NULL "
          f"RETURN n.{key} AS key, n.embedding_model AS model, n.embedding_hash AS hash"
    for kind, (label, key) in _LABEL_AND_KEY.items()
}

WRITE_EMBEDDINGS = {
    kind: f"""
UNWIND $rows AS row
MATCH (n:{label} {{{key}: row.key}})
CALL db.create.setNodeVectorProperty(n, 'embedding', row.vector)
SET n.embedding_model = $model, n.embedding_hash = row.hash,
    n.embedding_bytes = row.bytes, n.embedding_bytes_of = [$model, row.hash]
"""
    for kind, (label, key) in _LABEL_AND_KEY.items()
}

REMOVE_EMBEDDINGS = {
    kind: f"UNWIND $keys AS key MATCH (n:{label} {{{key}: key}}) "
          "REMOVE n.embedding, n.embedding_model, n.embedding_hash, n.embedding_bytes, "
          "n.embedding_bytes_of"
    for kind, (label, key) in _LABEL_AND_KEY.items()
}

READ_EMBEDDINGS = {
    kind: f"MATCH (n:{label}) WHERE n.embedding_model = $model "
          f"WITH [n.{key}, {_STORED_VECTOR}] AS row" + _IN_CHUNKS
    for kind, (label, key) in _LABEL_AND_KEY.items()
}

READ_VECTORS = {
    kind: f"UNWIND $keys AS wanted MATCH (n:{label} {{{key}: wanted}}) "
          f"WHERE n.embedding_model = $model "
          f"RETURN n.{key} AS key, {_STORED_VECTOR} AS vector"
    for kind, (label, key) in _LABEL_AND_KEY.items()
}

# Migration 9 keeps the bytes of vectors written before they were kept: a page of such
# vectors at a time, in key order, each written only while it is still the vector read.
VECTORS_WITHOUT_BYTES = {
    kind: f"MATCH (n:{label}) WHERE n.{key} > $after AND n.embedding IS NOT NULL "
          "AND n.embedding_model IS NOT NULL AND n.embedding_hash IS NOT NULL "
          "AND coalesce(n.embedding_bytes_of <> [n.embedding_model, n.embedding_hash], true) "
          f"RETURN n.{key} AS key, n.embedding_model AS model, n.embedding_hash AS hash, "
          f"n.embedding AS vector ORDER BY key LIMIT $limit"
    for kind, (label, key) in _LABEL_AND_KEY.items()
}

KEEP_BYTES = {
    kind: f"UNWIND $rows AS row MATCH (n:{label} {{{key}: row.key}}) "
          "WHERE n.embedding_model = row.model AND n.embedding_hash = row.hash "
          "SET n.embedding_bytes = row.bytes, n.embedding_bytes_of = [row.model, row.hash]"
    for kind, (label, key) in _LABEL_AND_KEY.items()
}

# The index scores cosine as (1 + cos) / 2; callers get the cosine back. The index explores
# only as many candidates as it is asked for, so $breadth (≥ $k) buys recall.
NEAREST = {
    kind: f"""
CALL db.index.vector.queryNodes('{kind}_embedding', $breadth, $vector) YIELD node, score
WHERE node.embedding_model = $model
RETURN node.{key} AS key, 2 * score - 1 AS cosine
ORDER BY cosine DESC, key
LIMIT $k
"""
    for kind, (label, key) in _LABEL_AND_KEY.items()
}

# -- API keys -------------------------------------------------------------------------------

ADD_KEY = """
OPTIONAL MATCH (m:Member {id: $member})
WITH m WHERE $member IS NULL OR m IS NOT NULL
CREATE (k:ApiKey {id: $id, role: $role, digest: $digest, created: $created, kind: $kind,
                  expires: $expires})
FOREACH (_ IN CASE WHEN m IS NULL THEN [] ELSE [1] END | CREATE (k)-[:ACTS_FOR]->(m))
RETURN count(k) AS added
"""

_KEY_FIELDS = """
OPTIONAL MATCH (k)-[:ACTS_FOR]->(m:Member)
RETURN k.id AS id, k.role AS role, k.digest AS digest, k.created AS created, m.id AS member,
       coalesce(k.kind, 'api') AS kind, k.expires AS expires
"""

# Every request looks its key up: by the unique id, so through the constraint's index.
READ_KEY = "MATCH (k:ApiKey {id: $id})" + _KEY_FIELDS

READ_KEYS = "MATCH (k:ApiKey)" + _KEY_FIELDS + "ORDER BY id"

REMOVE_EXPIRED_KEYS = """
MATCH (k:ApiKey) WHERE k.expires IS NOT NULL AND datetime(k.expires) <= datetime($now)
DETACH DELETE k
RETURN count(*) AS deleted
"""

REVOKE_KEY = """
MATCH (k:ApiKey {id: $id})
DETACH DELETE k
RETURN count(*) AS deleted
"""


# One counter node, raised at the end of every write transaction, so it is locked only from
# then until that transaction commits. ``SET r.n = r.n + 1`` reads n under the write lock (a
# direct dependency), so concurrent writers each get a value of their own. The epoch tells a
# counter made anew, after the store was emptied, from the old one.
# The revision's counter, and what the write changed under its new value (graph_schema.changes);
# changes older than $cutoff leave the feed.
RECORD_CHANGE = """
MERGE (r:Revision {id: 0}) ON CREATE SET r.n = 0, r.epoch = randomUUID()
SET r.n = r.n + 1
CREATE (:Change {revision: r.n, at: $at, what: $what})
WITH r
CALL () { MATCH (old:Change) WHERE old.at < $cutoff DELETE old }
RETURN r.n AS n
"""
READ_REVISION = """
OPTIONAL MATCH (r:Revision {id: 0})
RETURN coalesce(r.epoch, '') AS epoch, coalesce(r.n, 0) AS n
"""
READ_CHANGES = """
OPTIONAL MATCH (r:Revision {id: 0})
WITH coalesce(r.epoch, '') AS epoch, coalesce(r.n, 0) AS n
OPTIONAL MATCH (c:Change) WHERE $since < c.revision <= n
WITH epoch, n, c ORDER BY c.revision
RETURN epoch, n, collect(CASE WHEN c IS NOT NULL THEN [c.revision, c.what] END) AS rows
"""
