"""Ages in the vector backend on the days that decide them: the birthday itself, the day before
and after, and 29 February births in years without one — for one date for every row
(``age(period.end)``) and for a date per row (``age(m, application.date)``), against the scalar
backend, and against the figures the Civil Code's full years give."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from engine.batch import evaluate_frames
from engine.frames import from_snapshots
from engine.snapshot import parse_snapshot
from tests.engine.rulekit import measure, ruleset
from tests.property.test_backends_agree import assert_agree

# the amount packs both ages of every member: 1 000 × the age on the application date (one date
# per row) + the age at the period's end (one date for all), times 1 000 roubles
RULES = ruleset(
    measure(
        "ages",
        """\
        eligibility: household.size > 0
        amount: param('base.amount') * sum(1000 * age(m, application.date) + age(m, period.end) for m in members)
        schedule: {start: application_month, payment: monthly}
        """,
    )
)
PERIOD = "2027-02"  # period.end 2027-02-28: not a leap year


def _household(index: int, application: date, births: list[date]) -> dict:  # type: ignore[type-arg]
    return {
        "id": f"h{index}",
        "region": "63",
        "application": {"date": application.isoformat()},
        "members": [
            {"id": f"p{index}_{k}", "role": "applicant" if k == 0 else "child", "birth_date": b.isoformat(), "sex": "F"}
            for k, b in enumerate(births)
        ],
    }


def _around(day: date, years: int) -> list[date]:
    """Births ``years`` before ``day``: the day before the birthday, on it, the day after."""
    birthday = day.replace(year=day.year - years)
    return [birthday + timedelta(days=1), birthday, birthday - timedelta(days=1)]


APPLICATIONS = [date(2027, 2, 10), date(2026, 12, 31), date(2027, 1, 1)]
SNAPSHOTS = [
    parse_snapshot(_household(i, application, _around(application, 30) + _around(date(2027, 2, 28), 7)))
    for i, application in enumerate(APPLICATIONS)
] + [
    # born on 29 February: a year older on 1 March in years without one (art. 192: the month's last day)
    parse_snapshot(_household(9, date(2027, 3, 1), [date(1996, 2, 29), date(2020, 2, 29)])),
    parse_snapshot(_household(10, date(2027, 2, 28), [date(1996, 2, 29), date(2024, 2, 29)])),
]


def test_ages_agree_with_the_scalar_backend_on_the_deciding_days():
    assert_agree(RULES, SNAPSHOTS, PERIOD, ["ages"])


@pytest.mark.parametrize(
    ("household", "per_row_ages", "period_end_ages"),
    [
        (0, [29, 30, 30, 6, 6, 6], [30, 30, 30, 6, 7, 7]),  # applied 2027-02-10; period end 2027-02-28
        (3, [31, 7], [30, 6]),  # 29 February births: applied 2027-03-01
        (4, [30, 2], [30, 2]),  # applied 2027-02-28
    ],
)
def test_ages_count_full_years(household, per_row_ages, period_end_ages):
    table = evaluate_frames(RULES, from_snapshots(SNAPSHOTS), "ages", PERIOD)
    units = sum(1000 * a + b for a, b in zip(per_row_ages, period_end_ages, strict=True))
    assert table["status"].iloc[household] == "eligible"
    assert table["amount"].iloc[household] == units * 1000 * 100  # param('base.amount'): 1 000 roubles
