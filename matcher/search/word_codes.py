"""The words of many texts at once, numbered: what ``\\w{2,}`` finds in each text lowered.

Counting the words of a community's profiles found them with the pattern and hashed each word
as a Python string: at 100,000 profiles that was most of building the search index. Texts in
ASCII (most are) are read here as bytes by numpy instead: a word is a run of word bytes, its key
its bytes eight at a time, and each distinct word is made a string once. A text with any other
character is still read by the pattern, whose word characters are Unicode's.

Keys longer than eight bytes are folded into one number, which two words could share: every
word is checked byte for byte against one word of its number, and if any differs (never seen
in practice) those texts are read by the pattern too, so the answer is always exact.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import chain

import numpy as np
import pandas as pd

__all__ = ["PATTERN", "coded"]

PATTERN = re.compile(r"\w{2,}")
"""Runs of two or more word characters: the tokens of sklearn's default pattern ``\\b\\w\\w+\\b``
(a run is taken whole, so its ends are word boundaries)."""

_WORD_BYTE = np.zeros(256, dtype=bool)
_WORD_BYTE[list(b"0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")] = True
_FOLD = np.uint64(0x9E3779B97F4A7C15)  # odd, bits well spread: folds one key into the next

Coded = tuple[np.ndarray, np.ndarray, list[str]]


def coded(texts: Sequence[str]) -> Coded:
    """For each word of ``texts`` (each lowered), the row of its text and its number, and the
    distinct words those number.

    >>> rows, codes, names = coded(["SPC and run charts", "", "Über SPC-led"])
    >>> rows.tolist(), [names[c] for c in codes]
    ([0, 0, 0, 0, 2, 2, 2], ['spc', 'and', 'run', 'charts', 'über', 'spc', 'led'])
    """
    lowered = [text.lower() for text in texts]
    plain = [row for row, text in enumerate(lowered) if text.isascii()]
    found = _bytewise([lowered[row] for row in plain])
    if found is None:  # two words shared a number: read them by the pattern
        found = _by_pattern([lowered[row] for row in plain])
    others = [row for row, text in enumerate(lowered) if not text.isascii()]
    return _joined(_placed(found, plain),
                   _placed(_by_pattern([lowered[row] for row in others]), others))


def _placed(found: Coded, rows: Sequence[int]) -> Coded:
    """``found`` in some texts, its rows those of ``rows`` among all the texts."""
    where, codes, names = found
    return np.asarray(rows, dtype=np.int64)[where], codes, names


def _joined(first: Coded, second: Coded) -> Coded:
    """The words of two sets of texts as one, each distinct word numbered once."""
    codes = np.concatenate([first[1], second[1] + len(first[2])])
    renumbered, names = pd.factorize(np.array([*first[2], *second[2]], dtype=object))
    return np.concatenate([first[0], second[0]]), renumbered[codes], names.tolist()


def _by_pattern(texts: Sequence[str]) -> Coded:
    """The words of lowered ``texts`` as the pattern finds them."""
    found = [PATTERN.findall(text) for text in texts]
    lengths = np.fromiter(map(len, found), dtype=np.int64, count=len(found))
    codes, names = pd.factorize(np.fromiter(chain.from_iterable(found), dtype=object,
                                            count=int(lengths.sum())))
    return np.repeat(np.arange(len(found)), lengths), codes, names.tolist()


def _bytewise(texts: Sequence[str]) -> Coded | None:
    """The words of lowered ASCII ``texts`` read as bytes, or None if two distinct words were
    given one number."""
    data = ("\0".join(texts) + "\0" * 8).encode("ascii")  # 8 spare: every key read in bounds
    text = np.frombuffer(data, dtype=np.uint8)
    edges = np.flatnonzero(np.diff(_WORD_BYTE[text].view(np.int8), prepend=0))
    starts, ends = edges[0::2], edges[1::2]  # the trailing NULs end the last run
    long = ends - starts >= 2
    starts, ends = starts[long], ends[long]
    lengths = ends - starts
    firsts = np.cumsum([0, *(len(t) + 1 for t in texts[:-1])]) if texts else np.zeros(0)
    rows = np.searchsorted(firsts, starts, side="right") - 1

    keys = [_eight(data, starts, ends)]  # bytes 8k to 8k + 8 of each word, zero past its end
    folded = keys[0].copy()
    for k in range(1, -(-int(lengths.max(initial=0)) // 8)):
        key = np.zeros(len(starts), dtype=np.uint64)
        longer = lengths > 8 * k
        key[longer] = _eight(data, starts[longer] + 8 * k, ends[longer])
        folded[longer] = (folded[longer] ^ (folded[longer] >> np.uint64(29))) * _FOLD + key[longer]
        keys.append(key)
    codes, _ = pd.factorize(folded)
    one = np.empty(codes.max(initial=-1) + 1, dtype=np.int64)
    one[codes] = np.arange(len(codes))  # one word of each number, whichever
    like = one[codes]
    if not (np.array_equal(lengths, lengths[like])
            and all(np.array_equal(key, key[like]) for key in keys)):
        return None
    names = [data[start:end].decode("ascii")
             for start, end in zip(starts[one].tolist(), ends[one].tolist(), strict=True)]
    return rows, codes, names


def _eight(text: bytes, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """The eight bytes of ``text`` from each of ``starts`` as one number, those from each of
    ``ends`` on zero."""
    every = np.ndarray(len(text) - 7, dtype="<u8", buffer=text, strides=(1,))  # one at each byte
    kept = np.minimum(ends - starts, 8).astype(np.uint64) * np.uint64(8)  # bits
    low = (np.uint64(1) << np.minimum(kept, np.uint64(63))) - np.uint64(1)
    return every[starts] & np.where(kept == 64, ~np.uint64(0), low)
