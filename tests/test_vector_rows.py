"""Vectors kept as rows of one matrix behave as the mapping they stand for, and a snapshot's
embedding matrix is that matrix, not a copy."""

from __future__ import annotations

import numpy as np
import pytest

from matcher.recommend.matrices import VectorRows, vector_matrix


def _as_dict(rows: VectorRows) -> dict[str, list[float]]:
    return {key: vector.tolist() for key, vector in rows.items()}


@pytest.mark.parametrize("seed", range(20))
def test_updates_leave_what_a_dict_would_hold(seed: int) -> None:
    rng = np.random.default_rng(seed)
    keys = [f"k{i:02d}" for i in rng.permutation(40)[:25]]
    matrix = rng.random((len(keys), 3), dtype=np.float32)
    rows = VectorRows.of(keys, matrix)
    expected = dict(zip(keys, matrix.tolist(), strict=True))
    assert _as_dict(rows) == expected and list(rows) == sorted(keys)
    for _ in range(4):
        touched = rng.choice([f"k{i:02d}" for i in range(40)], size=6, replace=False)
        new = {str(k): None if rng.random() < 0.3 else rng.random(3, dtype=np.float32)
               for k in touched}
        removed = {str(k) for k in rng.choice(list(expected) or ["none"], size=2)} | {"never"}
        for key in removed:
            expected.pop(key, None)
        for key, vector in new.items():
            if vector is None:
                expected.pop(key, None)
            else:
                expected[key] = vector.tolist()
        before = rows.matrix.copy()
        updated = rows.updated(new, removed)
        assert np.array_equal(rows.matrix, before)  # the old rows are still served as they were
        rows = updated
        assert _as_dict(rows) == expected and list(rows) == sorted(expected)
        assert all(key in rows for key in expected) and "never" not in rows


def test_an_update_that_changes_nothing_keeps_the_rows() -> None:
    rows = VectorRows.of(["a"], np.ones((1, 2), dtype=np.float32))
    assert rows.updated({}, removed={"b"}) is rows
    assert rows.updated({"b": None}, removed=()) is rows


def test_the_matrix_of_every_key_is_shared_and_others_are_copies() -> None:
    rows = VectorRows.of(["b", "a"], np.array([[0, 1], [1, 0]], dtype=np.float32))
    assert vector_matrix(["a", "b"], rows, 2) is rows.matrix
    some = vector_matrix(["b", "c"], rows, 2)
    assert some is not rows.matrix and some.tolist() == [[0, 1], [0, 0]]
    assert VectorRows.coerce({"x": np.ones(2)}).matrix.tolist() == [[1.0, 1.0]]


def test_replacing_vectors_in_place_leaves_the_old_rows_as_they_were() -> None:
    rows = VectorRows.of(["a", "b", "c"], np.eye(3, dtype=np.float32))
    updated = rows.updated({"b": np.full(3, 2, dtype=np.float32)}, removed=())
    assert updated.vocabulary is rows.vocabulary  # the same keys, so the same rows
    assert updated["b"].tolist() == [2, 2, 2] and rows["b"].tolist() == [0, 1, 0]
    assert updated["a"].tolist() == [1, 0, 0]
