"""The building blocks of a snapshot: names ↔ column numbers, and the matrices made from them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import chain

import numpy as np
import scipy.sparse as sp

__all__ = ["Vocabulary", "codes", "idf_rows", "incidence", "vector_matrix"]


@dataclass(frozen=True)
class Vocabulary:
    """Names ↔ column numbers for one family of columns (topics, skills, groups…)."""

    names: tuple[str, ...]

    @cached_property
    def index(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.names)}

    def __len__(self) -> int:
        return len(self.names)


def codes(values: Sequence[str | None]) -> tuple[np.ndarray, Vocabulary]:
    """Integer codes for categorical values; -1 where a value is missing."""
    vocab = Vocabulary(tuple(sorted({v for v in values if v})))
    return np.array([vocab.index[v] if v else -1 for v in values], dtype=np.int32), vocab


def incidence(rows: Sequence[Sequence[str]], vocab: Vocabulary,
              values: Sequence[Sequence[float]] | None = None) -> sp.csr_matrix:
    """A rows × vocabulary sparse matrix with a 1 (or the given value) per listed name."""
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, rows), dtype=np.int64, count=len(rows)), out=indptr[1:])
    cells = int(indptr[-1])
    indices = np.fromiter(map(vocab.index.__getitem__, chain.from_iterable(rows)),
                          dtype=np.int32, count=cells)
    data = np.ones(cells, dtype=np.float32) if values is None else \
        np.fromiter(chain.from_iterable(values), dtype=np.float32, count=cells)
    return sp.csr_matrix((data, indices, indptr), shape=(len(rows), len(vocab)))


def replaced_rows(matrix: sp.csr_matrix, rows: Sequence[int], new: sp.spmatrix
                  ) -> sp.csr_matrix:
    """``matrix`` with its ``rows`` (distinct) replaced by the rows of ``new``, in that order
    (``new`` may be wider: the matrix gains its columns, empty).

    >>> m = sp.csr_matrix(np.arange(6).reshape(3, 2))
    >>> replaced_rows(m, [2, 0], sp.csr_matrix([[9, 9, 1], [7, 7, 0]])).toarray().tolist()
    [[7, 7, 0], [2, 3, 0], [9, 9, 1]]
    """
    width = max(matrix.shape[1], new.shape[1])
    old = sp.csr_matrix((matrix.data, matrix.indices, matrix.indptr),
                        shape=(matrix.shape[0], width))
    kept = np.ones(matrix.shape[0], dtype=bool)
    kept[list(rows)] = False
    order = np.concatenate([np.flatnonzero(kept), np.asarray(rows, dtype=np.int64)])
    stacked = sp.vstack([old[kept], sp.csr_matrix(new, shape=(new.shape[0], width))],
                        format="csr")
    return stacked[np.argsort(order)]


def vector_matrix(keys: Sequence[str], vectors: Mapping[str, np.ndarray],
                  dims: int) -> np.ndarray:
    """Row i is the vector of keys[i], or zeros where there is none."""
    matrix = np.zeros((len(keys), dims), dtype=np.float32)
    for row, key in enumerate(keys):
        vector = vectors.get(key)
        if vector is not None:
            matrix[row] = vector
    return matrix


def idf_rows(counts: sp.csr_matrix) -> sp.csr_matrix:
    """Weight each column by its inverse document frequency, then scale rows to unit length."""
    rows = counts.shape[0]
    df = np.asarray((counts > 0).sum(axis=0)).ravel()
    idf = np.log((1 + rows) / (1 + df)) + 1.0
    weighted = sp.csr_matrix(counts.multiply(idf[None, :]), dtype=np.float32)
    norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1)).ravel())
    scale = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    return sp.csr_matrix(sp.diags(scale.astype(np.float32)) @ weighted)
