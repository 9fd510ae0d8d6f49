"""The 128-bit product of the vector backend equals Python's exact integers, rounded half-even."""

from __future__ import annotations

import numpy as np
from hypothesis import example, given
from hypothesis import strategies as st

from engine.backends.wide import div_shifted_round_half_even, mul_round_half_even
from engine.money import div_round

MANTISSAS = st.integers(min_value=-(2**62) + 1, max_value=2**62 - 1)


def exact(a: int, b: int, places: int) -> int | None:
    value = div_round(a * b, 10**places, "half_even")
    return value if abs(value) < 2**62 else None


@given(st.lists(st.tuples(MANTISSAS, MANTISSAS), min_size=1, max_size=20), st.integers(min_value=1, max_value=18))
@example([(45_000 * 10**10, 8_123_456_789)], 10)
@example([(5, 1), (-5, 1), (15, 1), (-15, 1), (25, 1)], 1)  # ties go to the even neighbour, both signs
@example([(2**62 - 1, 2**62 - 1)], 18)  # the largest product: does not fit, reported as such
@example([(3 * 10**17, 10**10 + 5)], 10)
@example([(2**62 - 1, 10), (1, 1)], 1)  # 2**62 - 0.5 rounds up to 2**62: no longer fits
def test_equals_python_integers(pairs: list[tuple[int, int]], places: int) -> None:
    a = np.array([p[0] for p in pairs], dtype=np.int64)
    b = np.array([p[1] for p in pairs], dtype=np.int64)
    expected = [exact(x, y, places) for x, y in pairs]
    result = mul_round_half_even(a, b, places)
    if None in expected:
        assert result is None
    else:
        assert result is not None and result.tolist() == expected


def test_ties_and_signs() -> None:
    result = mul_round_half_even(np.array([5, -5, 15, -15, 25, 35]), np.array([1, 1, 1, 1, 1, -1]), 1)
    assert result is not None and result.tolist() == [0, 0, 2, -2, 2, -4]


def test_places_outside_the_supported_range_are_refused() -> None:
    assert mul_round_half_even(np.array([1]), np.array([1]), 0) is None
    assert mul_round_half_even(np.array([1]), np.array([1]), 19) is None


ROUNDING_MODES = ("floor", "ceiling", "down", "up", "half_up", "half_even")


@given(
    st.lists(
        st.tuples(st.integers(-(10**15), 10**15), st.integers(-(10**6), 10**6).filter(bool)),
        min_size=1,
        max_size=30,
    ),
    st.sampled_from(ROUNDING_MODES),
)
@example([(5, 2), (-5, 2), (7, 2), (-7, 2), (3, 2), (0, 7), (-3, -2)], "half_even")
@example([(5, 2), (-5, 2), (1, -2)], "half_up")
def test_vector_division_equals_div_round(pairs: list[tuple[int, int]], mode: str) -> None:
    """Both paths of ``vdiv_round`` (all denominators positive, and the general one) round as
    ``engine.money.div_round`` (a zero denominator is the caller's error to mark)."""
    from engine.backends.vector_values import vdiv_round

    numerators = np.array([p[0] for p in pairs], dtype=np.int64)
    denominators = np.array([p[1] for p in pairs], dtype=np.int64)
    expected = [div_round(a, b, mode) for a, b in pairs]
    assert vdiv_round(numerators, denominators, mode).tolist() == expected
    positive = denominators > 0
    if positive.any():
        subset = vdiv_round(numerators[positive], denominators[positive], mode).tolist()
        assert subset == [e for e, p in zip(expected, positive.tolist(), strict=True) if p]
        scalar = vdiv_round(numerators, np.int64(7), mode).tolist()
        assert scalar == [div_round(int(a), 7, mode) for a in numerators.tolist()]


def exact_quotient(a: int, b: int, shift: int) -> int | None:
    value = div_round(a * 10**shift, b, "half_even")
    return value if abs(value) < 2**62 else None


NONZERO = MANTISSAS.filter(bool)


@given(st.lists(st.tuples(MANTISSAS, NONZERO), min_size=1, max_size=20), st.integers(min_value=0, max_value=20))
@example([(15 * 10**13, 3 * 10**14), (-1, 4), (1, -4), (3, 4), (-3, 4)], 10)  # ties, both signs
@example([(10**14, 7 * 10**13), (-(10**14), 7 * 10**13)], 10)  # a per-capita income over a minimum
@example([(2**62 - 1, 1)], 1)  # the quotient does not fit
@example([(1, 2**62 - 1)], 20)  # a divisor too large for a step of one digit
def test_shifted_quotient_equals_python_integers(pairs: list[tuple[int, int]], shift: int) -> None:
    a = np.array([p[0] for p in pairs], dtype=np.int64)
    b = np.array([p[1] for p in pairs], dtype=np.int64)
    expected = [exact_quotient(x, y, shift) for x, y in pairs]
    result = div_shifted_round_half_even(a, b, shift)
    if result is None:  # refused: a quotient that does not fit, or a divisor too large for the steps
        assert None in expected or int(np.abs(b).max()) >= 2**62 // 10
    else:
        assert None not in expected and result.tolist() == expected
    one = div_shifted_round_half_even(a, np.int64(pairs[0][1]), shift)  # one divisor for every row
    if one is not None:
        assert one.tolist() == [exact_quotient(x, pairs[0][1], shift) for x, _ in pairs]


@given(
    st.lists(
        st.tuples(st.integers(-(10**16), 10**16), st.integers(-(10**15), 10**15)),
        min_size=1,
        max_size=20,
    ),
    st.integers(min_value=0, max_value=10),
    st.integers(min_value=0, max_value=10),
)
@example([(15 * 10**13, 3 * 10**14), (10**14, 0), (-(10**15), 7 * 10**13)], 10, 10)
def test_vector_division_of_ten_place_numbers_equals_the_scalar_one(
    pairs: list[tuple[int, int]], scale_a: int, scale_b: int
) -> None:
    """``vector_values.div`` over mantissas whose shifted numerator overflows int64 (long
    division) or not: each row as ``engine.arithmetic.div``, a zero divisor an error."""
    from decimal import Decimal
    from fractions import Fraction

    from engine import arithmetic
    from engine.backends.vector_values import Num, div

    n = len(pairs)
    a = Num(np.ones(n, dtype=bool), np.zeros(n, dtype=bool), np.array([p[0] for p in pairs], dtype=np.int64), scale_a)
    b = Num(np.ones(n, dtype=bool), np.zeros(n, dtype=bool), np.array([p[1] for p in pairs], dtype=np.int64), scale_b)
    result = div(a, b)
    for row, (x, y) in enumerate(pairs):
        if y == 0:
            assert result.err[row]
            continue
        assert not result.err[row]
        expected = arithmetic.div(Decimal(x).scaleb(-scale_a), Decimal(y).scaleb(-scale_b))
        assert Fraction(int(result.m[row]), 10**result.scale) == Fraction(expected)  # exact, any size
