"""The embedded store's small records: feedback on suggestions and API keys.

A mixin of :class:`~graph_schema.embedded.EmbeddedStore`, kept apart so each file reads in one
sitting; it relies on the store's ``_query`` and ``_transaction``.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Sequence
from typing import Any

from graph_schema.changes import Changes
from models import ApiKey, Feedback
from models.errors import ConflictError, NotFoundError

__all__ = ["EmbeddedRecords"]


class EmbeddedRecords:
    _query: Any  # (sql, params) -> rows, from EmbeddedStore
    _transaction: Any  # (changed) -> context manager of a write transaction, from EmbeddedStore

    # -- feedback on suggestions ----------------------------------------------------------

    def record_feedback(self, feedback: Feedback) -> None:
        target_table = "member" if feedback.target_kind == "member" else "community_group"
        with self._transaction(Changes(feedback=frozenset([(feedback.member,
                                                            feedback.target)]))) as db:
            for table, kind, key in (("member", "member", feedback.member),
                                     (target_table, feedback.target_kind, feedback.target)):
                if not db.execute(f"SELECT 1 FROM {table} WHERE id = ?", (key,)).fetchone():
                    raise NotFoundError(kind, key)
            db.execute(
                "INSERT INTO feedback VALUES (?, ?, ?, ?, ?) ON CONFLICT(member_id, target_kind, "
                "target) DO UPDATE SET action=excluded.action, at=excluded.at",
                (feedback.member, feedback.target_kind, feedback.target, feedback.action,
                 feedback.at.isoformat()),
            )

    def feedback(self, member_id: str | None = None) -> list[Feedback]:
        where, params = ("WHERE member_id = ?", (member_id,)) if member_id else ("", ())
        rows = self._query("SELECT member_id, target_kind, target, action, at FROM feedback "
                           f"{where} ORDER BY member_id, target_kind, target", params)
        return [Feedback(member=m, target_kind=k, target=t, action=a, at=at)
                for m, k, t, a, at in rows]

    # -- API keys -------------------------------------------------------------------------

    # Keys are not community data: their writes are not counted as changes (see _transaction).

    def add_key(self, key: ApiKey) -> None:
        with self._transaction(None) as db:
            if key.member and not db.execute("SELECT 1 FROM member WHERE id = ?",
                                             (key.member,)).fetchone():
                raise NotFoundError("member", key.member)
            try:
                db.execute("INSERT INTO api_key (id, role, digest, created, member_id, kind, "
                           "expires) VALUES (?, ?, ?, ?, ?, ?, ?)",
                           (key.id, key.role, key.digest, key.created.isoformat(), key.member,
                            key.kind, key.expires.isoformat() if key.expires else None))
            except sqlite3.IntegrityError as exc:
                raise ConflictError(f"a key with id {key.id} exists already") from exc

    def _keys(self, where: str = "", params: Sequence[Any] = ()) -> list[ApiKey]:
        rows = self._query("SELECT id, role, digest, created, member_id, kind, expires "
                           "FROM api_key "
                           f"{where} ORDER BY id", params)
        return [ApiKey(id=i, role=r, digest=d, created=c, member=m, kind=k, expires=e)
                for i, r, d, c, m, k, e in rows]

    def get_key(self, key_id: str) -> ApiKey:
        found = self._keys("WHERE id = ?", (key_id,))
        if not found:
            raise NotFoundError("key", key_id)
        return found[0]

    def api_keys(self) -> list[ApiKey]:
        return self._keys()

    def remove_expired_keys(self, now: dt.datetime) -> int:
        with self._transaction(None) as db:
            return db.execute("DELETE FROM api_key WHERE julianday(expires) <= julianday(?)",
                              (now.isoformat(),)).rowcount

    def revoke_key(self, key_id: str) -> None:
        with self._transaction(None) as db:
            if db.execute("DELETE FROM api_key WHERE id = ?", (key_id,)).rowcount == 0:
                raise NotFoundError("key", key_id)
