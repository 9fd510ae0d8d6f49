"""The vector backend's calendar arithmetic equals Python's ``datetime.date``."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
from hypothesis import example, given
from hypothesis import strategies as st

from engine.backends.vector_ops import ymd
from engine.frames import NO_DAY

EPOCH = date(1970, 1, 1)
DAYS = st.integers(min_value=(date(1, 1, 1) - EPOCH).days, max_value=(date(9999, 12, 31) - EPOCH).days)


@given(st.lists(DAYS, min_size=1, max_size=50))
@example([0, -1, 59, 60, 365, 10_956, 11_016, 11_017, -719_162, 2_932_896])  # 1970, 2000-02-29/03-01, the ends
def test_ymd_equals_the_calendar(days: list[int]) -> None:
    years, months, month_days = ymd(np.array(days, dtype=np.int64))
    for day, y, m, d in zip(days, years.tolist(), months.tolist(), month_days.tolist(), strict=True):
        expected = EPOCH + timedelta(days=day)
        assert (y, m, d) == (expected.year, expected.month, expected.day)


def test_absent_days_read_as_the_epoch() -> None:
    years, months, days = ymd(np.array([NO_DAY, 5_000_000], dtype=np.int64))
    assert years.tolist() == [1970, 1970] and months.tolist() == [1, 1] and days.tolist() == [1, 1]
