"""What a query names: the skills and topics of the community's vocabulary it is about.

A skill or topic is named when its name stands in the query as words ("expert in statistical
process control", "SPC" where that is the name), or, failing that, when the query means it
closely (cosine of the embeddings at least :data:`NAMED_SIMILARITY`: "control charts for
variation" → statistical process control). Search then uses it: holding a named skill, and its
level, is evidence like any other, and where the query is about the named terms (their words
are at least :data:`ABOUT` of the query's words, as in "expert in statistical process control")
holders rank by level above members without it; a named topic favours members and groups on it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from matcher.recommend.matrices import Vocabulary
from matcher.search.lexical import words

__all__ = ["NAMED_SIMILARITY", "Named", "cosines", "named_terms"]

NAMED_SIMILARITY = 0.7
"""How close in meaning a query must be to a term's name to name it without its words."""
ABOUT = 0.5
"""The share of a query's words the named terms' words must make up for it to be about them."""


def cosines(matrix: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Each row's cosine to the (normalised) query; zeros while the community holds no
    embeddings at all, when the snapshot's matrices are one column wide.

    >>> cosines(np.zeros((2, 1)), np.ones(384) / np.sqrt(384)).tolist()
    [0.0, 0.0]
    """
    return matrix @ query if matrix.shape[1] == len(query) else np.zeros(len(matrix))


@dataclass(frozen=True)
class Named:
    """Column numbers of the skills and topics a query names, and whether the query is about
    them (the skills, the topics) rather than only mentioning them."""

    skills: tuple[int, ...] = ()
    topics: tuple[int, ...] = ()
    about_skills: bool = False
    about_topics: bool = False


def _said(text: str, names: Sequence[str]) -> list[int]:
    """The names that stand in ``text`` as whole words (case aside), longest first, each
    only where no longer name already covers the same words."""
    lowered, found, covered = text.lower(), [], []
    for i in sorted(range(len(names)), key=lambda i: -len(names[i])):
        name = names[i].lower()
        if name not in lowered:  # most names are not there: no pattern to make for them
            continue
        for match in re.finditer(rf"(?<!\w){re.escape(name)}(?!\w)", lowered):
            if not any(a <= match.start() and match.end() <= b for a, b in covered):
                covered.append(match.span())
                found.append(i)
                break
    return sorted(found)


def _meant(query: np.ndarray, vocabulary: Vocabulary,
           vectors: Mapping[str, np.ndarray]) -> list[int]:
    known = [i for i, name in enumerate(vocabulary.names) if name in vectors]
    if not known or not query.any():
        return []
    scores = np.array([vectors[vocabulary.names[i]] for i in known]) @ query
    best = int(np.argmax(scores))
    return [known[best]] if scores[best] >= NAMED_SIMILARITY else []


def named_terms(text: str, query: np.ndarray, skills: Vocabulary, topics: Vocabulary,
                vectors: Mapping[str, Mapping[str, np.ndarray]]) -> Named:
    """The skills and topics ``text`` (embedded as ``query``) names.

    >>> skills = Vocabulary(("Coaching", "Statistical process control"))
    >>> found = named_terms("an expert in statistical process control", np.zeros(3), skills,
    ...                     Vocabulary(()), {})
    >>> found.skills, found.about_skills
    ((1,), True)
    """
    said_skills, said_topics = _said(text, skills.names), _said(text, topics.names)
    if said_skills or said_topics:
        asked = words(text)

        def about(found: list[int], names: Sequence[str]) -> bool:
            named = {w for i in found for w in words(names[i])}
            return bool(found) and sum(w in named for w in asked) >= ABOUT * len(asked)

        return Named(tuple(said_skills), tuple(said_topics), about(said_skills, skills.names),
                     about(said_topics, topics.names))
    meant_skills = _meant(query, skills, vectors.get("skill", {}))
    meant_topics = _meant(query, topics, vectors.get("topic", {}))
    return Named(tuple(meant_skills), tuple(meant_topics), bool(meant_skills),
                 bool(meant_topics))
