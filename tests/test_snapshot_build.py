"""The snapshot's matrices built over whole columns at once say what they said member by member."""

from __future__ import annotations

import datetime as dt
import gc
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from operator import itemgetter

import numpy as np
import pytest
import scipy.sparse as sp

import matcher.recommend.snapshot as snapshot_module
from matcher.recommend.matrices import Vocabulary, idf_rows, incidence, replaced_rows
from matcher.recommend.snapshot import Snapshot
from models import Community, Connection, Consent, Member


def _ties(community: Community) -> list[tuple[int, int, int]]:
    return list(zip(*(column.tolist() for column in Snapshot(community, {}).tie_rows),
                    strict=True))


def test_each_tie_once_in_the_order_first_listed_dated_as_last_listed() -> None:
    members = [Member(id=m) for m in ("a", "b", "c", "d")]
    ties = [
        Connection(source="c", target="a", since=dt.date(2020, 1, 1)),
        Connection(source="b", target="d"),
        Connection(source="a", target="x"),  # to someone not in the community: left out
        Connection(source="a", target="c", since=dt.date(2021, 6, 1)),  # the pair again
        Connection(source="d", target="c", since=dt.date(2019, 2, 3)),
    ]
    day = dt.date.toordinal
    assert _ties(Community(members=members, connections=ties)) == [
        (0, 2, day(dt.date(2021, 6, 1))), (1, 3, -1), (2, 3, day(dt.date(2019, 2, 3)))]
    a, b, days = Snapshot(Community(members=members, connections=ties), {}).tie_rows
    assert (a.dtype, b.dtype, days.dtype) == (np.int32, np.int32, np.int64)


def test_no_ties_give_empty_rows() -> None:
    a, b, days = Snapshot(Community(members=[Member(id="a")]), {}).tie_rows
    assert (len(a), len(b), len(days)) == (0, 0, 0)
    assert (a.dtype, b.dtype, days.dtype) == (np.int32, np.int32, np.int64)


def test_completeness_is_the_share_of_five_parts_filled() -> None:
    members = [Member(id="a"), Member(id="b", bio="Hi.", role="nurse", organisation="T",
                                      interests=["x"], skills=["y"]),
               Member(id="c", role="nurse", interests=["x"])]
    found = Snapshot(Community(members=members), {}).completeness
    assert found.dtype == np.float32
    assert found.tolist() == pytest.approx([0.0, 1.0, 0.4])
    assert found.tolist() == np.array([[0] * 5, [1] * 5, [0, 1, 0, 1, 0]], dtype=np.float32) \
        .mean(axis=1).tolist()


def test_incidence_places_each_listed_name_in_its_row() -> None:
    vocab = Vocabulary(("p", "q", "r"))
    levels = {"r": 2.0, "p": 5.0, "q": 1.5}
    matrix = incidence([["r", "p"], [], ("q",)], vocab, value=levels.__getitem__)
    assert matrix.toarray().tolist() == [[5.0, 0.0, 2.0], [0.0, 0.0, 0.0], [0.0, 1.5, 0.0]]
    assert matrix.dtype == np.float32
    named = incidence([[("q", 4.0)], [("p", 1.0), ("r", 3.0)]], vocab,
                      name=itemgetter(0), value=itemgetter(1))
    assert named.toarray().tolist() == [[0.0, 4.0, 0.0], [1.0, 0.0, 3.0]]
    assert incidence([], vocab).shape == (0, 3)
    with pytest.raises(KeyError):
        incidence([["s"]], vocab)


def test_only_a_snapshot_read_whole_is_warmed_with_the_cycle_collector_held_off(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Holding the collector off saves a whole read's warm-up its passes over the records just
    read; a snapshot made by a write computes little and would only pay for the pause."""
    paused: list[bool] = []
    real = snapshot_module.collector_paused

    @contextmanager
    def recorded() -> Iterator[None]:
        with real():
            paused.append(not gc.isenabled())
            yield

    monkeypatch.setattr(snapshot_module, "collector_paused", recorded)
    members = [Member(id=m) for m in ("a", "b", "c")]
    read = Snapshot(Community(members=members,
                              connections=[Connection(source="a", target="b")]), {}).warmed()
    assert paused == [True]
    written = read.after_write(Community(connections=[Connection(source="b", target="c")]))
    assert written.warmed().tie_rows[0].tolist() == [0, 1]
    assert paused == [True]


def test_a_snapshot_read_whole_computes_the_rest_while_it_builds_its_word_indexes(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The members' word indexes are built once, while a second thread computes the rest of
    a warm-up: none waits for them or builds them again, and they count the same words."""
    rest: list[int] = []
    real_topics = Snapshot.__dict__["topic_profile"].func

    def recorded_topics(snapshot: Snapshot) -> object:
        rest.append(threading.get_ident())
        return real_topics(snapshot)

    monkeypatch.setattr(Snapshot.__dict__["topic_profile"], "func", recorded_topics)
    built: list[int] = []
    real = snapshot_module.MemberEvidence.build

    def recorded(members: Sequence[Member]) -> snapshot_module.MemberEvidence:
        built.append(threading.get_ident())
        return real(members)

    monkeypatch.setattr(snapshot_module.MemberEvidence, "build", recorded)
    members = [Member(id="a", bio="Run charts for SPC"), Member(id="b", bio="Co-design, SPC")]
    snapshot = Snapshot(Community(members=members), {}).warmed()
    assert built == [threading.get_ident()]
    assert len(rest) == 1 and rest[0] != threading.get_ident()
    assert snapshot.search_index.knows is snapshot.member_evidence.knows
    spc = snapshot.member_evidence.knows.vocabulary["spc"]
    assert snapshot.word_profile[:, spc].nnz == 2


def test_idf_rows_weigh_each_word_by_its_rarity_and_make_rows_unit_length() -> None:
    """What the arrays-at-once computation must equal: the textbook formula on dense rows
    (a cell listed twice counts once with its values added; a row of nothing stays empty)."""
    rng = np.random.default_rng(3)
    dense = rng.integers(0, 3, size=(40, 9)) * (rng.random((40, 9)) < 0.4)
    dense[5] = 0
    rows, columns = np.nonzero(dense)  # each cell's count split in two entries, row by row:
    order = np.argsort(np.concatenate([rows, rows]), kind="stable")
    doubled = sp.csr_matrix(
        (np.concatenate([dense[rows, columns] - 1, np.ones(len(rows))])[order],
         np.concatenate([columns, columns])[order],
         np.searchsorted(np.concatenate([rows, rows])[order], np.arange(41))), shape=dense.shape)
    assert not doubled.has_canonical_format
    idf = np.log(41 / (1 + (dense > 0).sum(axis=0))) + 1.0
    weighted = dense * idf
    norms = np.linalg.norm(weighted, axis=1, keepdims=True)
    expected = np.divide(weighted, norms, out=np.zeros_like(weighted), where=norms > 0)
    found = idf_rows(doubled)
    assert found.dtype == np.float32
    assert np.allclose(found.toarray(), expected, atol=1e-6)
    assert found[5].nnz == 0 and found.nnz == np.count_nonzero(dense)


def test_replacing_rows_copies_the_rows_kept_and_places_each_new_one() -> None:
    rng = np.random.default_rng(4)
    dense = rng.integers(0, 4, size=(30, 6)) * (rng.random((30, 6)) < 0.5)
    for rows in ([0], [29], [7, 3, 28, 0], list(range(30)), []):
        new = rng.integers(0, 4, size=(len(rows), 8)) * (rng.random((len(rows), 8)) < 0.5)
        expected = np.zeros((30, 8), dtype=dense.dtype)
        expected[:, :6] = dense
        expected[rows] = new
        found = replaced_rows(sp.csr_matrix(dense), rows, sp.csr_matrix(new))
        assert found.shape == (30, 8) and found.toarray().tolist() == expected.tolist()


def test_a_profile_edit_patches_the_word_indexes_instead_of_building_them_whole(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Every patch runs before what reads it (the transposes read the word rows): a patch
    reading ahead would build the members' word indexes whole, at every edit."""
    members = [Member(id="a", bio="Run charts for SPC"), Member(id="b", bio="Co-design")]
    snapshot = Snapshot(Community(members=members), {}).warmed()
    built: list[int] = []
    real = snapshot_module.MemberEvidence.build
    monkeypatch.setattr(snapshot_module.MemberEvidence, "build",
                        lambda found: built.append(len(found)) or real(found))
    edited = members[1].model_copy(update={"bio": "Co-design with SPC"})
    after = snapshot.after_write(Community(members=[edited])).warmed()
    assert built == []
    spc = after.member_evidence.knows.vocabulary["spc"]
    assert after.by_column["word_profile"][spc].nnz == 2


def test_a_profile_edit_keeps_the_count_of_findable_ties_unless_it_changes_who_may_be_found(
        ) -> None:
    """What a member's ties say in search is divided by how many of them may be found: an edit
    that hides no one and takes no one's consent keeps the count, one that does counts anew."""
    members = [Member(id=i) for i in "abc"]
    ties = [Connection(source="a", target="b"), Connection(source="a", target="c")]
    snapshot = Snapshot(Community(members=members, connections=ties), {}).warmed()
    assert snapshot.findable_ties.tolist() == [2, 1, 1]
    edited = snapshot.after_write(Community(members=[
        members[1].model_copy(update={"bio": "SPC on wards"})])).warmed()
    assert edited.findable_ties is snapshot.findable_ties
    withdrawn = edited.after_write(Community(members=[
        members[2].model_copy(update={"consent": Consent(suggestions=False)})])).warmed()
    assert withdrawn.findable_ties.tolist() == [1, 1, 1]
