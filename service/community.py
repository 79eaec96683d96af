"""One community as a long-running service holds it: the store and a snapshot kept in step.

The store is the system of record; the snapshot serves reads and suggestions from memory. Every
write goes to the store first and reaches the snapshot only once the store has acknowledged it,
so what a reader sees has always been stored. Writes are serialised by one lock: a
read-modify-write (such as updating part of a profile) cannot interleave with another write and
lose it. Changed profiles and groups are embedded as part of their write, and the new snapshot's
matrices are computed before it replaces the old one, so readers never wait for a write: they
only take turns with each other for the exposure counts, which every suggestion updates.

Writes made beside it (another process over the same store, an import) reach it when
:meth:`LiveCommunity.follow` notices them and reads the store again, or on :meth:`reload`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

import numpy as np

from graph_schema.errors import ConflictError, NotFoundError, QConnectError
from graph_schema.store import Kind, Store
from matcher.embeddings.refresh import embed_texts
from matcher.embeddings.encoder import Encoder
from matcher.groups.proposals import proposal_groups
from matcher.recommend.ranker_files import open_recommender
from matcher.embeddings.profile_text import group_text, member_text, term_text
from matcher.recommend.recommender import Suggestion
from matcher.recommend.rerank import RerankPolicy
from matcher.embeddings.search import MemberHit, search_snapshot
from matcher.recommend.snapshot import Snapshot
from models import Community, Connection, Feedback, Group, Member, Skill, Topic

__all__ = ["LiveCommunity", "SuggestionKind"]

log = logging.getLogger("qconnect.matcher")

SuggestionKind = Literal["people", "helpers", "groups"]


class LiveCommunity:
    """The community in ``store``, with ``encoder`` embedding what writes change."""

    def __init__(self, store: Store, encoder: Encoder, policy: RerankPolicy | None = None) -> None:
        self.store = store
        self.encoder = encoder
        self._lock = threading.RLock()  # one write at a time
        self._serving = threading.Lock()  # the recommender and its exposure counts
        self._policy = policy
        self._stale = False  # changes beside this process seen, not yet read in
        store.changed_elsewhere()  # from here on, writes beside this process are noticed
        self._recommender, self.trained = open_recommender(store, policy)
        self._recommender.snapshot.warmed()

    def follow(self) -> bool:
        """Reload if another process has written to the store since the last look, or a
        reload after an earlier look failed; whether it reloaded."""
        with self._lock:
            if not (self.store.changed_elsewhere() or self._stale):
                return False
            self._stale = True  # until the reload succeeds, so a failed one is tried again
            self._read_again()
            return True

    def reload(self) -> None:
        """Read the store and the saved rankers afresh, taking in what was changed beside this
        process (an import, re-embedding, training). Readers keep the old snapshot until the
        new one is ready; writes wait, so none is lost in between."""
        with self._lock:
            self.store.changed_elsewhere()  # what is read now needs no second reload
            self._read_again()

    def _read_again(self) -> None:
        """The reload itself; the caller holds the write lock and has taken note of where the
        store stands."""
        fresh, trained = open_recommender(self.store, self._policy)
        fresh.snapshot.warmed()
        with self._serving:
            self._recommender = self._recommender.succeeded_by(fresh)
            self.trained = trained
        self._stale = False

    def close(self) -> None:
        """Close the store once no write or reload is running (they hold the write lock)."""
        with self._lock:
            self.store.close()

    @property
    def snapshot(self) -> Snapshot:
        return self._recommender.snapshot

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
        with self._serving:
            recommender = self._recommender
            found = (recommender.helpers(member_id, k, skill) if kind == "helpers"
                     else getattr(recommender, kind)(member_id, k))
            return found, recommender.snapshot

    def search(self, text: str, k: int, **filters: str | None) -> list[MemberHit]:
        return search_snapshot(self.snapshot, self.encoder, text, k, **filters)

    # -- writes ---------------------------------------------------------------------------

    def _write(self, write: Community, texts: Mapping[Kind, Mapping[str, str]]) -> None:
        """Store ``write``, then embed ``texts`` (kind → key → text), then bring the snapshot
        in step with what the store holds. The write is done once stored: embeddings that
        could not be stored are logged, left stale and redone by ``qconnect embed``."""
        self.store.write(write)
        stored: dict[str, dict[str, np.ndarray]] = {}
        try:
            for kind, found in texts.items():
                if found:
                    stored[kind] = embed_texts(self.store, self.encoder, kind, found)
        except QConnectError as exc:
            log.warning("embeddings not stored", extra={"fields": {
                "kinds": sorted(texts), "error": type(exc).__name__}})
        self._applied(write, stored)

    def _replace(self, snapshot: Snapshot) -> None:
        snapshot.warmed()
        with self._serving:
            self._recommender = self._recommender.with_snapshot(snapshot)

    def _applied(self, write: Community, vectors: Mapping[str, Mapping[str, np.ndarray]],
                 **changes: Any) -> None:
        self._replace(self.snapshot.after_write(write, vectors=vectors, **changes))

    def put_members(self, members: Sequence[Member]) -> None:
        """Create or replace ``members`` whole; profiles whose text changed are re-embedded."""
        with self._lock:
            index, old = self.snapshot.ids.index, self.snapshot.members
            texts = {m.id: member_text(m) for m in members}
            changed = {key: text for key, text in texts.items()
                       if key not in index or member_text(old[index[key]]) != text}
            self._write(Community(members=list(members)), {"member": changed})

    def add_member(self, member: Member) -> None:
        """Create ``member``; an id in use is a :class:`ConflictError` and changes nothing."""
        with self._lock:
            if not self.store.missing_members([member.id]):
                raise ConflictError(f"a member with id {member.id!r} exists already")
            self.put_members([member])

    def update_member(self, member_id: str, change: Callable[[Member], Member]) -> Member:
        """Apply ``change`` to the member as stored, with no other write in between."""
        with self._lock:
            updated = change(self.member(member_id))
            self.put_members([updated])
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
            ties = [t for t in self.snapshot.community.connections if t.pair != {a, b}]
            self._replace(self.snapshot.with_changes(connections=ties))

    def put_groups(self, groups: Sequence[Group]) -> None:
        with self._lock:
            self._write(Community(groups=list(groups)), {"group": {g.id: group_text(g)
                                                                   for g in groups}})

    def add_group(self, group: Group, check: Callable[[Group], None]) -> None:
        """Create ``group`` if ``check`` passes it; an id in use is a :class:`ConflictError`.
        Both are decided with no other write in between."""
        with self._lock:
            try:
                self.store.get_group(group.id)
            except NotFoundError:
                pass
            else:
                raise ConflictError(f"a group with id {group.id!r} exists already")
            check(group)
            self.put_groups([group])

    def update_group(self, group_id: str, change: Callable[[Group], Group]) -> Group:
        """Apply ``change`` to the group as stored, with no other write in between."""
        with self._lock:
            updated = change(self.group(group_id))
            self.put_groups([updated])
            return updated

    def save_proposal(self, proposal: object, coordinator: str,
                      prefix: str | None = None) -> list[Group]:
        """Create a proposal's groups (see :func:`matcher.group_proposals.proposal_groups`)."""
        with self._lock:
            groups = proposal_groups(self.store, proposal, coordinator, prefix=prefix)
            self.put_groups(groups)
            return groups

    def delete_group(self, group_id: str) -> None:
        with self._lock:
            self.store.delete_group(group_id)
            groups = [g for g in self.snapshot.groups if g.id != group_id]
            self._replace(self.snapshot.with_changes(groups=groups))

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

