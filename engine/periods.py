"""Months, reference windows and the date arithmetic benefits law uses.

Examples:
    >>> m = Month.parse("2026-03")
    >>> m.add(-2), m.start, m.end
    (Month(2026, 1), datetime.date(2026, 3, 1), datetime.date(2026, 3, 31))
    >>> Window.ending(Month(2026, 1), 12)
    Window(2025-02..2026-01)
    >>> full_years(date(2008, 2, 29), date(2026, 2, 28))
    17
    >>> full_months(date(2026, 1, 31), date(2026, 2, 28))  # Civil Code art. 192: ends on the last day
    1
    >>> full_months(date(2026, 1, 15), date(2026, 2, 14))
    0
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True, slots=True, order=True)
class Month:
    """A calendar month."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12 or not 1 <= self.year <= 9999:
            raise ValueError(f"no such month: {self.year}-{self.month}")

    @classmethod
    def parse(cls, text: str) -> Month:
        """Parse ``YYYY-MM``; anything else raises ``ValueError``."""
        match = _MONTH_RE.match(text.strip())
        if not match:
            raise ValueError(f"{text!r} is not a month (expected YYYY-MM)")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)

    @property
    def index(self) -> int:
        """Months since year 0: makes differences and vector arithmetic plain integers."""
        return self.year * 12 + self.month - 1

    @classmethod
    def from_index(cls, index: int) -> Month:
        return cls(index // 12, index % 12 + 1)

    def add(self, months: int) -> Month:
        return Month.from_index(self.index + months)

    def minus(self, other: Month) -> int:
        """Number of months from ``other`` to ``self``."""
        return self.index - other.index

    @property
    def start(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def end(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    @property
    def days(self) -> int:
        return calendar.monthrange(self.year, self.month)[1]

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def __repr__(self) -> str:
        return f"Month({self.year}, {self.month})"


@dataclass(frozen=True, slots=True)
class Window:
    """A reference window of whole months, first to last inclusive."""

    first: Month
    last: Month

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError(f"empty window {self.first}..{self.last}")

    @classmethod
    def ending(cls, last: Month, months: int) -> Window:
        """The ``months`` months ending with ``last``."""
        if months < 1:
            raise ValueError("a window has at least one month")
        return cls(last.add(1 - months), last)

    @property
    def length(self) -> int:
        return self.last.minus(self.first) + 1

    @property
    def start(self) -> date:
        return self.first.start

    @property
    def end(self) -> date:
        return self.last.end

    def months(self) -> Iterator[Month]:
        for index in range(self.first.index, self.last.index + 1):
            yield Month.from_index(index)

    def __contains__(self, month: Month) -> bool:
        return self.first <= month <= self.last

    def overlap_months(self, start: date | None, end: date | None) -> int:
        """How many months of the window a date range touches (open ends allowed)."""
        first = self.first if start is None else max(self.first, Month.of(start))
        last = self.last if end is None else min(self.last, Month.of(end))
        return max(0, last.minus(first) + 1)

    def __str__(self) -> str:
        return f"{self.first}..{self.last}"

    def __repr__(self) -> str:
        return f"Window({self})"


def add_months(day: date, months: int) -> date:
    """Add calendar months, clamping the day to the end of the target month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def full_years(birth: date, on: date) -> int:
    """Completed years between two dates (age on a date); a 29 February birthday counts on 1 March."""
    years = on.year - birth.year
    if (on.month, on.day) < (birth.month, birth.day):
        years -= 1
    return years


def full_months(start: date, end: date) -> int:
    """Completed calendar months from ``start`` to ``end`` (negative when ``end`` is earlier).

    The largest ``n`` with ``add_months(start, n) <= end``: a term counted in months ends on the
    same day of the last month, or on its last day when it has no such day (Civil Code art. 192).
    """
    if end < start:
        return -full_months(end, start)
    months = (end.year - start.year) * 12 + end.month - start.month
    if add_months(start, months) > end:
        months -= 1
    return months


def ranges_overlap(start: date | None, end: date | None, day: date) -> bool:
    """Whether ``day`` lies in ``[start, end]``, with open ends."""
    return (start is None or start <= day) and (end is None or day <= end)
