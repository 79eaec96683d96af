"""The one interface every store offers, and the record handling they share.

A store holds the community graph. :meth:`Store.write` is the single write path for bulk
imports and single edits alike: it upserts everything in a :class:`~models.Community` in one
transaction, so a write either lands whole or changes nothing. A member or group that is
written replaces its stored skills, interests, wants and memberships; connections are upserted
by pair, so writing the same community twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import sys
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import cache, lru_cache, partial
from typing import Any, ClassVar, Literal, TypeVar

import numpy as np
from pydantic import BaseModel

from graph_schema.changes import Changes
from graph_schema.ties import TieColumns, Ties
from models import (
    ApiKey,
    Community,
    Connection,
    Consent,
    Feedback,
    Group,
    Member,
    Skill,
    SkillLevel,
    TermKind,
    Topic,
)
from models.errors import BusyError, ConflictError

__all__ = [
    "CONSENT_FIELDS",
    "EMBEDDED_KINDS",
    "EXPORT_ATTEMPTS",
    "MEMBER_FIELDS",
    "Kind",
    "Progress",
    "Store",
    "collector_paused",
    "connection_from_row",
    "copy_store",
    "group_from_row",
    "member_from_row",
    "member_row",
    "same_id",
    "shared_names",
    "shared_skill",
    "stored_date",
]

Kind = Literal["member", "group", "topic", "skill"]
EMBEDDED_KINDS: tuple[Kind, ...] = ("member", "group", "topic", "skill")
"""What carries an embedding; members and groups are keyed by id, topics and skills by name."""

EXPORT_ATTEMPTS = 3
"""How many times :meth:`Store.export` reads the community whole before it gives up on one that
other processes keep changing: a retry is a whole read again, and writes that come faster than
one mean no read would settle."""

Progress = Callable[[int, int], None]
"""Called as ``progress(done, total)`` while a long write runs."""

CONSENT_FIELDS = tuple(f"consent_{purpose}" for purpose in Consent.model_fields)
MEMBER_FIELDS = ("name", "role", "region", "bio", "open_to_connect", "visibility", "joined",
                 *CONSENT_FIELDS)
"""Scalar member fields kept as properties (consent flattened to one flag per purpose);
organisation and the lists live in the graph."""


def member_row(member: Member) -> dict[str, Any]:
    """The scalar properties of ``member`` as a store keeps them (extras as one JSON text)."""
    consent = {f"consent_{purpose}": given for purpose, given in member.consent}
    row = {field: consent[field] if field in consent else getattr(member, field)
           for field in MEMBER_FIELDS}
    extra = member.model_extra
    row["extra"] = json.dumps(extra, ensure_ascii=False) if extra else None
    return row


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector held off while a whole community is read, and what the read
    built handed straight to the collector's oldest generation.

    A read builds millions of objects that stay alive, and the collector, started after every
    few hundred new ones, would go over them again and again as they age through its
    generations: at 100,000 members, for as long as building them took. The records hold no
    reference cycles, so there is nothing in them for it to find. The collector is the
    process's: other threads' young objects reach the oldest generation too (and are collected
    there), and objects frozen on purpose elsewhere are left frozen.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        if not gc.get_freeze_count():
            gc.freeze()  # every object tracked, then all back into the oldest generation
            gc.unfreeze()
        gc.enable()


def stored_date(value: dt.date | str | None) -> dt.date | None:
    """A date as a store gives it back: ISO text or a date already."""
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


_Record = TypeVar("_Record", bound=BaseModel)
_Key = TypeVar("_Key")

# What a store reads back passed validation when it was written, so reads rebuild records
# without validating them again: at 100,000 members validation was most of reading the whole
# community. A record is restored as unpickling restores one (pydantic's __setstate__), in the
# state validation gave it, the fields it was given counted as set; model_construct would do
# the same several times slower. tests/test_trusted_reads.py checks that what every read
# gives back is what validating the same values gives.


def _restored(model: type[_Record], given: dict[str, Any], extra: dict[str, Any] | None = None,
              fields_set: set[str] | None = None) -> _Record:
    """A ``model`` with the fields ``given`` (those with a default factory among them) and the
    unknown fields ``extra``; other fields take their defaults."""
    record = model.__new__(model)
    record.__setstate__({
        "__dict__": {**_defaults(model), **given},
        "__pydantic_extra__": (extra or {}) if model.model_config.get("extra") == "allow"
        else None,
        "__pydantic_fields_set__": {*given, *(extra or ())} if fields_set is None
        else fields_set,
        "__pydantic_private__": None,
    })
    return record


@cache
def _defaults(model: type[BaseModel]) -> dict[str, Any]:
    """The model's fields in their order, each with its default (None if it has none)."""
    return {name: None if field.is_required() or field.default_factory else field.default
            for name, field in model.model_fields.items()}


# Skills and consents are frozen, and few distinct ones exist: members share them.
@lru_cache(maxsize=65536)
def shared_skill(name: str, level: int | None) -> SkillLevel:
    """The skill held at ``level``: one record for the members who hold it so (as long as
    the cache keeps it: the last 65,536 pairs used)."""
    return _restored(SkillLevel, {"name": name, "level": level})


@cache
def _consent(flags: tuple[bool | int | None, ...]) -> Consent:
    """The consent stored as ``flags``, one for each of CONSENT_FIELDS (None where unset)."""
    return _restored(Consent, {purpose: bool(flag) for purpose, flag
                               in zip(Consent.model_fields, flags, strict=True)
                               if flag is not None})


_TIE_FIELDS = {"source", "target", "kind", "since"}  # shared: connections are frozen


# Members share what many of them say alike: one string for each role, region, organisation,
# visibility, topic and skill named (sys.intern), one date object for each day joined, one set
# for each set of fields given. At 100,000 members this was 1.4 KiB of every member's 2.8 KiB.
# Records read back are never changed in place (snapshots share them), so sharing is safe.
_SHARED = ("role", "region", "visibility")


@cache
def _fields_set(given: frozenset[str]) -> set[str]:
    return set(given)


@lru_cache(maxsize=65536)
def _day(value: dt.date | str) -> dt.date | None:
    return stored_date(value)


def shared_names(names: Iterable[str]) -> list[str]:
    """``names``, each one string for every member who names it."""
    found = list(names)
    found[:] = map(sys.intern, found)  # in place: a list grown item by item is over-allocated
    return found


def member_from_row(
    props: Mapping[str, Any],
    organisation: str | None,
    skills: list[SkillLevel],
    interests: list[str],
    wants: list[str],
) -> Member:
    """Rebuild a member from the scalar properties (None where unset) and the lists a store
    read back, as validating them would. The lists are the member's own from now on, their
    items shared (:func:`shared_skill`, :func:`shared_names`): a store makes them as it reads
    them, which for a whole community can take each distinct item once."""
    get = props.get  # each field spelled out: a whole read rebuilds every member
    given = {field: value for field in ("id", "name", "bio") if (value := get(field)) is not None}
    for field in _SHARED:
        if (value := get(field)) is not None:
            given[field] = sys.intern(value)
    if (value := get("open_to_connect")) is not None:
        given["open_to_connect"] = bool(value)  # SQLite keeps 0 or 1
    if (value := get("joined")) is not None:
        given["joined"] = _day(value)
    given["organisation"] = organisation and sys.intern(organisation)
    given["skills"] = skills
    given["interests"] = interests
    given["wants_to_learn"] = wants
    given["consent"] = _consent(tuple(map(get, CONSENT_FIELDS)))
    extra = json.loads(text) if (text := get("extra")) else {}
    return _restored(Member, given, extra, _fields_set(frozenset([*given, *extra])))


def connection_from_row(source: str, target: str, kind: str | None,
                        since: dt.date | str | None) -> Connection:
    """Rebuild a connection from what a store read back, as validating it would."""
    return _restored(Connection, {"source": source, "target": target, "kind": kind,
                                  "since": stored_date(since)}, fields_set=_TIE_FIELDS)


def group_from_row(props: Mapping[str, Any], topics: list[str],
                   people: Iterable[tuple[str, str]]) -> Group:
    """Rebuild a group from its properties (None where unset; unknown fields as one JSON text
    under ``extra``), its topics and its ``(member, role)`` pairs, as validating them would."""
    data = {key: value for key, value in props.items() if value is not None and key != "extra"}
    extra = json.loads(props["extra"]) if props.get("extra") else {}
    people = list(people)
    return _restored(Group, {
        **data,
        "topics": topics,
        "members": [member for member, role in people if role == "member"],
        "coordinators": [member for member, role in people if role == "coordinator"],
    }, extra)


R = TypeVar("R", Member, Group)


def same_id(record: R, key: str) -> R:
    """``record``, the result of an update of ``key``; an update cannot change an id."""
    if record.id != key:
        raise ConflictError(f"an update cannot change an id ({key!r} to {record.id!r})")
    return record


class Store(ABC):
    """A community graph store (embedded file or Neo4j); use it as a context manager."""

    location: str
    reads_at_once: ClassVar[bool] = False
    """Whether independent reads are quicker run at once (a server, answering on all its
    cores) than one after another (one file behind one connection, where threads would only
    spread the memory of what they build over more of the allocator's arenas)."""

    def read_all(self, reads: Mapping[_Key, Callable[[], Any]]) -> dict[_Key, Any]:
        """The answer of each of the independent ``reads``, run at once if
        :attr:`reads_at_once`."""
        if not self.reads_at_once:
            return {key: read() for key, read in reads.items()}
        with ThreadPoolExecutor(max_workers=len(reads)) as pool:
            running = {key: pool.submit(read) for key, read in reads.items()}
            return {key: answer.result() for key, answer in running.items()}

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def write(self, community: Community, progress: Progress | None = None) -> None:
        """Upsert everything in ``community`` in one transaction.

        References to members outside ``community`` must already be in the store, else
        :class:`ConflictError` is raised and nothing changes.
        """
        written = {m.id for m in community.members}
        referenced = {m for tie in community.connections for m in (tie.source, tie.target)}
        for group in community.groups:
            referenced.update(group.members, group.coordinators)
        missing = self.missing_members(referenced - written)
        if missing:
            raise ConflictError(f"unknown member {sorted(missing)[0]!r}")
        self._write(community, progress or (lambda done, total: None))

    @abstractmethod
    def _write(self, community: Community, progress: Progress) -> None: ...

    @abstractmethod
    def missing_members(self, ids: Iterable[str]) -> set[str]:
        """Those of ``ids`` that are not members in the store."""

    @abstractmethod
    def migrate(self) -> list[int]:
        """Apply the schema migrations this store lacks; return the versions applied."""

    @abstractmethod
    def schema_version(self) -> int: ...

    def export(self, *, columns: bool = False, settled: bool = True) -> Community:
        """The whole community, in a stable order (ids ascending); with ``columns``, its
        ties as one :class:`~graph_schema.ties.Ties` table instead of records (what a snapshot
        keeps).

        Its parts are read in transactions of their own, so a write through another connection
        (another process) while they are read could leave, say, a tie to a member the members
        read did not find. Unless ``settled`` is False, the parts are read again until no such
        write came between the first and the last, :data:`EXPORT_ATTEMPTS` times at most, then
        :class:`BusyError`. A reader that takes in later writes anyway (a snapshot follows the
        change feed from the revision it read first) passes False."""
        if not settled:
            return self._read_whole(columns)
        for _ in range(EXPORT_ATTEMPTS):
            before = self.revision()
            community = self._read_whole(columns)
            found = self.changes_since(before)  # None: the feed no longer reaches back
            if found is not None and not found[1].community:
                return community
        raise BusyError(f"the community changed while it was read, {EXPORT_ATTEMPTS} times "
                        "over: try again when fewer writes are coming in")

    def _read_whole(self, columns: bool) -> Community:
        with collector_paused():
            read = self.read_all({
                "members": self.members,
                "connections": (lambda: Ties.of(self.tie_columns(), ordered=True)) if columns
                else self.connections,
                "groups": self.groups,
                "topics": partial(self.terms, "topic"),
                "skills": partial(self.terms, "skill")})
            # Not validated again: each record was when stored, and Community has no rule of
            # its own beyond its records'.
            return Community.model_construct(**read)

    @abstractmethod
    def stats(self) -> dict[str, int]:
        """Counts of members, connections, groups, memberships, organisations, regions, topics,
        skills and feedback."""

    @abstractmethod
    def get_member(self, member_id: str) -> Member:
        """The member, or :class:`NotFoundError`."""

    @abstractmethod
    def list_members(
        self,
        *,
        offset: int = 0,
        limit: int = 100,
        role: str | None = None,
        region: str | None = None,
        organisation: str | None = None,
    ) -> list[Member]:
        """A page of members ordered by id, optionally filtered by exact field values."""

    @abstractmethod
    def members(self) -> list[Member]:
        """Every member, ordered by id."""

    @abstractmethod
    def get_members(self, member_ids: Iterable[str]) -> list[Member]:
        """Those of ``member_ids`` that exist, ordered by id."""

    @abstractmethod
    def delete_member(self, member_id: str) -> None:
        """Remove the member with their connections, memberships, embedding, API keys and the
        feedback they gave or were given, or raise NotFoundError."""

    @abstractmethod
    def update_member(self, member_id: str, change: Callable[[Member], Member]) -> Member:
        """Replace the member with ``change(member as stored)`` in one transaction that holds
        the member, so concurrent updates through other connections (other processes) wait
        rather than overwrite each other; ``change`` may raise to refuse, changing nothing, and
        may be called again if the store retries the transaction. NotFoundError if absent."""

    @abstractmethod
    def connections(self, member_id: str | None = None) -> list[Connection]:
        """All connections, or those of one member; ordered by (source, target)."""

    @abstractmethod
    def tie_columns(self) -> TieColumns:
        """Every connection as columns, in any order: what a whole read into a snapshot
        needs, without a record made of each tie."""

    @abstractmethod
    def delete_connection(self, a: str, b: str) -> None:
        """Remove the tie between ``a`` and ``b`` (either orientation), or raise NotFoundError."""

    @abstractmethod
    def get_group(self, group_id: str) -> Group: ...

    @abstractmethod
    def groups(self) -> list[Group]:
        """Every group, ordered by id."""

    @abstractmethod
    def update_group(self, group_id: str, change: Callable[[Group], Group]) -> Group:
        """As :meth:`update_member`, for a group; members it names must exist
        (:class:`ConflictError` otherwise)."""

    @abstractmethod
    def delete_group(self, group_id: str) -> None: ...

    @abstractmethod
    def terms(self, kind: TermKind) -> list[Topic] | list[Skill]:
        """The declared topics or skills (with their ids and descriptions), by id."""

    @abstractmethod
    def vocabulary(self, kind: TermKind) -> list[tuple[str, str | None]]:
        """Every topic or skill in use or declared, as ``(name, description)`` by name."""

    # -- feedback on suggestions ----------------------------------------------------------

    @abstractmethod
    def record_feedback(self, feedback: Feedback) -> None:
        """Keep ``feedback``, replacing the member's earlier feedback on the same target; an
        unknown member or target raises NotFoundError and nothing is written."""

    @abstractmethod
    def feedback(self, member_id: str | None = None) -> list[Feedback]:
        """All feedback, or that given by one member; ordered by (member, target_kind, target)."""

    # -- API keys -------------------------------------------------------------------------

    @abstractmethod
    def add_key(self, key: ApiKey) -> None:
        """Keep ``key``; an unknown member raises NotFoundError, a used id ConflictError."""

    @abstractmethod
    def get_key(self, key_id: str) -> ApiKey:
        """The key, or :class:`NotFoundError`."""

    @abstractmethod
    def api_keys(self) -> list[ApiKey]:
        """Every key, ordered by id."""

    @abstractmethod
    def revoke_key(self, key_id: str) -> None:
        """Forget the key, or raise NotFoundError."""

    @abstractmethod
    def remove_expired_keys(self, now: dt.datetime) -> int:
        """Forget every key (sign-in links and sessions) expired at ``now``; how many."""

    # -- embeddings -----------------------------------------------------------------------

    @abstractmethod
    def embedding_state(self, kind: Kind) -> dict[str, tuple[str, str]]:
        """For each stored embedding of ``kind``: key → (model id, hash of its input text)."""

    @abstractmethod
    def write_embeddings(self, kind: Kind, model_id: str, keys: list[str], hashes: list[str],
                         vectors: np.ndarray) -> None:
        """Store one unit-length vector per key (a row of ``vectors``) in one transaction."""

    @abstractmethod
    def remove_embeddings(self, kind: Kind, keys: Iterable[str]) -> None:
        """Forget the embeddings of ``keys`` (those of things that no longer exist)."""

    @abstractmethod
    def embeddings(self, kind: Kind, model_id: str) -> tuple[list[str], np.ndarray]:
        """Keys and an ``(n, d)`` float32 matrix of the embeddings ``model_id`` produced, in
        any order."""

    @abstractmethod
    def nearest(self, kind: Kind, vector: np.ndarray, k: int,
                model_id: str) -> list[tuple[str, float]]:
        """Up to ``k`` (key, cosine similarity) nearest to ``vector``, most similar first."""

    @abstractmethod
    def vectors(self, kind: Kind, model_id: str, keys: Iterable[str]) -> dict[str, np.ndarray]:
        """The embeddings ``model_id`` produced for those of ``keys`` that have one."""

    # -- the change feed (see graph_schema.changes) ---------------------------------------

    @abstractmethod
    def revision(self) -> int:
        """The store's revision: one more at every write of community data."""

    @abstractmethod
    def changes_since(self, revision: int) -> tuple[int, Changes] | None:
        """The store's revision now and what writes made through other connections (other
        processes) changed after ``revision``; this connection's own writes are left out, as
        their writer knows them. None when the feed no longer reaches back to ``revision``
        (or the store was emptied): the caller must read the whole community again."""

    @abstractmethod
    def close(self) -> None: ...


def copy_store(source: Store, target: Store, chunk: int = 5000) -> None:
    """Copy a community with its embeddings and feedback from one store into another (for
    example from the embedded store into Neo4j when a community outgrows one machine)."""
    target.write(source.export())
    for kind in EMBEDDED_KINDS:
        state = source.embedding_state(kind)
        for model_id in sorted({model for model, _ in state.values()}):
            keys, matrix = source.embeddings(kind, model_id)
            for start in range(0, len(keys), chunk):  # keeps each transaction modest
                part = keys[start : start + chunk]
                target.write_embeddings(kind, model_id, part, [state[k][1] for k in part],
                                        matrix[start : start + chunk])
    for feedback in source.feedback():
        target.record_feedback(feedback)
