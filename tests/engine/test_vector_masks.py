"""Uniform masks of the vector backend: combined without passes, never written in place, and
taken as uniform — the same values as the plain boolean arrays they stand for."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.backends import vector_values as vv
from engine.backends.vector_shared import SharedValues

MASKS = st.one_of(
    st.just("ones"),
    st.just("zeros"),
    st.lists(st.booleans(), min_size=6, max_size=6).map(lambda values: np.array(values, dtype=bool)),
)


def _mask(spec: object) -> np.ndarray:
    if isinstance(spec, str):
        return vv.ones(6) if spec == "ones" else vv.zeros(6)
    return spec  # type: ignore[return-value]


@given(MASKS, MASKS, st.lists(st.integers(0, 5), max_size=8))
def test_combined_and_taken_as_the_plain_arrays(a, b, index):  # type: ignore[no-untyped-def]
    left, right = _mask(a), _mask(b)
    plain_left, plain_right = np.array(left), np.array(right)
    assert vv.both(left, right).tolist() == (plain_left & plain_right).tolist()
    assert vv.either(left, right).tolist() == (plain_left | plain_right).tolist()
    rows = np.array(index, dtype=np.int64)
    assert vv.take_column(left, rows).tolist() == plain_left[rows].tolist()


def test_uniform_masks_cost_no_pass_and_stay_uniform():
    known = vv.ones(1_000_000)
    assert known.nbytes == 1_000_000 and known.base is not None and known.strides == (0,)  # a view of one
    computed = np.arange(1_000_000) % 2 == 0
    assert vv.both(known, computed) is computed and vv.either(vv.zeros(1_000_000), computed) is computed
    assert vv.uniform(vv.both(known, vv.zeros(1_000_000))) is False
    assert vv.uniform(vv.take_column(known, np.array([3, 1]))) is True
    assert vv.uniform(computed) is None and vv.uniform(np.ones(3, dtype=bool)) is None


def test_one_value_columns_stay_one_value_when_taken():
    """A constant (``vv.spread``) read at some rows is still one number, not a column of copies."""
    constant = vv.spread(18_939 * 10**10, 1_000_000)
    taken = vv.take_column(constant, np.array([5, 0, 5]))
    assert vv.single(taken) == 18_939 * 10**10 and taken.strides == (0,) and taken.tolist() == [18_939 * 10**10] * 3
    literal = vv.Texts(vv.ones(4), vv.zeros(4), vv.spread("child", 4, object)).take(np.array([2, 3]))
    assert vv.single(literal.v) == "child" and literal.v.tolist() == ["child", "child"]
    assert vv.single(np.arange(3)) is None and vv.single(np.array([7])) is None  # columns of their own rows


def test_uniform_masks_refuse_writes():
    """A uniform mask is shared by every value made from it: writing one would change them all."""
    with pytest.raises(ValueError, match="read-only"):
        vv.ones(3)[0] = False


def test_a_complete_shared_value_is_not_written_again():
    """Two threads may compute one shared value; the second's rows are not scattered into the
    first's complete value (whose masks may be uniform, read-only views)."""
    store = SharedValues()
    whole = vv.num_ints(np.array([1, 2, 3]))
    store.put(("k",), None, 3, whole)
    store.put(("k",), np.array([1]), 3, vv.num_ints(np.array([2])))
    found = store.get(("k",), None)
    assert found is not None and found.m.tolist() == [1, 2, 3] and vv.uniform(found.known) is True
    assert store.get(("k",), np.array([2, 0])).m.tolist() == [3, 1]  # type: ignore[union-attr]


def test_a_kept_value_does_not_follow_changes_to_the_value_object_put():
    """The computing measure may give its value other masks afterwards (a call does so with its
    result); the kept value is not that object."""
    store = SharedValues()
    value = vv.num_ints(np.array([1, 2, 3]))
    store.put(("k",), None, 3, value)
    value.known = np.array([True, False, True])
    found = store.get(("k",), None)
    assert found is not None and vv.uniform(found.known) is True
