"""Exact words: BM25 over short documents, so terms, acronyms and names count ("SPC", "PDSA",
"ECMO").

The words are sklearn's (a ``CountVectorizer``: lower case, English stop words left out, tokens
of two or more letters, digits or underscores); the weighting is Okapi BM25 as Lucene computes it
(``k1 = 1.2``, ``b = 0.75``, idf ``ln(1 + (N − df + 0.5) / (df + 0.5))``, ``N`` and the mean
length over the documents that say something), precomputed per document and term, so scoring a
query is one sum of a few columns of a sparse matrix.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import chain

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer

from matcher.recommend.matrices import replaced_rows, row_pointers
from matcher.search.word_codes import PATTERN, coded

__all__ = ["LexicalIndex", "words"]

K1 = 1.2
B = 0.75

# The pattern finds sklearn's default tokens in two thirds of the time.
_VECTORIZER = CountVectorizer(lowercase=True, stop_words="english", token_pattern=PATTERN.pattern)
_STOP_WORDS = _VECTORIZER.get_stop_words()
words: Callable[[str], list[str]] = _VECTORIZER.build_analyzer()
"""The words of a text as every index counts them.

>>> words("Run charts and SPC on the maternity ward")
['run', 'charts', 'spc', 'maternity', 'ward']
"""


_CHUNK = 10_000
"""Texts whose words are held at once while counting: counting all of 100,000 profiles' at once
raised a replica's peak memory from 1.23 to 1.62 GiB (``benchmarks/follow_speed.py``)."""


def _counted(texts: Sequence[str]) -> tuple[dict[str, int], sp.csr_matrix]:
    """The vocabulary of ``texts`` (in alphabetical order) and how often each text has each of
    its words: the counts of :func:`words`.

    The vectorizer's own counting looks each word up in Python; here a chunk of texts' words
    are numbered at once (:func:`~matcher.search.word_codes.coded`), and only the distinct ones
    are looked up.

    >>> vocabulary, counts = _counted(["SPC and run charts, run charts", "", "the SPC"])
    >>> sorted(vocabulary, key=vocabulary.get), counts.toarray().tolist()
    (['charts', 'run', 'spc'], [[2, 2, 1], [0, 0, 0], [0, 0, 1]])
    """
    seen: dict[str, int] = {}  # every word found, numbered as first found
    chunks = []
    for start in range(0, len(texts), _CHUNK):
        rows, codes, names = coded(texts[start:start + _CHUNK])
        number = np.fromiter((-1 if name in _STOP_WORDS else seen.setdefault(name, len(seen))
                              for name in names), dtype=np.int64, count=len(names))[codes]
        word = number >= 0
        chunks.append(sp.csr_matrix(
            (np.ones(int(word.sum()), dtype=np.int32), (rows[word], number[word])),
            shape=(len(texts[start:start + _CHUNK]), len(seen))))
    for chunk in chunks:
        chunk.resize(chunk.shape[0], len(seen))
    counts = sp.vstack(chunks, format="csr") if chunks else sp.csr_matrix((0, 0), dtype=np.int32)
    names = np.array(list(seen), dtype=object)
    order = np.argsort(names)
    alphabetical = np.empty(len(names), dtype=np.int32)
    alphabetical[order] = np.arange(len(names))
    return ({str(names[i]): c for c, i in enumerate(order)},
            sp.csr_matrix((counts.data, alphabetical[counts.indices], counts.indptr),
                          shape=counts.shape))


@dataclass(frozen=True)
class LexicalIndex:
    """BM25 weights of each document (row) for each word (column) of its vocabulary."""

    vocabulary: dict[str, int]
    weights: sp.csc_matrix
    counts: sp.csr_matrix = field(repr=False)  # kept, so documents can be replaced cheaply

    @cached_property
    def worded(self) -> np.ndarray:
        """Which documents have any word the index counts."""
        return np.bincount(self.weights.indices, minlength=len(self)) > 0

    @classmethod
    def build(cls, texts: Sequence[str]) -> LexicalIndex:
        """The index of ``texts``, one document each (empty ones match nothing).

        >>> index = LexicalIndex.build(["run charts for SPC", "SPC", "co-design"])
        >>> [round(float(s), 3) for s in index.scores("spc charts")]
        [1.093, 0.562, 0.0]
        """
        return cls._weighted(*_counted(texts))

    @classmethod
    def of_names(cls, documents: Sequence[Sequence[str]]) -> LexicalIndex:
        """The index of documents that are each a few texts, many of them shared (the topics
        or skills a member names, their role): what :meth:`build` gives for each document's
        texts joined by ", ", faster. Each distinct text's words are counted once, and a
        document's are the sum of its texts' (commas and spaces end words, and change no
        letter's case around them).

        >>> names = [["Run charts", "SPC"], [], ["SPC", "Co-design"]]
        >>> joined = LexicalIndex.build([", ".join(n) for n in names])
        >>> index = LexicalIndex.of_names(names)
        >>> index.vocabulary == joined.vocabulary, (index.weights != joined.weights).nnz
        (True, 0)
        """
        ends = row_pointers(documents)
        # Each text numbered as first named, by a hash table in C, not a dict in Python; None
        # is numbered too (not -1, a column outside the matrix), so it fails as a text would.
        cells, names = pd.factorize(np.fromiter(chain.from_iterable(documents), dtype=object,
                                                count=int(ends[-1])), use_na_sentinel=False)
        vocabulary, per_name = _counted(names.tolist())
        named = sp.csr_matrix((np.ones(len(cells), dtype=np.float32), cells, ends),
                              shape=(len(documents), len(names)))
        return cls._weighted(vocabulary, named @ per_name)

    @classmethod
    def _weighted(cls, vocabulary: dict[str, int], counts: sp.spmatrix) -> LexicalIndex:
        """The index of word ``counts`` (documents × the words of ``vocabulary``)."""
        counts = sp.csr_matrix(counts, dtype=np.float32)
        counts.sum_duplicates()  # each row's words in order, as replaced rows keep them
        length = np.asarray(counts.sum(axis=1, dtype=np.float64)).ravel()
        # Documents that say nothing are not counted, as Lucene counts only the documents with
        # the field: how many members may not be found (indexed as saying nothing) must show
        # in no one's score.
        documents = int(np.count_nonzero(length))
        frequency = np.bincount(counts.indices, minlength=counts.shape[1])
        idf = np.log1p((documents - frequency + 0.5) / (frequency + 0.5))
        norm = K1 * (1 - B + B * length / max(length.sum() / max(documents, 1), 1e-9))
        # tf · (k1 + 1) / (tf + norm) · idf, in place in single precision: every document's
        # weights are redone whenever one changes, so fewer and smaller temporaries count.
        tf = counts.data
        weights = np.repeat(norm.astype(np.float32), np.diff(counts.indptr))
        weights += tf
        np.divide(tf * np.float32(K1 + 1), weights, out=weights)
        weights *= idf.astype(np.float32)[counts.indices]
        by_document = sp.csr_matrix((weights, counts.indices, counts.indptr), shape=counts.shape)
        return cls(vocabulary, by_document.tocsc(), counts)

    def replaced(self, rows: Sequence[int], texts: Sequence[str]) -> LexicalIndex:
        """This index with the documents ``rows`` (distinct) replaced by ``texts``: the scores
        :meth:`build` gives for all the documents, without counting the others' words again
        (a word no document has any more keeps a column that matches nothing); itself where
        the texts say the words the documents did (an edit of another part of a profile).

        >>> index = LexicalIndex.build(["run charts for SPC", "SPC", "co-design"])
        >>> again = index.replaced([2], ["PDSA cycles and run charts"])
        >>> fresh = LexicalIndex.build(["run charts for SPC", "SPC", "PDSA cycles and run charts"])
        >>> bool(np.array_equal(again.scores("run charts pdsa"), fresh.scores("run charts pdsa")))
        True
        >>> again.replaced([1], ["the SPC"]) is again
        True
        """
        vocabulary = dict(self.vocabulary)
        cells: list[int] = []
        counted: list[int] = []
        ends = [0]
        for text in texts:
            for word, n in Counter(words(text)).items():
                cells.append(vocabulary.setdefault(word, len(vocabulary)))
                counted.append(n)
            ends.append(len(cells))
        new = sp.csr_matrix((np.array(counted, dtype=np.float32),
                             np.array(cells, dtype=np.int32), np.array(ends)),
                            shape=(len(texts), len(vocabulary)))
        new.sort_indices()  # as the rows kept are, so the counts need no sorting whole again
        # (the IDF-weighted rows of what members know are made from them after every edit)
        counts = replaced_rows(self.counts, rows, new)
        return self if counts is self.counts else self._weighted(vocabulary, counts)

    def __len__(self) -> int:
        return self.weights.shape[0]

    def scores(self, text: str) -> np.ndarray:
        """Each document's BM25 score for ``text`` (each of its words counted once)."""
        columns = sorted({self.vocabulary[w] for w in words(text) if w in self.vocabulary})
        if not columns:
            return np.zeros(len(self), dtype=np.float32)
        return np.asarray(self.weights[:, columns].sum(axis=1)).ravel()
