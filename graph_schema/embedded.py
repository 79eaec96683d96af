"""The embedded store: the whole community in one SQLite file, no server needed.

SQLite in WAL mode with ``synchronous=FULL``: a write that returned has reached the disk, and
readers never block the writer. One connection is shared by the process's threads behind a
lock, which is plenty for a community's write rate and keeps transactions simple.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing, contextmanager
from itertools import islice, pairwise
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from graph_schema.changes import CHANGE_WINDOW, Changes, OwnRevisions, followed, tie_key
from graph_schema.embedded_records import EmbeddedRecords
from graph_schema.embedded_vectors import EmbeddedVectors
from graph_schema.schema import MIGRATIONS
from graph_schema.store import (
    MEMBER_FIELDS,
    Progress,
    Store,
    connection_from_row,
    group_from_row,
    member_from_row,
    member_row,
    same_id,
    shared_skill,
)
from graph_schema.ties import TieColumns
from models import Community, Connection, Group, Member, Skill, TermKind, Topic
from models.errors import ConflictError, NotFoundError, StoreUnavailableError

__all__ = ["EmbeddedStore"]

T = TypeVar("T")

_BATCH = 1000
_MEMBER_COLUMNS = ("id", "organisation", *MEMBER_FIELDS, "extra")
# The names in use for each vocabulary: declared ones and those members and groups refer to.
_TERM_NAMES = {
    "topic": "SELECT name FROM topic UNION SELECT topic FROM member_interest "
             "UNION SELECT topic FROM group_topic",
    "skill": "SELECT name FROM skill UNION SELECT skill FROM member_skill "
             "UNION SELECT skill FROM member_wants",
}


def _listed(ids: pd.Index, columns: Sequence[str], item: Callable[..., T]) -> list[list[T]]:
    """Each member's list, in the order of ``ids``, from one child table read as JSON arrays a
    column (owner, rank, then the values, from which ``item`` makes each item).

    Read as rows in rank order, each row became a tuple and SQLite sorted them all by rank;
    arrays are decoded in C and put in order by numpy. With the faster member records, this
    took the store read of ``benchmarks/snapshot_build.py``'s 100,000-member stand-in from
    3.27 s to 2.50 s (medians of three rounds alternating with the code before)."""
    owners, ranks, *values = map(json.loads, columns)
    rows = ids.get_indexer(owners)  # -1: a member added since their row was read
    order = np.lexsort((ranks, rows))[np.count_nonzero(rows < 0):]
    items = list(map(item, *values))
    ordered = [items[i] for i in order.tolist()]
    ends = np.cumsum(np.bincount(rows[rows >= 0], minlength=len(ids))).tolist()
    return [ordered[start:end] for start, end in pairwise([0, *ends])]


def _chunks(rows: Sequence[Any], size: int = _BATCH) -> Iterator[Sequence[Any]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


@contextmanager
def _unavailable_when_locked_or_full(location: str) -> Iterator[None]:
    """A write that cannot be made for now, as the store's own error (the API's 503, the
    command line's message): another process held the file's write lock past the busy
    timeout, or the disk is full. SQLite has then changed nothing."""
    try:
        yield
    except sqlite3.OperationalError as exc:
        code = getattr(exc, "sqlite_errorcode", 0) & 0xFF  # the primary code of an extended one
        if code not in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_FULL):
            raise
        why = ("the disk is full" if code == sqlite3.SQLITE_FULL
               else "another process has been writing to it for too long")
        raise StoreUnavailableError(
            f"cannot write to the store at {location} now: {why}; nothing was changed") from exc


_MIGRATIONS_TABLE = ("CREATE TABLE IF NOT EXISTS schema_migration "
                     "(version INTEGER PRIMARY KEY, description TEXT, applied_at TEXT)")
_OWN_TABLES = frozenset(
    re.findall(r"CREATE TABLE IF NOT EXISTS (\w+)",
               " ".join([_MIGRATIONS_TABLE, *(sql for m in MIGRATIONS for sql in m.sql)])))
"""Every table a qconnect store may hold: a database with any other is not one."""


def _refuse_foreign(db: sqlite3.Connection, file: Path) -> None:
    """Refuse a database that holds a table qconnect does not make, or qconnect's migrations
    table made otherwise: another application's file, named by mistake."""
    tables = {name for (name,) in db.execute(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")}
    foreign = sorted(tables - _OWN_TABLES)
    columns = [(name, kind) for _, name, kind, *_ in db.execute(
        "PRAGMA table_info(schema_migration)")]
    if columns and columns != [("version", "INTEGER"), ("description", "TEXT"),
                               ("applied_at", "TEXT")]:
        foreign.append("schema_migration")
    if foreign:
        shown = ", ".join(foreign[:5]) + (", …" if len(foreign) > 5 else "")
        raise ConflictError(f"the file {file} is a database qconnect did not make (it has the "
                            f"tables {shown}); give qconnect a store file of its own")


def _refuse_foreign_unread(file: Path) -> None:
    """:func:`_refuse_foreign` on the file before it is opened to write: read-only, so a
    write-ahead log another program left is read but not checkpointed into the file; failing
    that (a rollback journal left mid-write, which a reader would have to replay), as
    immutable, the file alone. A foreign file is then refused with no byte of it, or beside
    it, changed."""
    if not file.is_file() or not file.stat().st_size:
        return
    for how in ("mode=ro", "immutable=1"):
        try:
            with closing(sqlite3.connect(f"{file.resolve().as_uri()}?{how}", uri=True)) as db:
                _refuse_foreign(db, file)
                return
        except sqlite3.Error:
            continue  # not readable so: opening it says why


class EmbeddedStore(EmbeddedRecords, EmbeddedVectors, Store):
    """A community stored in the SQLite file at ``path`` (created, with its folder, if new and
    ``create`` is on; else a missing file is a :class:`NotFoundError`)."""

    def __init__(self, path: str | Path, *, create: bool = True) -> None:
        self.location = str(path)
        file = Path(path).expanduser()
        if not create and not file.is_file():
            raise NotFoundError("store", str(file), by="path")
        file.parent.mkdir(parents=True, exist_ok=True)
        try:
            _refuse_foreign_unread(file)
            self._db = sqlite3.connect(file, isolation_level=None, check_same_thread=False)
            try:
                # Again, for a file neither way of reading it unopened could read: what a
                # journal left beside it held, now replayed.
                _refuse_foreign(self._db, file)
                self._db.execute("PRAGMA journal_mode=WAL")
            except BaseException:
                self._db.close()
                raise
        except sqlite3.Error as exc:
            raise StoreUnavailableError(f"cannot open the store file {file}: {exc}") from exc
        self._db.execute("PRAGMA synchronous=FULL")
        # Deleted records are overwritten with zeros rather than left in free pages, so an
        # erased member cannot be read back from the file.
        self._db.execute("PRAGMA secure_delete=ON")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.execute("PRAGMA busy_timeout=10000")
        self._lock = threading.RLock()
        # kind -> (model id, keys, matrix): the contiguous matrix search runs over, valid while
        # no other connection has committed (SQLite's data_version is then unchanged).
        self._matrices: dict[str, tuple[str, list[str], np.ndarray]] = {}
        self._matrices_version = -1
        self._own = OwnRevisions()
        self._log_holds_erased = False  # a member deleted, the log not yet emptied

    @contextmanager
    def _transaction(self, changed: Changes | None) -> Iterator[sqlite3.Connection]:
        """One write transaction. One that ``changed`` community data (any write but of keys
        and the schema) raises the revision and records the change in the feed."""
        with self._lock, _unavailable_when_locked_or_full(self.location):
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
                revision = self._record(changed) if changed is not None else None
                self._db.execute("COMMIT")
            except BaseException:
                if self._db.in_transaction:  # SQLite ends it itself on some errors (disk full)
                    self._db.execute("ROLLBACK")
                raise
            if revision is not None:
                self._own.add(revision)

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        """One read transaction: what its statements read is as of one moment."""
        with self._lock:
            self._db.execute("BEGIN")
            try:
                yield self._db
            finally:
                self._db.execute("COMMIT")

    def _record(self, changed: Changes) -> int:
        """Raise the revision, record ``changed`` under it and forget changes older than the
        window; the new revision."""
        revision = self._db.execute("UPDATE revision SET n = n + 1 RETURNING n").fetchone()[0]
        now = dt.datetime.now(dt.UTC)
        self._db.execute("INSERT INTO change VALUES (?, ?, ?)",
                         (revision, now.isoformat(), changed.to_json()))
        self._db.execute("DELETE FROM change WHERE at < ?",
                         ((now - CHANGE_WINDOW).isoformat(),))
        return revision

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    # -- schema ---------------------------------------------------------------------------

    def _data_version(self) -> int:
        """A number that changes when another connection commits (its own commits do not)."""
        return self._db.execute("PRAGMA data_version").fetchone()[0]

    def revision(self) -> int:
        return self._query("SELECT n FROM revision")[0][0]

    def changes_since(self, revision: int) -> tuple[int, Changes] | None:
        with self._reading() as db:  # the revision and its changes as of one moment
            now = db.execute("SELECT n FROM revision").fetchone()[0]
            rows = db.execute(
                "SELECT revision, what FROM change WHERE revision > ? ORDER BY revision",
                (revision,)).fetchall()
        return followed(revision, now, rows, self._own.current())

    def schema_version(self) -> int:
        with self._lock:
            if not self._db.execute("SELECT 1 FROM sqlite_schema WHERE type = 'table' "
                                    "AND name = 'schema_migration'").fetchone():
                return 0
            return self._db.execute("SELECT coalesce(max(version), 0) FROM schema_migration")\
                .fetchone()[0]

    def migrate(self) -> list[int]:
        applied = []
        with self._lock:
            current = self.schema_version()
            if current == 0:
                self._db.execute(_MIGRATIONS_TABLE)
            for migration in MIGRATIONS:
                if migration.version <= current:
                    continue
                with self._transaction(None) as db:
                    for statement in migration.sql:
                        db.execute(statement)
                    db.execute(
                        "INSERT INTO schema_migration VALUES (?, ?, ?)",
                        (migration.version, migration.description, dt.datetime.now(dt.UTC)
                         .isoformat(timespec="seconds")),
                    )
                applied.append(migration.version)
        return applied

    # -- writes ---------------------------------------------------------------------------

    def missing_members(self, ids: Iterable[str]) -> set[str]:
        wanted = sorted(set(ids))
        if not wanted:
            return set()
        found = self._query(
            "SELECT id FROM member WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(wanted),),
        )
        return set(wanted) - {row[0] for row in found}

    def _write(self, community: Community, progress: Progress) -> None:
        total = sum(len(part) for part in (community.topics, community.skills,
                                           community.members, community.connections,
                                           community.groups))
        done = 0
        try:
            with self._transaction(Changes.of_write(community)) as db:
                for table, terms in (("topic", community.topics), ("skill", community.skills)):
                    self._write_terms(db, table, terms)
                    done += len(terms)
                for chunk in _chunks(community.members):
                    self._write_members(db, chunk)
                    done += len(chunk)
                    progress(done, total)
                for chunk in _chunks(community.connections):
                    self._write_connections(db, chunk)
                    done += len(chunk)
                    progress(done, total)
                for group in community.groups:
                    self._write_group(db, group)
                    done += 1
                progress(total, total)
        except sqlite3.IntegrityError as exc:
            raise ConflictError(f"write refused, nothing changed: {exc}") from exc

    @staticmethod
    def _write_terms(db: sqlite3.Connection, table: str, terms: Sequence[Topic | Skill]) -> None:
        db.executemany(
            f"INSERT INTO {table} (name, id, description, parent) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(name) DO UPDATE SET id=excluded.id, description=excluded.description, "
            "parent=excluded.parent",
            [(t.name, t.id, t.description, t.parent) for t in terms],
        )

    @staticmethod
    def _write_members(db: sqlite3.Connection, members: Sequence[Member]) -> None:
        columns = ", ".join(_MEMBER_COLUMNS)
        updates = ", ".join(f"{c}=excluded.{c}" for c in _MEMBER_COLUMNS[1:])
        rows = []
        for m in members:
            row = member_row(m)
            row["joined"] = m.joined.isoformat() if m.joined else None
            rows.append((m.id, m.organisation, *(row[c] for c in _MEMBER_COLUMNS[2:])))
        db.executemany(
            f"INSERT INTO member ({columns}) VALUES ({', '.join('?' * len(_MEMBER_COLUMNS))}) "
            f"ON CONFLICT(id) DO UPDATE SET {updates}",
            rows,
        )
        ids = [(m.id,) for m in members]
        for table in ("member_skill", "member_interest", "member_wants"):
            db.executemany(f"DELETE FROM {table} WHERE member_id = ?", ids)
        db.executemany(
            "INSERT INTO member_skill VALUES (?, ?, ?, ?)",
            [(m.id, s.name, s.level, i) for m in members for i, s in enumerate(m.skills)],
        )
        db.executemany(
            "INSERT INTO member_interest VALUES (?, ?, ?)",
            [(m.id, t, i) for m in members for i, t in enumerate(m.interests)],
        )
        db.executemany(
            "INSERT INTO member_wants VALUES (?, ?, ?)",
            [(m.id, s, i) for m in members for i, s in enumerate(m.wants_to_learn)],
        )

    @staticmethod
    def _write_connections(db: sqlite3.Connection, ties: Sequence[Connection]) -> None:
        db.executemany(
            "INSERT INTO connection VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(a, b) DO UPDATE SET kind=excluded.kind, since=excluded.since",
            [
                (*sorted((t.source, t.target)), t.source, t.target, t.kind,
                 t.since.isoformat() if t.since else None)
                for t in ties
            ],
        )

    @staticmethod
    def _write_group(db: sqlite3.Connection, group: Group) -> None:
        extra = json.dumps(group.model_extra, ensure_ascii=False) if group.model_extra else None
        db.execute(
            "INSERT INTO community_group VALUES (?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
            "name=excluded.name, description=excluded.description, extra=excluded.extra",
            (group.id, group.name, group.description, extra),
        )
        db.execute("DELETE FROM group_topic WHERE group_id = ?", (group.id,))
        db.execute("DELETE FROM group_member WHERE group_id = ?", (group.id,))
        db.executemany(
            "INSERT INTO group_topic VALUES (?, ?, ?)",
            [(group.id, topic, i) for i, topic in enumerate(group.topics)],
        )
        roles = [(m, "member") for m in group.members] + [(c, "coordinator")
                                                          for c in group.coordinators]
        db.executemany(
            "INSERT INTO group_member VALUES (?, ?, ?, ?)",
            [(group.id, member, role, i) for i, (member, role) in enumerate(roles)],
        )

    # -- reads ----------------------------------------------------------------------------

    def _members(self, where: str = "", params: Sequence[Any] = (), page: str = "") -> list[Member]:
        columns = ", ".join(_MEMBER_COLUMNS)
        # Every member's lists at once when all are read, else those of the members found.
        chosen = "WHERE member_id IN (SELECT value FROM json_each(?))" if where or page else ""
        with self._lock:
            rows = self._db.execute(
                f"SELECT {columns} FROM member {where} ORDER BY id {page}", params
            ).fetchall()
            ids = pd.Index([row[0] for row in rows])
            chosen_ids = (json.dumps(ids.tolist()),) if chosen else ()
            skills, interests, wants = (
                _listed(ids, self._db.execute(
                    f"SELECT {', '.join(f'json_group_array({c})' for c in listed)} "
                    f"FROM {table} {chosen}", chosen_ids).fetchone(), item)
                for table, listed, item in (
                    ("member_skill", ("member_id", "rank", "skill", "level"), shared_skill),
                    ("member_interest", ("member_id", "rank", "topic"), sys.intern),
                    ("member_wants", ("member_id", "rank", "skill"), sys.intern)))
        return [member_from_row(dict(zip(_MEMBER_COLUMNS, row, strict=True)), row[1],
                                member_skills, member_interests, member_wants)
                for row, member_skills, member_interests, member_wants
                in zip(rows, skills, interests, wants, strict=True)]

    def get_members(self, member_ids: Iterable[str]) -> list[Member]:
        return self._members("WHERE id IN (SELECT value FROM json_each(?))",
                             (json.dumps(sorted(set(member_ids))),))

    def get_member(self, member_id: str) -> Member:
        found = self._members("WHERE id = ?", (member_id,))
        if not found:
            raise NotFoundError("member", member_id)
        return found[0]

    def update_member(self, member_id: str, change: Callable[[Member], Member]) -> Member:
        # BEGIN IMMEDIATE takes the file's write lock first, so what is read is what is replaced.
        with self._transaction(Changes(members=frozenset([member_id]))) as db:
            found = self._members("WHERE id = ?", (member_id,))
            if not found:
                raise NotFoundError("member", member_id)
            updated = same_id(change(found[0]), member_id)
            self._write_members(db, [updated])
        return updated

    def list_members(
        self,
        *,
        offset: int = 0,
        limit: int = 100,
        role: str | None = None,
        region: str | None = None,
        organisation: str | None = None,
    ) -> list[Member]:
        filters = {"role": role, "region": region, "organisation": organisation}
        chosen = {k: v for k, v in filters.items() if v is not None}
        where = " AND ".join(f"{k} = ?" for k in chosen)
        return self._members(f"WHERE {where}" if where else "",
                             (*chosen.values(), limit, offset), "LIMIT ? OFFSET ?")

    def members(self) -> list[Member]:
        return self._members()

    def connections(self, member_id: str | None = None) -> list[Connection]:
        where, params = ("WHERE a = ? OR b = ?", (member_id, member_id)) if member_id else ("", ())
        rows = self._query(
            f"SELECT source, target, kind, since FROM connection {where} ORDER BY source, target",
            params,
        )
        return [connection_from_row(*row) for row in rows]

    def tie_columns(self) -> TieColumns:
        # One JSON array a column, decoded in C: a row at a time took nearly three times as long.
        row = self._query("SELECT json_group_array(source), json_group_array(target), "
                          "json_group_array(kind), json_group_array(since) FROM connection")
        return TieColumns(*map(json.loads, row[0]))

    def get_group(self, group_id: str) -> Group:
        found = self._groups("WHERE id = ?", (group_id,))
        if not found:
            raise NotFoundError("group", group_id)
        return found[0]

    def groups(self) -> list[Group]:
        return self._groups()

    def update_group(self, group_id: str, change: Callable[[Group], Group]) -> Group:
        try:
            with self._transaction(Changes(groups=frozenset([group_id]))) as db:
                found = self._groups("WHERE id = ?", (group_id,))
                if not found:
                    raise NotFoundError("group", group_id)
                updated = same_id(change(found[0]), group_id)
                self._write_group(db, updated)
        except sqlite3.IntegrityError as exc:  # a member named who is not (or no longer) here
            raise ConflictError(f"write refused, nothing changed: {exc}") from exc
        return updated

    def _groups(self, where: str = "", params: Sequence[Any] = ()) -> list[Group]:
        with self._lock:
            rows = self._db.execute(
                f"SELECT id, name, description, extra FROM community_group {where} ORDER BY id",
                params,
            ).fetchall()
            ids = json.dumps([row[0] for row in rows])
            chosen = "WHERE group_id IN (SELECT value FROM json_each(?)) ORDER BY group_id, rank"
            topics = defaultdict(list)
            for group_id, topic in self._db.execute(
                f"SELECT group_id, topic FROM group_topic {chosen}", (ids,)
            ):
                topics[group_id].append(topic)
            people: dict[str, list[tuple[str, str]]] = defaultdict(list)
            for group_id, member_id, role in self._db.execute(
                f"SELECT group_id, member_id, role FROM group_member {chosen}", (ids,)
            ):
                people[group_id].append((member_id, role))
        return [group_from_row({"id": gid, "name": name, "description": description,
                                "extra": extra}, topics[gid], people[gid])
                for gid, name, description, extra in rows]

    def terms(self, kind: TermKind) -> list[Topic] | list[Skill]:
        model = Topic if kind == "topic" else Skill  # kept in the table named by the kind
        rows = self._query(f"SELECT id, name, description, parent FROM {kind} ORDER BY id")
        return [model(id=i, name=n, description=d, parent=p) for i, n, d, p in rows]

    def vocabulary(self, kind: TermKind) -> list[tuple[str, str | None]]:
        rows = self._query(
            f"SELECT n.name, t.description FROM ({_TERM_NAMES[kind]}) AS n "
            f"LEFT JOIN {kind} AS t ON t.name = n.name ORDER BY n.name"
        )
        return [(name, description) for name, description in rows]

    def stats(self) -> dict[str, int]:
        queries = {
            "members": "SELECT count(*) FROM member",
            "connections": "SELECT count(*) FROM connection",
            "groups": "SELECT count(*) FROM community_group",
            "memberships": "SELECT count(*) FROM group_member",
            "organisations": "SELECT count(DISTINCT organisation) FROM member",
            "regions": "SELECT count(DISTINCT region) FROM member",
            "topics": f"SELECT count(*) FROM ({_TERM_NAMES['topic']})",
            "skills": f"SELECT count(*) FROM ({_TERM_NAMES['skill']})",
            "feedback": "SELECT count(*) FROM feedback",
        }
        return {name: self._query(sql)[0][0] for name, sql in queries.items()}

    # -- deletes --------------------------------------------------------------------------

    def _delete(self, sql: str, params: Sequence[Any], kind: str, key: str,
                changed: Changes) -> None:
        with self._transaction(changed) as db:
            if db.execute(sql, params).rowcount == 0:
                raise NotFoundError(kind, key)
            if kind in ("member", "group"):
                # Feedback by a member cascades; feedback about a member or group has no key.
                db.execute("DELETE FROM feedback WHERE target_kind = ? AND target = ?",
                           (kind, key))
                db.execute("DELETE FROM embedding WHERE kind = ? AND key = ?", (kind, key))
                self._matrices.pop(kind, None)
            if kind == "member":  # the feed keeps whom they were tied to, unless told
                named = db.execute("SELECT revision, what FROM change WHERE instr(what, ?)",
                                   (json.dumps(key),)).fetchall()
                db.executemany("UPDATE change SET what = ? WHERE revision = ?",
                               [(Changes.of_json(what).without(key).to_json(), revision)
                                for revision, what in named])

    def delete_member(self, member_id: str) -> None:
        self._delete("DELETE FROM member WHERE id = ?", (member_id,), "member", member_id,
                     Changes(members=frozenset([member_id]), erased=frozenset([member_id])))
        self._log_holds_erased = True
        self._truncate_log()

    def _truncate_log(self) -> None:
        """Checkpoint the write-ahead log and empty it: until then it still holds pages as they
        were before a delete. A reader in another process can hold this up; a few seconds are
        waited for, then the next delete or closing the store finishes it."""
        for _ in range(50):
            busy, _, _ = self._query("PRAGMA wal_checkpoint(TRUNCATE)")[0]
            if not busy:
                self._log_holds_erased = False
                return
            time.sleep(0.1)

    def delete_connection(self, a: str, b: str) -> None:
        self._delete("DELETE FROM connection WHERE a = ? AND b = ?", sorted((a, b)),
                     "connection", f"{a}–{b}", Changes(ties=frozenset([tie_key(a, b)])))

    def delete_group(self, group_id: str) -> None:
        self._delete("DELETE FROM community_group WHERE id = ?", (group_id,), "group", group_id,
                     Changes(groups=frozenset([group_id])))

    def close(self) -> None:
        with self._lock:
            # Only when needed: emptying the log counts as a change to other connections.
            if self._log_holds_erased:
                self._truncate_log()
            self._db.close()
