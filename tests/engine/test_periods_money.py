"""Months, windows, age arithmetic, and rounding in its two forms (Decimal and integer kopecks)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, localcontext

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from engine.money import MODES, apply_rounding, div_round, format_rub, from_kopecks, round_minor, to_kopecks
from engine.periods import Month, Window, add_months, full_months, full_years


def test_month_arithmetic_crosses_years():
    assert Month(2026, 1).add(-2) == Month(2025, 11)
    assert Month(2025, 11).add(14) == Month(2027, 1)
    assert Month(2026, 3).minus(Month(2025, 3)) == 12
    assert Month(2024, 2).end == date(2024, 2, 29)


def test_window_of_twelve_months_ending_two_months_before_march():
    window = Window.ending(Month(2026, 3).add(-2), 12)
    assert (window.first, window.last, window.length) == (Month(2025, 2), Month(2026, 1), 12)
    assert Month(2025, 1) not in window and Month(2025, 2) in window


def test_window_overlap_counts_touched_months():
    window = Window(Month(2025, 2), Month(2026, 1))
    assert window.overlap_months(date(2025, 2, 20), date(2025, 8, 3)) == 7
    assert window.overlap_months(None, None) == 12
    assert window.overlap_months(date(2026, 2, 1), None) == 0


@pytest.mark.parametrize(
    ("birth", "on", "years"),
    [
        (date(2009, 3, 10), date(2026, 3, 9), 16),
        (date(2009, 3, 10), date(2026, 3, 10), 17),
        (date(2008, 2, 29), date(2026, 2, 28), 17),
        (date(2008, 2, 29), date(2026, 3, 1), 18),
    ],
)
def test_full_years_count_completed_years(birth, on, years):
    assert full_years(birth, on) == years


def test_months_follow_civil_code_article_192():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert full_months(date(2026, 1, 31), date(2026, 2, 28)) == 1
    assert full_months(date(2024, 8, 15), date(2026, 2, 14)) == 17
    assert full_months(date(2024, 8, 15), date(2026, 2, 15)) == 18
    assert full_months(date(2026, 2, 15), date(2024, 8, 15)) == -18


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 1, 1)), st.integers(-600, 600))
def test_add_months_then_full_months_is_consistent(start, months):
    shifted = add_months(start, months)
    if months >= 0:
        assert full_months(start, shifted) == months


@given(
    st.integers(min_value=-(10**12), max_value=10**12),
    st.integers(min_value=1, max_value=10**6),
    st.sampled_from(sorted(MODES)),
)
@example(-2675, 1000, "half_up")
@example(-2500, 1000, "half_even")
@example(-1500, 1000, "half_even")
@example(2500, 1000, "half_up")
@example(-1, 3, "down")
@example(-1, 3, "up")
@example(1, -3, "floor")
def test_integer_rounding_equals_decimal_rounding(numerator, denominator, mode):
    with localcontext() as context:
        context.prec = 60
        exact = Decimal(numerator) / Decimal(denominator)
        expected = int(exact.quantize(Decimal(1), rounding=MODES[mode]))
    assert div_round(numerator, denominator, mode) == expected


@given(st.integers(min_value=-(10**15), max_value=10**15), st.sampled_from(sorted(MODES)))
def test_kopeck_rounding_to_roubles_agrees_in_both_forms(kopecks, mode):
    decimal_form = apply_rounding(from_kopecks(kopecks), f"ruble_{mode}")
    assert to_kopecks(decimal_form) == round_minor(kopecks, 2, 0, mode)


def test_half_up_is_the_laws_rounding_away_from_zero():
    assert apply_rounding(Decimal("2.675"), "kopeck_half_up") == Decimal("2.68")
    assert apply_rounding(Decimal("-2.675"), "kopeck_half_up") == Decimal("-2.68")
    assert apply_rounding(Decimal("2.675"), "kopeck_down") == Decimal("2.67")


def test_sub_kopeck_amounts_are_refused_as_kopecks():
    with pytest.raises(ValueError, match="fractions of a kopeck"):
        to_kopecks(Decimal("1.005"))


def test_format_rub_uses_russian_separators():
    assert format_rub(Decimal("1234567.5")) == "1\u202f234\u202f567,50\xa0₽"
