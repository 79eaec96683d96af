"""k-anonymity for the analysts' pseudonymised export: no record stands out by what anyone who
can read profiles could link it with.

The quasi-identifiers are what a member's profile shows to other members: organisation, role,
region, when they joined, interests, skills and the skills they want to learn. Each exported
record shows them generalised (the year joined, never the month; skills without levels) and
suppressed value by value (a value is withheld, never a whole record), so that every
combination an export shows is shown by at least :data:`K_ANONYMITY` records:

1. Records are put in classes of at least k by the finest of these keys that k of them share:
   region, role, organisation and year joined; region, role and organisation; region and role;
   region; nothing. What is left (fewer than k) joins the smallest class.
2. A class is split in two, while both parts keep k records, on the term (interest, skill or
   wanted skill) most of it holds, so that records keep the terms they share with k others.
3. A record then shows only what its whole class shares: a value all of the class have, the
   terms all of them hold. Records of one class show the same combination, so each
   combination is shown by at least k records.

A community with fewer than k records analysed shows none of the quasi-identifiers.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields

from models import Member

__all__ = ["K_ANONYMITY", "SCALARS", "TERMS", "QuasiIdentifiers", "k_anonymous",
           "quasi_identifiers", "withheld"]

K_ANONYMITY = 5
"""The fewest exported records that may show any one combination of quasi-identifiers."""


@dataclass(frozen=True)
class QuasiIdentifiers:
    """What a record could be linked to a profile by; None or empty: unknown or withheld."""

    organisation: str | None = None
    role: str | None = None
    region: str | None = None
    joined: int | None = None  # the year
    interests: frozenset[str] = frozenset()
    skills: frozenset[str] = frozenset()
    wants_to_learn: frozenset[str] = frozenset()


SCALARS = ("organisation", "role", "region", "joined")
TERMS = ("interests", "skills", "wants_to_learn")

_Key = Callable[[QuasiIdentifiers], tuple[object, ...]]
LADDER: tuple[_Key, ...] = (
    lambda q: (q.region, q.role, q.organisation, q.joined),
    lambda q: (q.region, q.role, q.organisation),
    lambda q: (q.region, q.role),
    lambda q: (q.region,),
    lambda q: (),
)
"""The keys classes are formed by, finest first (step 1)."""


def quasi_identifiers(member: Member) -> QuasiIdentifiers:
    """``member``'s quasi-identifiers, generalised: the year joined, skill names."""
    return QuasiIdentifiers(
        member.organisation, member.role, member.region,
        member.joined.year if member.joined else None, frozenset(member.interests),
        frozenset(s.name for s in member.skills), frozenset(member.wants_to_learn))


def _laddered(records: Sequence[QuasiIdentifiers], k: int) -> list[list[int]]:
    """Step 1: classes of at least k record positions (one class of all when there are fewer
    than k records)."""
    classes: list[list[int]] = []
    left = list(range(len(records)))
    for key in LADDER:
        by_key: defaultdict[tuple[object, ...], list[int]] = defaultdict(list)
        for at in left:
            by_key[key(records[at])].append(at)
        left = []
        for members in by_key.values():
            (classes.append(members) if len(members) >= k else left.extend(members))
    if left and classes:
        min(classes, key=len).extend(left)
    elif left:
        classes.append(left)
    return classes


def _split(terms: Sequence[frozenset[tuple[str, str]]], members: list[int], k: int
           ) -> list[list[int]]:
    """Step 2: ``members`` split on the terms they hold (``terms``, by position) into classes
    of at least k."""
    done, todo = [], [members]
    while todo:
        part = todo.pop()
        held = Counter(term for at in part for term in terms[at])
        splits = [(n, term) for term, n in held.items() if k <= n <= len(part) - k]
        if not splits:
            done.append(part)
            continue
        _, term = max(splits)
        todo.append([at for at in part if term in terms[at]])
        todo.append([at for at in part if term not in terms[at]])
    return done


def _shared(records: Sequence[QuasiIdentifiers]) -> QuasiIdentifiers:
    """Step 3: what every one of ``records`` shows."""
    first, shown = records[0], {}
    for name in SCALARS:
        value = getattr(first, name)
        shown[name] = value if all(getattr(r, name) == value for r in records) else None
    for name in TERMS:
        shown[name] = frozenset.intersection(*(getattr(r, name) for r in records))
    return QuasiIdentifiers(**shown)


def k_anonymous(records: Sequence[QuasiIdentifiers], k: int = K_ANONYMITY
                ) -> list[QuasiIdentifiers]:
    """What each of ``records`` may show, in the same order, such that every combination
    shown is shown by at least ``k`` records (see the module's description).

    >>> north = [QuasiIdentifiers("Trust A", "nurse", "North", interests=frozenset({"x"}))] * 2
    >>> shown = k_anonymous([*north, QuasiIdentifiers("Trust B", "nurse", "North")], k=3)
    >>> [(q.organisation, q.role, q.region, sorted(q.interests)) for q in shown]
    ... # doctest: +NORMALIZE_WHITESPACE
    [(None, 'nurse', 'North', []), (None, 'nurse', 'North', []),
     (None, 'nurse', 'North', [])]
    """
    if len(records) < k:
        return [QuasiIdentifiers()] * len(records)
    terms = [frozenset((kind, term) for kind in TERMS for term in getattr(record, kind))
             for record in records]
    shown: dict[int, QuasiIdentifiers] = {}
    for members in _laddered(records, k):
        for part in _split(terms, members, k):
            common = _shared([records[at] for at in part])
            shown.update(dict.fromkeys(part, common))
    return [shown[at] for at in range(len(records))]


def withheld(records: Sequence[QuasiIdentifiers], shown: Sequence[QuasiIdentifiers]
             ) -> dict[str, int]:
    """Per quasi-identifier, how many values of ``records`` ``shown`` withholds (terms: each
    term withheld counts)."""
    counts = dict.fromkeys((f.name for f in fields(QuasiIdentifiers)), 0)
    for record, seen in zip(records, shown, strict=True):
        for name in SCALARS:
            counts[name] += getattr(record, name) is not None and getattr(seen, name) is None
        for name in TERMS:
            counts[name] += len(getattr(record, name) - getattr(seen, name))
    return counts
