"""The building blocks of a snapshot: names ↔ column numbers, and the matrices made from them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

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


def incidence(rows: Sequence[Iterable[str]], vocab: Vocabulary,
               values: Sequence[Iterable[float]] | None = None) -> sp.csr_matrix:
    """A rows × vocabulary sparse matrix with a 1 (or the given value) per listed name."""
    indptr, indices, data = [0], [], []
    for r, names in enumerate(rows):
        cells = [vocab.index[name] for name in names]
        indices.extend(cells)
        data.extend(values[r] if values is not None else [1.0] * len(cells))
        indptr.append(len(indices))
    return sp.csr_matrix((np.array(data, dtype=np.float32), np.array(indices, dtype=np.int32),
                          np.array(indptr, dtype=np.int64)), shape=(len(rows), len(vocab)))


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
