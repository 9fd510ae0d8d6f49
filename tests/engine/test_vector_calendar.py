"""The vector backend's calendar arithmetic equals Python's ``datetime.date``."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
from hypothesis import example, given
from hypothesis import strategies as st

from engine.backends.vector_ops import ymd
from engine.frames import NO_DAY

EPOCH = date(1970, 1, 1)
DAYS_LOW, DAYS_HIGH = (date(1, 1, 1) - EPOCH).days, (date(9999, 12, 31) - EPOCH).days
DAYS = st.integers(min_value=DAYS_LOW, max_value=DAYS_HIGH)


@given(st.lists(DAYS, min_size=1, max_size=50))
@example([0, -1, 59, 60, 365, 10_956, 11_016, 11_017, -719_162, 2_932_896])  # 1970, 2000-02-29/03-01, the ends
def test_ymd_equals_the_calendar(days: list[int]) -> None:
    years, months, month_days = ymd(np.array(days, dtype=np.int64))
    for day, y, m, d in zip(days, years.tolist(), months.tolist(), month_days.tolist(), strict=True):
        expected = EPOCH + timedelta(days=day)
        assert (y, m, d) == (expected.year, expected.month, expected.day)


@given(st.lists(DAYS, min_size=1, max_size=5), st.integers(min_value=0, max_value=400), st.booleans())
@example([0], 0, True)
@example([-719_162, 2_932_896], 0, False)  # a span too wide for a table
def test_long_columns_read_from_a_table_of_their_days(days: list[int], width: int, absent: bool) -> None:
    """A column of 2,000 rows whose dates lie within ``width`` days of each other: the table of
    the span's days gives what the arithmetic gives."""
    base = np.array(days, dtype=np.int64)
    column = np.resize(base, 2_000)
    column[::7] = np.clip(base[0] + np.arange(len(column[::7])) % (width + 1), DAYS_LOW, DAYS_HIGH)
    if absent:
        column[::11] = NO_DAY
    expected = [EPOCH + timedelta(days=int(day)) if day != NO_DAY else EPOCH for day in column]
    years, months, month_days = ymd(column)
    assert list(zip(years.tolist(), months.tolist(), month_days.tolist(), strict=True)) == [
        (e.year, e.month, e.day) for e in expected
    ]


def test_absent_days_read_as_the_epoch() -> None:
    years, months, days = ymd(np.array([NO_DAY, 5_000_000], dtype=np.int64))
    assert years.tolist() == [1970, 1970] and months.tolist() == [1, 1] and days.tolist() == [1, 1]
