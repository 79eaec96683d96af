"""The Neo4j store: the system of record for real deployments (Neo4j 5.26 LTS and later).

Reads go through ``execute_query`` routed to readers; every write is one managed transaction
(``execute_write``), so the driver retries it on transient failures and a refused or failed
write leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from typing import Any, TypeVar

import neo4j
import numpy as np
from neo4j import GraphDatabase, ManagedTransaction, RoutingControl
from neo4j.exceptions import DriverError

from graph_schema import cypher
from graph_schema.changes import CHANGE_WINDOW, Changes, OwnRevisions, followed, tie_key
from graph_schema.neo4j_errors import Outage, translated
from graph_schema.schema import MIGRATIONS
from graph_schema.store import (
    Kind,
    Progress,
    R,
    Store,
    connection_from_row,
    group_from_row,
    member_from_row,
    member_row,
    same_id,
    shared_names,
    shared_skill,
)
from graph_schema.ties import TieColumns
from models import ApiKey, Community, Connection, Feedback, Group, Member, Skill, TermKind, Topic
from models.errors import (
    ConflictError,
    NotFoundError,
    StoreUnavailableError,
)

__all__ = ["Neo4jStore"]

_BATCH = 500
_BYTES_PAGE = 5_000  # vectors read and given their bytes per transaction by migration 9
_EMBEDDING_BYTES_MIGRATION = 9
SEARCH_BREADTH = 250
"""Candidates the vector index explores per query at least. The index explores only as many
as it is asked for, and at 100 it still missed true nearest neighbours on a 400-member
community; see benchmarks/search_speed.py for its recall against exact search."""
_T = TypeVar("_T")


def _native(value: Any) -> Any:
    """Neo4j temporal values as Python's own, everything else unchanged."""
    return value.to_native() if hasattr(value, "to_native") else value


def _batches(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), _BATCH):
        yield rows[start : start + _BATCH]


def _member_params(member: Member) -> dict[str, Any]:
    props = member_row(member)
    return {
        "id": member.id,
        "props": props,
        "organisation": member.organisation,
        "skills": [{"name": s.name, "level": s.level, "rank": i}
                   for i, s in enumerate(member.skills)],
        "interests": [{"name": t, "rank": i} for i, t in enumerate(member.interests)],
        "wants": [{"name": s, "rank": i} for i, s in enumerate(member.wants_to_learn)],
    }


def _group_params(group: Group) -> dict[str, Any]:
    people = [("member", m) for m in group.members] + [("coordinator", c)
                                                      for c in group.coordinators]
    return {
        "id": group.id,
        "name": group.name,
        "description": group.description,
        "extra": json.dumps(group.model_extra, ensure_ascii=False) if group.model_extra else None,
        "topics": [{"name": t, "rank": i} for i, t in enumerate(group.topics)],
        "people": [{"id": pid, "role": role, "rank": i} for i, (role, pid) in enumerate(people)],
    }


def _rows(records: Iterable[neo4j.Record]) -> Iterator[list[Any]]:
    """The rows of a query that sends them in chunks (see cypher._IN_CHUNKS)."""
    for record in records:
        yield from record["rows"]


def _vector(stored: bytes | list[float]) -> np.ndarray:
    """An embedding as a store query gives it back: its bytes (as a read-only view), or
    (written without them) its list of numbers."""
    if isinstance(stored, bytes | bytearray):
        return np.frombuffer(stored, dtype="<f4")
    return np.array(stored, dtype=np.float32)


def _as_members(records: Iterable[neo4j.Record]) -> list[Member]:
    return [member_from_row(props, organisation, [shared_skill(*s) for s in skills],
                            shared_names(interests), shared_names(wants))
            for props, organisation, skills, interests, wants in _rows(records)]


def _as_groups(records: Iterable[neo4j.Record]) -> list[Group]:
    return [group_from_row(r["props"], r["topics"], r["people"]) for r in records]


class Neo4jStore(Store):
    """A community kept in the Neo4j database at ``uri`` (``bolt://`` or ``neo4j://``)."""

    reads_at_once = True

    def __init__(
        self,
        uri: str,
        *,
        auth: tuple[str, str] | None = None,
        database: str | None = None,
    ) -> None:
        self.location = uri
        self._database = database
        self._epoch_lock = threading.Lock()
        self._epoch = ""  # of the revision counter last read: a new one means a new store
        self._own = OwnRevisions()
        try:
            # Short timeouts: while the server is down a caller hears so within seconds (and a
            # service answers 503) instead of waiting out the driver's 30 s retry budget.
            self._driver = GraphDatabase.driver(
                uri, auth=auth, notifications_min_severity="OFF", connection_timeout=5,
                max_transaction_retry_time=5)
        except (DriverError, ValueError) as exc:
            raise StoreUnavailableError(f"cannot use Neo4j at {uri}: {exc}") from exc
        self._outage = Outage(self._answers)
        # Fail at once with a clear message rather than after the driver's retry budget.
        try:
            with self._errors():
                self._driver.verify_connectivity()
        except BaseException:
            self.close()
            raise

    def _answers(self) -> None:
        """Raise unless the database answers a query now (no retries)."""
        with self._driver.session(database=self._database) as session:
            session.run("RETURN 1").consume()

    def _errors(self) -> AbstractContextManager[None]:
        return translated(self.location, self._outage)

    def _read(self, query: str, *, routing: RoutingControl = RoutingControl.READ,
              **params: Any) -> list[neo4j.Record]:
        with self._errors():
            records, _, _ = self._driver.execute_query(
                query, params, routing_=routing, database_=self._database
            )
        return records

    def _transaction(self, work: Callable[[ManagedTransaction], _T],
                     changed: Changes | None) -> _T:
        """Run ``work`` as one write transaction. One that ``changed`` community data (any
        write but of keys and the schema) raises the revision and records the change in the
        feed; the revisions this process gave are kept, to leave them out of what it follows."""
        def then_record(tx: ManagedTransaction) -> tuple[_T, int | None]:
            done = work(tx)
            if changed is None:
                return done, None
            now = dt.datetime.now(dt.UTC)
            return done, tx.run(cypher.RECORD_CHANGE, at=now, cutoff=now - CHANGE_WINDOW,
                                what=changed.to_json()).single(strict=True)["n"]

        with self._errors(), self._driver.session(database=self._database) as session:
            done, revision = session.execute_write(then_record)
        if revision is not None:
            self._own.add(revision)
        return done

    # The revision and the feed are read from the leader, so a lagging secondary cannot hide
    # a change; the records a follower then reads wait for the secondary to catch up, as the
    # driver's bookmarks chain each query after the last.
    def revision(self) -> int:
        record = self._read(cypher.READ_REVISION, routing=RoutingControl.WRITE)[0]
        with self._epoch_lock:
            self._epoch = record["epoch"]
        return record["n"]

    def changes_since(self, revision: int) -> tuple[int, Changes] | None:
        record = self._read(cypher.READ_CHANGES, routing=RoutingControl.WRITE, since=revision)[0]
        now = record["n"]
        with self._epoch_lock:
            epoch, self._epoch = self._epoch, record["epoch"]
        if epoch and epoch != record["epoch"]:  # the counter is gone or new: store emptied
            return None
        return followed(revision, now, record["rows"], self._own.current())

    # -- schema ---------------------------------------------------------------------------

    def schema_version(self) -> int:
        return self._read(cypher.APPLIED_MIGRATIONS)[0]["version"]

    def migrate(self) -> list[int]:
        applied = []
        current = self.schema_version()
        for migration in MIGRATIONS:
            if migration.version <= current:
                continue
            # Schema changes cannot share a transaction with data writes: one auto-commit each.
            with self._errors(), self._driver.session(database=self._database) as session:
                for statement in migration.cypher:
                    session.run(statement).consume()
            if migration.version == _EMBEDDING_BYTES_MIGRATION:
                self._keep_embedding_bytes()
            # Schema changes are not community changes (and migration 5 makes the counter).
            self._transaction(lambda tx, m=migration: tx.run(
                cypher.RECORD_MIGRATION, version=m.version, description=m.description
            ).consume(), None)
            applied.append(migration.version)
        return applied

    def _keep_embedding_bytes(self) -> None:
        """Write the bytes of each vector stored without them, a page at a time (migration 9).
        No revision moves: what a snapshot reads is the same vector, so nothing changed."""
        for kind, unkept in cypher.VECTORS_WITHOUT_BYTES.items():
            after = ""
            while page := self._read(unkept, after=after, limit=_BYTES_PAGE):
                rows = [{"key": r["key"], "model": r["model"], "hash": r["hash"],
                         "bytes": np.asarray(r["vector"], dtype="<f4").tobytes()} for r in page]
                self._transaction(lambda tx, kind=kind, rows=rows: tx.run(
                    cypher.KEEP_BYTES[kind], rows=rows).consume(), None)
                after = page[-1]["key"]

    # -- writes ---------------------------------------------------------------------------

    def missing_members(self, ids: Iterable[str]) -> set[str]:
        wanted = sorted(set(ids))
        if not wanted:
            return set()
        return set(self._read(cypher.MISSING_MEMBERS, ids=wanted)[0]["missing"])

    def _write(self, community: Community, progress: Progress) -> None:
        self._transaction(lambda tx: self._upsert(tx, community, progress),
                          Changes.of_write(community))

    def _upsert(self, tx: ManagedTransaction, community: Community,
                progress: Progress | None = None) -> None:
        """Upsert ``community`` within the transaction ``tx``."""
        steps: list[tuple[str, list[dict[str, Any]]]] = [
            (cypher.WRITE_TOPICS, [t.model_dump() for t in community.topics]),
            (cypher.LINK_TOPICS, [t.model_dump() for t in community.topics if t.parent]),
            (cypher.WRITE_SKILLS, [s.model_dump() for s in community.skills]),
            (cypher.LINK_SKILLS, [s.model_dump() for s in community.skills if s.parent]),
            (cypher.WRITE_MEMBERS, [_member_params(m) for m in community.members]),
            (cypher.WRITE_CONNECTIONS, [t.model_dump() for t in community.connections]),
            (cypher.WRITE_GROUPS, [_group_params(g) for g in community.groups]),
        ]
        total = sum(len(rows) for _, rows in steps)
        done = 0
        organisations = {m.organisation for m in community.members if m.organisation}
        for query, rows in steps:
            for batch in _batches(rows):
                result = tx.run(query, rows=batch)
                if query is cypher.WRITE_MEMBERS:
                    organisations.update(result.single(strict=True)["former"])
                else:
                    result.consume()
                done += len(batch)
                if progress:
                    progress(done, total)
        self._tidy(tx, organisations)

    def _updated(self, tx: ManagedTransaction, label: str, key: str,
                 read: Callable[[], list[R]], change: Callable[[R], R]) -> R:
        """Lock the record, read it, change it and write it back, all in ``tx``."""
        if not tx.run(cypher.LOCK[label], id=key).single(strict=True)["found"]:
            raise NotFoundError(label.lower(), key)
        updated = same_id(change(read()[0]), key)
        self._upsert(tx, Community(members=[updated]) if isinstance(updated, Member)
                     else Community(groups=[updated]))
        return updated

    @staticmethod
    def _tidy(tx: ManagedTransaction, organisations: Iterable[str]) -> None:
        tx.run(cypher.REFRESH_REGIONS, organisations=sorted(organisations)).consume()
        for query in cypher.REMOVE_ORPHANS:
            tx.run(query).consume()

    # -- reads ----------------------------------------------------------------------------

    def _members(self, *, ids: list[str] | None = None, page: tuple[int, int] | None = None,
                 **filters: str | None) -> list[Member]:
        params = {"role": None, "region": None, "organisation": None, **filters}
        if page is None:
            records = self._read(cypher.READ_MEMBERS, ids=ids, **params)
        else:
            records = self._read(cypher.READ_MEMBERS_PAGE, ids=ids, offset=page[0],
                                 limit=page[1], **params)
        return _as_members(records)

    def update_member(self, member_id: str, change: Callable[[Member], Member]) -> Member:
        def work(tx: ManagedTransaction) -> Member:
            return self._updated(tx, "Member", member_id, lambda: _as_members(tx.run(
                cypher.READ_MEMBERS, ids=[member_id], role=None, region=None,
                organisation=None)), change)

        return self._transaction(work, Changes(members=frozenset([member_id])))

    def get_members(self, member_ids: Iterable[str]) -> list[Member]:
        return self._members(ids=sorted(set(member_ids)))

    def get_member(self, member_id: str) -> Member:
        found = self._members(ids=[member_id])
        if not found:
            raise NotFoundError("member", member_id)
        return found[0]

    def list_members(
        self,
        *,
        offset: int = 0,
        limit: int = 100,
        role: str | None = None,
        region: str | None = None,
        organisation: str | None = None,
    ) -> list[Member]:
        return self._members(page=(offset, limit), role=role, region=region,
                             organisation=organisation)

    def members(self) -> list[Member]:
        return self._members()

    def connections(self, member_id: str | None = None) -> list[Connection]:
        return [connection_from_row(*row)
                for row in _rows(self._read(cypher.READ_CONNECTIONS, member=member_id))]

    def tie_columns(self) -> TieColumns:
        record = self._read(cypher.TIE_COLUMNS)[0]
        return TieColumns(record["sources"], record["targets"],
                          *([value or None for value in record[column]]
                            for column in ("kinds", "dates")))

    def groups(self) -> list[Group]:
        return self._groups()

    def _groups(self, group_id: str | None = None) -> list[Group]:
        return _as_groups(self._read(cypher.READ_GROUPS, id=group_id))

    def update_group(self, group_id: str, change: Callable[[Group], Group]) -> Group:
        def work(tx: ManagedTransaction) -> Group:
            def checked(group: Group) -> Group:
                updated = change(group)
                missing = tx.run(cypher.MISSING_MEMBERS, ids=sorted(
                    {*updated.members, *updated.coordinators})).single(strict=True)["missing"]
                if missing:
                    raise ConflictError(f"unknown member {sorted(missing)[0]!r}")
                return updated

            return self._updated(tx, "Group", group_id, lambda: _as_groups(tx.run(
                cypher.READ_GROUPS, id=group_id)), checked)

        return self._transaction(work, Changes(groups=frozenset([group_id])))

    def get_group(self, group_id: str) -> Group:
        found = self._groups(group_id)
        if not found:
            raise NotFoundError("group", group_id)
        return found[0]

    def terms(self, kind: TermKind) -> list[Topic] | list[Skill]:
        label, model = ("Topic", Topic) if kind == "topic" else ("Skill", Skill)
        return [model.model_validate(dict(r)) for r in self._read(cypher.READ_TERMS, label=label)]

    def vocabulary(self, kind: TermKind) -> list[tuple[str, str | None]]:
        label = "Topic" if kind == "topic" else "Skill"
        return [(r["name"], r["description"])
                for r in self._read(cypher.READ_VOCABULARY, label=label)]

    def stats(self) -> dict[str, int]:
        return dict(self._read(cypher.STATS)[0])

    # -- feedback on suggestions ----------------------------------------------------------

    def record_feedback(self, feedback: Feedback) -> None:
        def work(tx: ManagedTransaction) -> None:
            found = tx.run(cypher.RECORD_FEEDBACK[feedback.target_kind],
                           **feedback.model_dump(exclude={"target_kind"})).single(strict=True)
            if not found["member"]:
                raise NotFoundError("member", feedback.member)
            if not found["target"]:
                raise NotFoundError(feedback.target_kind, feedback.target)

        self._transaction(work, Changes(feedback=frozenset([(feedback.member,
                                                              feedback.target)])))

    def feedback(self, member_id: str | None = None) -> list[Feedback]:
        return [Feedback.model_validate({**dict(r), "at": _native(r["at"])})
                for r in self._read(cypher.READ_FEEDBACK, member=member_id)]

    # -- API keys -------------------------------------------------------------------------

    def add_key(self, key: ApiKey) -> None:
        def work(tx: ManagedTransaction) -> None:
            params = key.model_dump(mode="json")
            if tx.run(cypher.ADD_KEY, **params).single(strict=True)["added"] == 0:
                raise NotFoundError("member", key.member or "")

        self._transaction(work, None)  # keys are not community data

    def get_key(self, key_id: str) -> ApiKey:
        found = self._read(cypher.READ_KEY, id=key_id)
        if not found:
            raise NotFoundError("key", key_id)
        return ApiKey.model_validate(dict(found[0]))

    def api_keys(self) -> list[ApiKey]:
        return [ApiKey.model_validate(dict(r)) for r in self._read(cypher.READ_KEYS)]

    def remove_expired_keys(self, now: dt.datetime) -> int:
        def work(tx: ManagedTransaction) -> int:
            return tx.run(cypher.REMOVE_EXPIRED_KEYS,
                          now=now.isoformat()).single(strict=True)["deleted"]

        return self._transaction(work, None)

    def revoke_key(self, key_id: str) -> None:
        self._delete_one(cypher.REVOKE_KEY, "key", key_id, None, id=key_id)

    # -- embeddings -----------------------------------------------------------------------

    def embedding_state(self, kind: Kind) -> dict[str, tuple[str, str]]:
        return {r["key"]: (r["model"], r["hash"])
                for r in self._read(cypher.EMBEDDING_STATE[kind])}

    def write_embeddings(self, kind: Kind, model_id: str, keys: list[str], hashes: list[str],
                         vectors: np.ndarray) -> None:
        rows = [{"key": key, "hash": digest, "vector": vector.tolist(),
                 "bytes": np.asarray(vector, dtype="<f4").tobytes()}
                for key, digest, vector in zip(keys, hashes, vectors, strict=True)]

        def work(tx: ManagedTransaction) -> None:
            for batch in _batches(rows):
                tx.run(cypher.WRITE_EMBEDDINGS[kind], rows=batch, model=model_id).consume()

        self._transaction(work, Changes.of_vectors(kind, keys))

    def remove_embeddings(self, kind: Kind, keys: Iterable[str]) -> None:
        wanted = list(keys)
        self._transaction(lambda tx: tx.run(cypher.REMOVE_EMBEDDINGS[kind],
                                            keys=wanted).consume(),
                          Changes.of_vectors(kind, wanted))

    def vectors(self, kind: Kind, model_id: str, keys: Iterable[str]) -> dict[str, np.ndarray]:
        return {r["key"]: np.array(_vector(r["vector"]))  # a copy of its own, as if read as a list
                for r in self._read(cypher.READ_VECTORS[kind], model=model_id,
                                    keys=sorted(set(keys)))}

    def embeddings(self, kind: Kind, model_id: str) -> tuple[list[str], np.ndarray]:
        rows = list(_rows(self._read(cypher.READ_EMBEDDINGS[kind], model=model_id)))
        if not rows:
            return [], np.zeros((0, 0), dtype=np.float32)
        matrix = np.empty((len(rows), len(_vector(rows[0][1]))), dtype=np.float32)
        for i, (_, vector) in enumerate(rows):
            matrix[i] = _vector(vector)
        return [key for key, _ in rows], matrix

    def nearest(self, kind: Kind, vector: np.ndarray, k: int,
                model_id: str) -> list[tuple[str, float]]:
        if k <= 0:
            return []
        records = self._read(cypher.NEAREST[kind], k=k, breadth=max(k, SEARCH_BREADTH),
                             model=model_id, vector=np.asarray(vector, dtype=np.float32).tolist())
        return [(r["key"], float(r["cosine"])) for r in records]

    # -- deletes --------------------------------------------------------------------------

    def delete_member(self, member_id: str) -> None:
        def work(tx: ManagedTransaction) -> None:
            record = tx.run(cypher.DELETE_MEMBER, id=member_id).single()
            if record is None:
                raise NotFoundError("member", member_id)
            self._tidy(tx, record["organisations"])
            # The feed keeps whom they were tied to, unless told.
            named = tx.run(cypher.CHANGES_NAMING, needle=json.dumps(member_id))
            tx.run(cypher.REWRITE_CHANGES, rows=[
                {"revision": r["revision"],
                 "what": Changes.of_json(r["what"]).without(member_id).to_json()}
                for r in named])

        self._transaction(work, Changes(members=frozenset([member_id]),
                                       erased=frozenset([member_id])))

    def _delete_one(self, query: str, kind: str, key: str, changed: Changes | None,
                    **params: str) -> None:
        def work(tx: ManagedTransaction) -> None:
            if tx.run(query, **params).single(strict=True)["deleted"] == 0:
                raise NotFoundError(kind, key)
            self._tidy(tx, ())

        self._transaction(work, changed)

    def delete_connection(self, a: str, b: str) -> None:
        self._delete_one(cypher.DELETE_CONNECTION, "connection", f"{a}–{b}",
                         Changes(ties=frozenset([tie_key(a, b)])), a=a, b=b)

    def delete_group(self, group_id: str) -> None:
        self._delete_one(cypher.DELETE_GROUP, "group", group_id,
                         Changes(groups=frozenset([group_id])), id=group_id)

    def close(self) -> None:
        self._outage.close()
        self._driver.close()

