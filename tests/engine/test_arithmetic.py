"""The language's arithmetic is defined exactly: products and quotients round half-even at ten
places from the exact value, whatever Decimal's precision would do."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction

from hypothesis import example, given
from hypothesis import strategies as st

from engine.arithmetic import CONTEXT, PLACES, div, fits, mul

DECIMALS = st.decimals(
    min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=PLACES, allow_nan=False, allow_infinity=False
)


def _rounded(value: Fraction) -> Decimal:
    scaled = value * 10**PLACES
    floor = scaled.numerator // scaled.denominator
    remainder = scaled - floor
    if remainder > Fraction(1, 2) or (remainder == Fraction(1, 2) and floor % 2 == 1):
        floor += 1
    return Decimal(floor).scaleb(-PLACES, context=CONTEXT)  # exact: the default context keeps 28 digits


@given(DECIMALS, DECIMALS)
@example(Decimal("0.00000000005"), Decimal(1))
@example(Decimal("0.00000000015"), Decimal(1))
@example(Decimal("484477502.4605265193"), Decimal("3E-10"))  # 29 digits: the default context's 28 rounded it
def test_a_quotient_is_the_exact_ratio_rounded_half_even(a, b):
    if b == 0:
        return
    assert div(a, b) == _rounded(Fraction(a) / Fraction(b))


@given(DECIMALS, DECIMALS)
# 37 digits: the default context's 28 rounded the product before the ten places did (found by Hypothesis)
@example(Decimal("47583826456.4941321997"), Decimal("-111464931582.9928553333"))
def test_a_product_is_exact_up_to_ten_places(a, b):
    assert mul(a, b) == _rounded(Fraction(a) * Fraction(b))
    assert fits(mul(a, b))


def test_exact_quotients_keep_their_natural_exponent():
    assert str(div(Decimal("540000.00"), Decimal(12))) == "45000.00"
    assert str(div(Decimal(1), Decimal(8))) == "0.125"
    assert div(Decimal("2"), Decimal("3")).quantize(Decimal("1e-10"), ROUND_HALF_EVEN) == Decimal("0.6666666667")
