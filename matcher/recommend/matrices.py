"""The building blocks of a snapshot: names ↔ column numbers, and the matrices made from them."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping, Sequence, Sized
from dataclasses import dataclass
from functools import cached_property
from itertools import chain
from typing import TypeVar

import numpy as np
import scipy.sparse as sp

__all__ = ["VectorRows", "Vocabulary", "codes", "folded", "idf_rows", "incidence", "row_pointers",
           "symmetric", "vector_matrix"]

T = TypeVar("T")


def folded(name: str) -> str:
    """``name`` as a typed name is compared with a vocabulary's: case and runs of spaces do not
    count (a vocabulary itself may hold names that differ only so, as imported).

    >>> folded(" Run  charts")
    'run charts'
    """
    return " ".join(name.casefold().split())


@dataclass(frozen=True)
class Vocabulary:
    """Names ↔ column numbers for one family of columns (topics, skills, groups…)."""

    names: tuple[str, ...]

    @cached_property
    def index(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.names)}

    @cached_property
    def _folded(self) -> dict[str, int]:
        found: dict[str, int] = {}
        for i, name in enumerate(self.names):
            found.setdefault(folded(name), i)
        return found

    def column(self, name: str) -> int | None:
        """The column of ``name`` as typed: its own, else that of the name it differs from
        only in case and spacing (the first in order, should several), else None.

        >>> Vocabulary(("Run charts", "SPC")).column("run  Charts")
        0
        """
        found = self.index.get(name)
        return found if found is not None else self._folded.get(folded(name))

    def spelled(self, name: str) -> str:
        """``name`` as this vocabulary spells it (see :meth:`column`), or as typed if new.

        >>> Vocabulary(("Run charts", "SPC")).spelled("spc"), Vocabulary(()).spelled("spc")
        ('SPC', 'spc')
        """
        column = self.column(name)
        return name if column is None else self.names[column]

    def __len__(self) -> int:
        return len(self.names)


def codes(values: Sequence[str | None]) -> tuple[np.ndarray, Vocabulary]:
    """Integer codes for categorical values; -1 where a value is missing."""
    vocab = Vocabulary(tuple(sorted({v for v in values if v})))
    return np.array([vocab.index[v] if v else -1 for v in values], dtype=np.int32), vocab


def row_pointers(rows: Sequence[Sized]) -> np.ndarray:
    """Where the cells of each of ``rows`` start in a CSR matrix with a cell per item, then
    where the last row ends (scipy's ``indptr``).

    >>> row_pointers([["a", "b"], [], ["c"]]).tolist()
    [0, 2, 2, 3]
    """
    pointers = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, rows), dtype=np.int64, count=len(rows)), out=pointers[1:])
    return pointers


def listed(rows: Sequence[Sequence[int]], width: int,
           values: Sequence[Sequence[float]] | None = None) -> sp.csr_matrix:
    """A matrix ``width`` wide with a 1 (or the value listed alongside) in each row at the
    columns it lists.

    >>> listed([[2], [], [0, 2]], 3).toarray().tolist()
    [[0.0, 0.0, 1.0], [0.0, 0.0, 0.0], [1.0, 0.0, 1.0]]
    >>> listed([[1]], 2, [[0.5]]).toarray().tolist()
    [[0.0, 0.5]]
    """
    indptr = row_pointers(rows)
    cells = int(indptr[-1])
    data = np.ones(cells, dtype=np.float32) if values is None else \
        np.fromiter(chain.from_iterable(values), dtype=np.float32, count=cells)
    return sp.csr_matrix((data, np.fromiter(chain.from_iterable(rows), dtype=np.int32,
                                            count=cells), indptr), shape=(len(rows), width))


def incidence(rows: Sequence[Sequence[T]], vocab: Vocabulary,
              name: Callable[[T], str] | None = None,
              value: Callable[[T], float] | None = None) -> sp.csr_matrix:
    """A rows × vocabulary sparse matrix with, for each item listed in a row, a 1 (or
    ``value(item)``) in the column of the item (a name), or of ``name(item)``.

    >>> incidence([["b"], [], ["a", "b"]], Vocabulary(("a", "b"))).toarray().tolist()
    [[0.0, 1.0], [0.0, 0.0], [1.0, 1.0]]
    """
    indptr = row_pointers(rows)
    cells = int(indptr[-1])
    items = list(chain.from_iterable(rows))
    names = items if name is None else map(name, items)
    indices = np.fromiter(map(vocab.index.__getitem__, names), dtype=np.int32, count=cells)
    data = np.ones(cells, dtype=np.float32) if value is None else \
        np.fromiter(map(value, items), dtype=np.float32, count=cells)
    return sp.csr_matrix((data, indices, indptr), shape=(len(rows), len(vocab)))


def replaced_rows(matrix: sp.csr_matrix, rows: Sequence[int], new: sp.spmatrix
                  ) -> sp.csr_matrix:
    """``matrix`` with its ``rows`` (distinct) replaced by the rows of ``new``, in that order
    (``new`` may be wider: the matrix gains its columns, empty); ``matrix`` itself where the
    new rows are the ones it has, so that what is made from it can be kept as it is.

    The cells are copied as slices: the runs of rows kept between two replaced ones, and each
    new row (a follow replaces a few rows of matrices with millions of cells).

    >>> m = sp.csr_matrix(np.arange(6).reshape(3, 2))
    >>> replaced_rows(m, [2, 0], sp.csr_matrix([[9, 9, 1], [7, 7, 0]])).toarray().tolist()
    [[7, 7, 0], [2, 3, 0], [9, 9, 1]]
    >>> replaced_rows(m, [1], sp.csr_matrix([[2, 3]])) is m
    True
    """
    new = sp.csr_matrix(new)
    if new.shape[1] == matrix.shape[1] and (matrix[list(rows)] != new).nnz == 0:
        return matrix
    lengths = np.diff(matrix.indptr)
    lengths[list(rows)] = np.diff(new.indptr)
    parts: list[tuple[np.ndarray, np.ndarray]] = []
    kept_from = 0  # the first row of the run kept up to the next replaced row
    for row, replacing in sorted(zip(rows, range(len(rows)), strict=True)):
        kept = slice(matrix.indptr[kept_from], matrix.indptr[row])
        added = slice(new.indptr[replacing], new.indptr[replacing + 1])
        parts += [(matrix.data[kept], matrix.indices[kept]), (new.data[added], new.indices[added])]
        kept_from = row + 1
    rest = slice(matrix.indptr[kept_from], matrix.indptr[-1])
    parts.append((matrix.data[rest], matrix.indices[rest]))
    return sp.csr_matrix(
        (np.concatenate([data for data, _ in parts]),
         np.concatenate([indices for _, indices in parts]),
         np.concatenate([[0], np.cumsum(lengths)])),
        shape=(matrix.shape[0], max(matrix.shape[1], new.shape[1])))


class VectorRows(Mapping[str, np.ndarray]):
    """Vectors by key, held as the rows of one matrix in key order, so that a snapshot's
    embedding matrix is this matrix itself rather than a copy (:func:`vector_matrix`; at
    100,000 members, 150 MB).

    >>> rows = VectorRows.of(["b", "a"], np.array([[0.0, 1.0], [1.0, 0.0]]))
    >>> rows.vocabulary.names, rows["b"].tolist()
    (('a', 'b'), [0.0, 1.0])
    >>> again = rows.updated({"c": np.array([0.5, 0.5]), "a": None}, removed=())
    >>> again.vocabulary.names, again.matrix.tolist()
    (('b', 'c'), [[0.0, 1.0], [0.5, 0.5]])
    """

    def __init__(self, vocabulary: Vocabulary, matrix: np.ndarray) -> None:
        self.vocabulary = vocabulary  # the keys, in order
        self.matrix = matrix

    @classmethod
    def of(cls, keys: Sequence[str], matrix: np.ndarray) -> VectorRows:
        """``matrix``'s rows, row i the vector of ``keys[i]``."""
        order = sorted(range(len(keys)), key=keys.__getitem__)
        if order == list(range(len(keys))):  # as the embedded store reads them
            return cls(Vocabulary(tuple(keys)), matrix)
        return cls(Vocabulary(tuple(keys[i] for i in order)), matrix[order])

    @classmethod
    def coerce(cls, vectors: Mapping[str, np.ndarray]) -> VectorRows:
        """``vectors`` as rows of one matrix (themselves if they are)."""
        if isinstance(vectors, VectorRows):
            return vectors
        keys = sorted(vectors)
        return cls(Vocabulary(tuple(keys)), np.array([vectors[k] for k in keys], dtype=np.float32)
                   if keys else np.zeros((0, 0), dtype=np.float32))

    def matrix_of(self, keys: Sequence[str], dims: int) -> np.ndarray | None:
        """This matrix, if its rows are the vectors of ``keys`` (in order) of length
        ``dims``; else None."""
        if self.vocabulary.names == tuple(keys) and self.matrix.shape[1:] == (dims,):
            return self.matrix
        return None

    def __getitem__(self, key: str) -> np.ndarray:
        return self.matrix[self.vocabulary.index[key]]

    def __contains__(self, key: object) -> bool:
        return key in self.vocabulary.index

    def __iter__(self) -> Iterator[str]:
        return iter(self.vocabulary.names)

    def __len__(self) -> int:
        return len(self.vocabulary)

    def updated(self, new: Mapping[str, np.ndarray | None],
                removed: Collection[str]) -> VectorRows:
        """These vectors without the keys ``removed`` and those ``new`` maps to None, with
        the others of ``new`` set; themselves if that changes nothing."""
        index = self.vocabulary.index
        gone = {k for k in removed if k in index} | {k for k, v in new.items()
                                                     if v is None and k in index}
        given = {k: v for k, v in new.items() if v is not None}
        if not gone and not given:
            return self
        if not gone and all(k in index for k in given):  # in place: the keys stay
            matrix = self.matrix.copy()
            matrix[[index[k] for k in given]] = list(given.values())
            return VectorRows(self.vocabulary, matrix)
        kept = [k for k in self.vocabulary.names if k not in gone and k not in given]
        parts = [self.matrix[[index[k] for k in kept]]] if kept else []
        if given:
            parts.append(np.array(list(given.values()), dtype=np.float32))
        return VectorRows.of([*kept, *given], np.concatenate(parts) if parts
                             else np.zeros((0, 0), dtype=np.float32))


def vector_matrix(keys: Sequence[str], vectors: Mapping[str, np.ndarray],
                  dims: int) -> np.ndarray:
    """Row i is the vector of keys[i], or zeros where there is none: ``vectors``' own matrix
    when they are :class:`VectorRows` of just these keys."""
    if isinstance(vectors, VectorRows) and (shared := vectors.matrix_of(keys, dims)) is not None:
        return shared
    matrix = np.zeros((len(keys), dims), dtype=np.float32)
    for row, key in enumerate(keys):
        vector = vectors.get(key)
        if vector is not None:
            matrix[row] = vector
    return matrix


def symmetric(n: int, a: np.ndarray, b: np.ndarray,
              weights: np.ndarray | None = None) -> sp.csr_matrix:
    """The symmetric matrix of ``n`` members with the ties ``(a[i], b[i])``: 1 for each, or
    ``weights[i]``.

    >>> symmetric(3, np.array([0]), np.array([2])).toarray().tolist()
    [[0.0, 0.0, 1.0], [0.0, 0.0, 0.0], [1.0, 0.0, 0.0]]
    """
    data = np.ones(len(a), dtype=np.float32) if weights is None else weights.astype(np.float32)
    return sp.csr_matrix((np.concatenate([data, data]),
                          (np.concatenate([a, b]), np.concatenate([b, a]))), shape=(n, n))


def idf_rows(counts: sp.csr_matrix) -> sp.csr_matrix:
    """Weight each column by its inverse document frequency, then scale rows to unit length.

    Worked on the cells' arrays (each pass one over them, the rows' sums of squares by scipy's
    own row sum, in single precision): each write that changes a profile does this again for
    every member.

    >>> unit = idf_rows(sp.csr_matrix([[2, 0, 1], [0, 0, 0], [1, 0, 0]]))
    >>> unit.toarray().astype(float).round(3).tolist()
    [[0.836, 0.0, 0.549], [0.0, 0.0, 0.0], [1.0, 0.0, 0.0]]
    """
    counts.sum_duplicates()  # a cell listed twice counts once, its values added
    rows, columns = counts.shape
    df = np.bincount(counts.indices[counts.data > 0], minlength=columns)
    idf = np.log((1 + rows) / (1 + df)) + 1.0
    weights = (counts.data * idf[counts.indices]).astype(np.float32)
    squares = sp.csr_matrix((weights * weights, counts.indices, counts.indptr), shape=counts.shape)
    norms = np.sqrt(np.asarray(squares.sum(axis=1)).ravel())
    scale = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    weights *= np.repeat(scale.astype(np.float32), np.diff(counts.indptr))
    unit = sp.csr_matrix((weights, counts.indices.copy(), counts.indptr.copy()), shape=counts.shape)
    unit.eliminate_zeros()  # cells counted 0, and rows of nothing
    return unit
