"""Ties as columns give what records would: the same connections, and after a write the ties
a store would hold."""

from __future__ import annotations

import datetime as dt
import pickle
import random

import pytest

from graph_schema.changes import tie_key
from graph_schema.store import connection_from_row
from graph_schema.ties import TieColumns, Ties
from models import Connection

KINDS = (None, "peer", "mentored", "collaborated")


def _random_ties(rng: random.Random, people: list[str], count: int) -> list[Connection]:
    ties: dict[tuple[str, str], Connection] = {}
    while len(ties) < count:
        a, b = rng.sample(people, 2)
        since = dt.date(2020, 1, 1) + dt.timedelta(days=rng.randrange(1500)) \
            if rng.random() < 0.7 else None
        ties.setdefault(tie_key(a, b), Connection(source=a, target=b, kind=rng.choice(KINDS),
                                                  since=since))
    return list(ties.values())


def _as_a_store_keeps(ties: list[Connection], written: list[Connection],
                      cut: set[tuple[str, str]], gone: set[str]) -> list[Connection]:
    """The ties after a write, one record at a time: what the stores do."""
    by_pair = {tie_key(t.source, t.target): t for t in ties
               if t.source not in gone and t.target not in gone}
    for key in cut:
        by_pair.pop(key, None)
    for tie in written:
        key = tie_key(tie.source, tie.target)
        was = by_pair.get(key)  # an upsert keeps the orientation first stored
        by_pair[key] = was.model_copy(update={"kind": tie.kind, "since": tie.since}) \
            if was else tie
    return list(by_pair.values())


def test_columns_give_the_records_a_store_read_gives() -> None:
    rows = [("ana", "ben", "peer", "2024-05-01"), ("ben", "cy", None, None),
            ("cy", "ana", "mentored", dt.date(2023, 1, 2))]
    ties = Ties.of(TieColumns(*zip(*reversed(rows), strict=True)), ordered=True)  # any order
    assert list(Ties.of(TieColumns(*zip(*rows, strict=True)))) == list(ties)
    assert list(ties) == [connection_from_row(*row) for row in rows]
    assert ties[-1] == connection_from_row(*rows[-1])
    assert ties[1:] == [connection_from_row(*row) for row in rows[1:]]
    assert ties == [connection_from_row(*row) for row in rows]
    assert ties != [connection_from_row(*row) for row in rows[:2]]
    assert pickle.loads(pickle.dumps(ties)) == ties
    assert ties.touching("ana") == [ties[0], ties[2]]
    assert ties.touching("nobody") == []
    assert list(Ties.of(TieColumns([], [], [], []))) == []


@pytest.mark.parametrize("seed", range(20))
def test_a_write_leaves_the_ties_a_store_would_hold(seed: int) -> None:
    rng = random.Random(seed)
    people = [f"m{i:02d}" for i in range(30)]
    before = _random_ties(rng, people, 60)
    # Pairs written again (as stored, and the other way round), new pairs (some with members
    # new here), and one pair twice in the same write.
    written = [t.model_copy(update={"kind": rng.choice(KINDS), "since": dt.date(2025, 6, 1)})
               for t in rng.sample(before, 5)]
    written += [Connection(source=t.target, target=t.source, kind="peer")
                for t in rng.sample(before, 3)]
    written += _random_ties(rng, [*people, "n1", "n2"], 4)
    written.append(written[-1].model_copy(update={"kind": "collaborated"}))
    cut = {tie_key(t.source, t.target) for t in rng.sample(before, 4)} | {("m00", "zz")}
    gone = set(rng.sample(people, 2)) | {"never-here"}
    expected = _as_a_store_keeps(before, written, cut, gone)
    after = Ties.coerce(before).updated(written, cut, gone)
    assert list(after) == expected
    # Of an erased member not tied again, not even the id is kept.
    assert set(after.names) == {end for t in expected for end in (t.source, t.target)}
    # A write that erases no one keeps the codes and the pairs' keys, extended: each member's
    # ties are found, and each pair's key is the one its ends give.
    again = after.updated([*written[:2], Connection(source="n3", target=people[5])], (), ())
    for name in again.names:
        assert again.touching(name) == [t for t in again if name in (t.source, t.target)]
    assert "keys" in again.__dict__
    fresh = Ties(again.names, again.ends, again.kinds, again.kind, again.days)
    assert again.keys.tolist() == fresh.keys.tolist()
