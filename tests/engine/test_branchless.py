"""``choose`` gives exactly what ``np.where`` gives: values, dtype and shape, for every dtype the
vector backend chooses between (and ``np.where``'s own answer for the rest)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from engine.backends.branchless import choose
from engine.backends.vector_values import spread

INTEGER_TYPES = [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint64]


@st.composite
def cases(draw):  # type: ignore[no-untyped-def]
    n = draw(st.integers(min_value=0, max_value=40))
    mask = draw(hnp.arrays(bool, n))
    dtype = draw(st.sampled_from([np.bool_, *INTEGER_TYPES]))
    info = None if dtype is np.bool_ else np.iinfo(dtype)
    elements = st.booleans() if info is None else st.integers(min_value=int(info.min), max_value=int(info.max))

    def side():  # type: ignore[no-untyped-def]
        form = draw(st.sampled_from(["array", "scalar", "spread"]))
        if form == "array":
            return draw(hnp.arrays(dtype, n, elements=elements))
        value = dtype(draw(elements))
        return value if form == "scalar" else spread(value, n, dtype)

    return mask, side(), side()


@given(cases())
@example((np.array([True, False, True]), np.array([2**63 - 1, 0, -(2**63)]), np.array([-(2**63), 5, 2**63 - 1])))
@example((np.array([True, False]), np.int8(-1), np.int8(1)))  # a step's status: OPEN or settled
@example((np.zeros(0, dtype=bool), np.zeros(0, dtype=np.int64), np.int64(0)))
def test_equals_where(case) -> None:  # type: ignore[no-untyped-def]
    mask, a, b = case
    expected = np.where(mask, a, b)
    found = choose(mask, a, b)
    assert found.dtype == expected.dtype
    assert found.shape == expected.shape
    assert found.tolist() == expected.tolist()
    found[...] = expected  # a column of its own, writable, as np.where's


@pytest.mark.parametrize(
    "a, b",
    [
        (np.array([10**30, 1], dtype=object), np.array([2, -(10**25)], dtype=object)),  # exact Python integers
        (np.array(["a", "b"], dtype=object), np.array(["c", "d"], dtype=object)),
        (np.array([0.5, 1.5]), np.array([2.5, 3.5])),
    ],
)
def test_other_dtypes_as_where(a, b) -> None:  # type: ignore[no-untyped-def]
    mask = np.array([True, False])
    found = choose(mask, a, b)
    assert found.dtype == a.dtype
    assert found.tolist() == [a[0], b[1]]


def test_mixed_integer_widths_promote_as_where() -> None:
    mask = np.array([True, False, True])
    a, b = np.array([1, 2, 3], dtype=np.int32), np.array([-(2**40), 5, 6], dtype=np.int64)
    assert choose(mask, a, b).dtype == np.int64
    assert choose(mask, a, b).tolist() == [1, 5, 3]
    assert choose(mask, a, 0).tolist() == [1, 0, 3]
    assert choose(mask, a, 0).dtype == np.where(mask, a, 0).dtype == np.int32  # a Python number takes a's type
    assert choose(mask, True, np.array([False, True, False])).dtype == np.bool_
