"""The embedded store's embeddings: stored as float32 blobs, searched as one matrix.

A mixin of :class:`~graph_schema.embedded.EmbeddedStore`, kept apart so each file reads in one
sitting; it relies on the store's ``_query``, ``_transaction``, ``_reading``, ``_lock``,
``_matrices`` (kind → the model id, keys and contiguous matrix that :meth:`nearest` searches,
read again after a change) and ``_matrices_version`` (the ``data_version`` they were read at:
it changes when another connection, such as another process, commits).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import numpy as np

from graph_schema.changes import Changes
from graph_schema.store import Kind

__all__ = ["EmbeddedVectors"]

_CHUNK = 10_000  # rows of embeddings read at a time
_RECORDS = {"member": "member", "group": "community_group"}
"""The table of the records whose vectors are kept only while they exist: embedding reads the
texts, encodes them for seconds or minutes and then writes, and an erasure made meanwhile is
final."""


class EmbeddedVectors:
    _query: Any
    _transaction: Any
    _reading: Any
    _lock: Any
    _matrices: dict[str, tuple[str, list[str], np.ndarray]]
    _matrices_version: int
    _data_version: Any

    # -- embeddings -----------------------------------------------------------------------

    def embedding_state(self, kind: Kind) -> dict[str, tuple[str, str]]:
        rows = self._query("SELECT key, model, text_hash FROM embedding WHERE kind = ?", (kind,))
        return {key: (model, digest) for key, model, digest in rows}

    def write_embeddings(self, kind: Kind, model_id: str, keys: list[str], hashes: list[str],
                         vectors: np.ndarray) -> None:
        rows = [(kind, key, model_id, digest, np.asarray(vector, dtype="<f4").tobytes())
                for key, digest, vector in zip(keys, hashes, vectors, strict=True)]
        with self._transaction(Changes.of_vectors(kind, keys)) as db:
            if kind in _RECORDS:  # as Neo4j does, which sets vectors on the nodes it finds
                present = {key for (key,) in db.execute(
                    f"SELECT id FROM {_RECORDS[kind]} WHERE id IN (SELECT value FROM json_each(?))",
                    (json.dumps(keys),))}
                rows = [row for row in rows if row[1] in present]
            db.executemany(
                "INSERT INTO embedding VALUES (?, ?, ?, ?, ?) ON CONFLICT(kind, key) DO UPDATE "
                "SET model=excluded.model, text_hash=excluded.text_hash, vector=excluded.vector",
                rows,
            )
            self._matrices.pop(kind, None)

    def remove_embeddings(self, kind: Kind, keys: Iterable[str]) -> None:
        keys = list(keys)
        with self._transaction(Changes.of_vectors(kind, keys)) as db:
            db.executemany("DELETE FROM embedding WHERE kind = ? AND key = ?",
                           [(kind, key) for key in keys])
            self._matrices.pop(kind, None)

    def embeddings(self, kind: Kind, model_id: str) -> tuple[list[str], np.ndarray]:
        # Read afresh, not from what nearest() keeps: a snapshot holds what it reads for as long
        # as it serves, and a copy kept here beside it would double that. The rows go straight
        # into an array numpy allocates, a chunk at a time, so the vectors are never held twice
        # (all rows, then the matrix); and when a reload frees that array, the matrices that
        # follows copy reuse its memory (with a view of one large bytes object instead, the
        # first follows after a reload took twice as long). The rows are counted by a query of
        # their own in the same transaction: counted in the same query (a window function),
        # SQLite copied every vector aside before returning the first, seven times slower.
        keys: list[str] = []
        where = "WHERE kind = ? AND model = ?"
        with self._reading() as db:
            count = db.execute(f"SELECT count(*) FROM embedding {where}",
                               (kind, model_id)).fetchone()[0]
            cursor = db.execute(f"SELECT key, vector FROM embedding {where} ORDER BY key",
                                (kind, model_id))
            matrix = np.zeros((0, 0), dtype=np.float32)
            while rows := cursor.fetchmany(_CHUNK):
                if not keys:
                    matrix = np.empty((count, len(rows[0][1]) // 4), dtype=np.float32)
                matrix[len(keys):len(keys) + len(rows)] = np.frombuffer(
                    b"".join(vector for _, vector in rows), dtype="<f4").reshape(len(rows), -1)
                keys.extend(key for key, _ in rows)
        return keys, matrix

    def _searched(self, kind: Kind, model_id: str) -> tuple[list[str], np.ndarray]:
        """The embeddings :meth:`nearest` searches, kept until they change."""
        with self._lock:
            version = self._data_version()
            if version != self._matrices_version:
                self._matrices.clear()
                self._matrices_version = version
            cached = self._matrices.get(kind)
            if cached is None or cached[0] != model_id:
                cached = (model_id, *self.embeddings(kind, model_id))
                self._matrices[kind] = cached
            return cached[1], cached[2]

    def vectors(self, kind: Kind, model_id: str, keys: Iterable[str]) -> dict[str, np.ndarray]:
        rows = self._query("SELECT key, vector FROM embedding WHERE kind = ? AND model = ? AND "
                           "key IN (SELECT value FROM json_each(?))",
                           (kind, model_id, json.dumps(sorted(set(keys)))))
        return {key: np.frombuffer(vector, dtype="<f4").copy() for key, vector in rows}

    def nearest(self, kind: Kind, vector: np.ndarray, k: int,
                model_id: str) -> list[tuple[str, float]]:
        keys, matrix = self._searched(kind, model_id)
        if not keys or k <= 0:
            return []
        scores = matrix @ np.asarray(vector, dtype=np.float32)
        top = np.argpartition(-scores, k - 1)[:k] if k < len(keys) else np.arange(len(keys))
        top = top[np.lexsort((top, -scores[top]))]  # by score, ties by key order
        return [(keys[i], float(scores[i])) for i in top]

