"""One community as the application holds it: the store and a snapshot kept in step.

The store is the system of record; the snapshot serves reads and suggestions from memory. Every
write goes to the store first and reaches the snapshot only once the store has acknowledged it,
so what a reader sees has always been stored. Writes are serialised by one lock: a
read-modify-write (such as updating part of a profile) cannot interleave with another write and
lose it. Changed profiles and groups are embedded as part of their write, and the new snapshot's
matrices are computed before it replaces the old one, so readers never wait for a write: they
only take turns with each other for the exposure counts, which every suggestion updates.

Each snapshot served has a revision, a number that grows with every write and reload, so that
work done for one state of the community (an analysts' evaluation) can be told from work done
for another without keeping the old snapshot alive. Background work of that kind is attached
to the community (:meth:`LiveCommunity.attached`) and stopped when it closes.

The snapshot is read on first use, so a command that only touches the store (a key, an import)
never pays for it; the service reads it when it starts. Writes made beside it (another process
over the same store, an import) reach it when :meth:`LiveCommunity.follow` reads the store's
change feed and applies what it names (:mod:`graph_schema.changes`), or on
:meth:`LiveCommunity.reload`.
"""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Protocol, TypeVar, cast

import numpy as np

from graph_schema import open_store
from graph_schema.changes import LISTED
from graph_schema.store import Kind, Store
from matcher.embeddings.encoder import Encoder
from matcher.embeddings.profile_text import group_text, member_text, term_text
from matcher.embeddings.refresh import embed_current
from matcher.recommend.ranker_files import load_rankings
from matcher.recommend.recommender import Recommender, Suggestion
from matcher.recommend.rerank import RerankPolicy
from matcher.recommend.snapshot import Snapshot, snapshot_from_store
from models import Community, Connection, Feedback, Group, Member, Skill, Topic
from models.api import SuggestionKind
from models.errors import ConflictError, NotFoundError, QConnectError, StoreUnavailableError
from service import config

__all__ = ["LiveCommunity", "open_community", "read_snapshot", "start_community"]

log = logging.getLogger("qconnect.service")


class Attachment(Protocol):
    """Work kept with a community, such as evaluations running in the background."""

    def close(self) -> None:
        """Stop what is under way; called once, when the community closes."""


A = TypeVar("A", bound=Attachment)


def read_snapshot(store: Store) -> Snapshot:
    """The whole community in ``store``, with the configured model's embeddings."""
    return snapshot_from_store(store, config.snapshot_model_id())


def _recommender(store: Store, policy: RerankPolicy) -> tuple[Recommender, bool]:
    """A recommender over a fresh snapshot of ``store`` with the rankers trained for it, and
    whether trained rankers were found (without them the documented fallback formulas rank)."""
    saved = load_rankings(config.ranker_folder(store.location))
    snapshot = read_snapshot(store).warmed()
    if saved is None:
        return Recommender(snapshot, policy=policy), False
    return Recommender(snapshot, *saved, policy=policy), True


def _exempt_from_full_collections() -> None:
    """Leave what is alive now, a whole snapshot above all, out of the cycle collector's full
    passes from now on (``gc.freeze``). A snapshot is most of the process's tracked objects
    and lives as long as it is served; at 100,000 members each full pass over it took half a
    second, and a follow's temporary tables set one off about every other follow, pausing
    whatever request was running. What the last call froze is handed back and garbage cycles
    are collected first (one full pass, once per whole read), so nothing dead stays frozen
    past the next whole read; snapshots hold no reference cycles (``tests/test_follow.py``),
    so one replaced by a follow is still freed, by reference counting."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


class LiveCommunity:
    """The community in ``store``, with ``encoder`` embedding what writes change."""

    def __init__(self, store: Store, encoder: Encoder | None = None,
                 policy: RerankPolicy | None = None) -> None:
        self.store = store
        self._encoder = encoder
        self._lock = threading.RLock()  # one write at a time
        self._serving = threading.Lock()  # the recommender and its exposure counts
        self._policy = policy or config.rerank_policy()
        self._stale = False  # a reload failed: read everything at the next look
        self._followed = 0  # the store's revision the snapshot has taken in
        self._recommender: Recommender | None = None  # read on first use
        self._revision = 0  # of the snapshot served, one more at each swap
        self._swap = threading.Lock()  # the recommender with its revision; what is attached
        self._trained = False
        self._attached: dict[Callable[[LiveCommunity], Attachment], Attachment] = {}
        self._closed = False

    @property
    def encoder(self) -> Encoder:
        """The configured model, loaded on first use (only writes and search need it)."""
        if self._encoder is None:
            self._encoder = config.encoder()
        return self._encoder

    @property
    def recommender(self) -> Recommender:
        """The rankers and rules over the current snapshot, read from the store on first use."""
        if self._recommender is None:
            with self._lock:
                if self._recommender is None:
                    self._read_again()
        assert self._recommender is not None
        return self._recommender

    def follow(self) -> bool:
        """Take in what other processes have written to the store since the last look: the
        records the store's change feed names are read again and applied to the snapshot, or,
        when the feed no longer reaches back that far (or lists too much), the whole community
        is read again. Whether the snapshot changed."""
        with self._lock:
            if self._recommender is None:
                return False  # not read yet: the first read takes everything in
            found = None if self._stale else self.store.changes_since(self._followed)
            if found is not None:
                revision, changes = found
                if not changes.everything and len(changes) <= LISTED:
                    if changes:
                        self._replace(self.snapshot.following(self.store, changes,
                                                              config.snapshot_model_id()))
                    self._followed = revision
                    return bool(changes)
            self._stale = True  # until the reload succeeds, so a failed one is tried again
            self._read_again()
            return True

    def reload(self) -> None:
        """Read the store and the saved rankers afresh, taking in what was changed beside this
        process (an import, re-embedding, training). Readers keep the old snapshot until the
        new one is ready; writes wait, so none is lost in between."""
        with self._lock:
            self._read_again()

    def _read_again(self) -> None:
        """The reload itself; the caller holds the write lock."""
        revision = self.store.revision()  # what is read now needs no following
        fresh, trained = _recommender(self.store, self._policy)
        with self._serving:  # the one served is not named here, so it is freed at the swap
            self._swapped(self._recommender.succeeded_by(fresh) if self._recommender else fresh)
            self._trained = trained
        self._stale = False
        self._followed = revision
        _exempt_from_full_collections()

    def _swapped(self, recommender: Recommender) -> None:
        """Serve ``recommender`` from now on, under a new revision."""
        with self._swap:
            self._recommender = recommender
            self._revision += 1

    def attached(self, kind: Callable[[LiveCommunity], A]) -> A:
        """The one ``kind(self)`` kept with this community, made on first use and closed
        when the community closes, before its store."""
        with self._swap:
            if self._closed:
                raise StoreUnavailableError("the service is stopping")
            found = self._attached.get(kind)
            if found is None:
                found = self._attached[kind] = kind(self)
            return cast(A, found)

    def close(self) -> None:
        """Stop the work attached to the community, then close the store once no write or
        reload is running (they hold the write lock)."""
        with self._swap:
            self._closed = True
            attached, self._attached = list(self._attached.values()), {}
        for attachment in attached:
            attachment.close()
        with self._lock:
            self.store.close()
        gc.unfreeze()  # what the snapshot's reads froze is the collector's again, at exit too

    @property
    def snapshot(self) -> Snapshot:
        return self.recommender.snapshot

    def current(self) -> tuple[Snapshot, int]:
        """The snapshot served now, and its revision."""
        self.recommender  # noqa: B018 - read, if not yet
        with self._swap:
            assert self._recommender is not None
            return self._recommender.snapshot, self._revision

    @property
    def revision(self) -> int:
        """The revision of the snapshot served now: one more at every write and reload."""
        return self.current()[1]

    @property
    def trained(self) -> bool:
        """Whether the rankers trained for this store were found (else fallback formulas
        rank)."""
        self.recommender  # noqa: B018 - read, if not yet
        return self._trained

    # -- reads ----------------------------------------------------------------------------

    def member(self, member_id: str) -> Member:
        row = self.snapshot.ids.index.get(member_id)
        if row is None:
            raise NotFoundError("member", member_id)
        return self.snapshot.members[row]

    def group(self, group_id: str) -> Group:
        row = self.snapshot.group_ids.index.get(group_id)
        if row is None:
            raise NotFoundError("group", group_id)
        return self.snapshot.groups[row]

    def suggest(self, kind: SuggestionKind, member_id: str, k: int,
                skill: str | None = None) -> tuple[list[Suggestion], Snapshot]:
        """Suggestions, and the snapshot they were made from (to name what they point to)."""
        recommender = self.recommender
        with self._serving:
            if kind == "people":
                found = recommender.people(member_id, k)
            elif kind == "helpers":
                found = recommender.helpers(member_id, k, skill)
            else:
                found = recommender.groups(member_id, k)
            return found, recommender.snapshot

    # -- writes ---------------------------------------------------------------------------

    def _write(self, write: Community, texts: Mapping[Kind, Mapping[str, str]]) -> None:
        """Store ``write``, then embed ``texts`` (kind → key → text), then bring the snapshot
        in step with what the store holds."""
        self.store.write(write)
        self._stored(write, texts)

    def _stored(self, write: Community, texts: Mapping[Kind, Mapping[str, str]]) -> None:
        """Embed ``texts`` of what was just stored and apply ``write`` to the snapshot. The
        write is done once stored: embeddings that could not be stored are logged, left stale
        and redone by ``qconnect embed``."""
        stored: dict[str, dict[str, np.ndarray | None]] = {}
        try:
            for kind, found in texts.items():
                if found:
                    stored[kind] = embed_current(self.store, self.encoder, kind, found)
        except QConnectError as exc:
            log.warning("embeddings not stored", extra={"fields": {
                "kinds": sorted(texts), "error": type(exc).__name__}})
        self._applied(write, stored)

    def _replace(self, snapshot: Snapshot) -> None:
        snapshot.warmed()
        with self._serving:
            self._swapped(self.recommender.with_snapshot(snapshot))

    def _applied(self, write: Community,
                 vectors: Mapping[str, Mapping[str, np.ndarray | None]],
                 **changes: Any) -> None:
        self._replace(self.snapshot.after_write(write, vectors=vectors, **changes))

    def _changed_texts(self, members: Sequence[Member]) -> dict[str, str]:
        """The profile texts of ``members`` that differ from those served (to embed anew)."""
        index, old = self.snapshot.ids.index, self.snapshot.members
        texts = {m.id: member_text(m) for m in members}
        return {key: text for key, text in texts.items()
                if key not in index or member_text(old[index[key]]) != text}

    def put_members(self, members: Sequence[Member]) -> None:
        """Create or replace ``members`` whole; profiles whose text changed are re-embedded."""
        with self._lock:
            self._write(Community(members=list(members)),
                        {"member": self._changed_texts(members)})

    def add_member(self, member: Member) -> None:
        """Create ``member``; an id in use is a :class:`ConflictError` and changes nothing."""
        with self._lock:
            if not self.store.missing_members([member.id]):
                raise ConflictError(f"a member with id {member.id!r} exists already")
            self.put_members([member])

    def update_member(self, member_id: str, change: Callable[[Member], Member]) -> Member:
        """Apply ``change`` to the member as stored, with no other write in between, from this
        process or any other (:meth:`Store.update_member`)."""
        with self._lock:
            # The snapshot the edit is told apart from is read before it, if not read yet.
            self.recommender  # noqa: B018
            updated = self.store.update_member(member_id, change)
            self._stored(Community(members=[updated]), {"member": self._changed_texts([updated])})
            return updated

    def erase_member(self, member_id: str) -> None:
        """Remove the member and every trace of them: ties, memberships, feedback by and about
        them, embedding, keys, and their place in the snapshot and its exposure counts."""
        with self._lock:
            self.store.delete_member(member_id)
            self._applied(Community(), {}, deleted=[member_id])

    def put_connections(self, connections: Sequence[Connection]) -> None:
        with self._lock:
            self.store.write(Community(connections=list(connections)))
            self._applied(Community(connections=list(connections)), {})

    def delete_connection(self, a: str, b: str) -> None:
        with self._lock:
            self.store.delete_connection(a, b)
            self._applied(Community(), {}, unlinked=[frozenset((a, b))])

    def put_groups(self, groups: Sequence[Group]) -> None:
        with self._lock:
            self._write(Community(groups=list(groups)), {"group": {g.id: group_text(g)
                                                                   for g in groups}})

    def add_groups(self, make: Callable[[Store], Sequence[Group]]) -> list[Group]:
        """Create the groups ``make`` returns, decided with no other write in between: ``make``
        reads the store of record for what it must check (ids in use, who may be placed) and
        raises to refuse, in which case nothing is written."""
        with self._lock:
            groups = list(make(self.store))
            self.put_groups(groups)
            return groups

    def update_group(self, group_id: str, change: Callable[[Group], Group]) -> Group:
        """Apply ``change`` to the group as stored, with no other write in between, from this
        process or any other (:meth:`Store.update_group`)."""
        with self._lock:
            updated = self.store.update_group(group_id, change)
            self._stored(Community(groups=[updated]), {"group": {group_id: group_text(updated)}})
            return updated

    def delete_group(self, group_id: str) -> None:
        with self._lock:
            self.store.delete_group(group_id)
            self._applied(Community(), {}, removed_groups=[group_id])

    def record_feedback(self, feedback: Feedback) -> None:
        with self._lock:
            self.store.record_feedback(feedback)
            self._applied(Community(), {}, feedback=[feedback])

    def put_terms(self, terms: Sequence[Topic | Skill]) -> None:
        """Declare topics or skills (with descriptions), embedded for search."""
        topics = [t for t in terms if isinstance(t, Topic)]
        skills = [t for t in terms if isinstance(t, Skill)]
        with self._lock:
            self._write(Community(topics=topics, skills=skills),
                        {"topic": {t.name: term_text(t.name, t.description) for t in topics},
                         "skill": {s.name: term_text(s.name, s.description) for s in skills}})



def start_community(location: str | None = None, encoder: Encoder | None = None, *,
                    create: bool = True) -> LiveCommunity:
    """The community in the store at ``location`` (default: the configured one; without
    ``create``, one that exists); the caller closes it. ``encoder`` is the model to embed with
    (default: the configured one, loaded when first needed)."""
    store = open_store(location, create=create)
    try:
        return LiveCommunity(store, encoder)
    except BaseException:
        store.close()
        raise


@contextmanager
def open_community(location: str | None = None, encoder: Encoder | None = None, *,
                   create: bool = True) -> Iterator[LiveCommunity]:
    """:func:`start_community`, closed at the end of the block."""
    live = start_community(location, encoder, create=create)
    try:
        yield live
    finally:
        live.close()
