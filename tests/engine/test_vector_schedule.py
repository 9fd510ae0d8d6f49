"""Schedules in the vector backend equal the scalar backend's, row by row — including the rows
whose schedule has no start (no application) or ends before it starts, where the end and the
review must be missing too."""

from __future__ import annotations

import pandas as pd
import pytest

from engine import evaluate
from engine.batch import evaluate_frames
from engine.frames import from_snapshots
from engine.snapshot import parse_snapshot
from tests.engine.rulekit import household, measure, ruleset

SCHEDULES = {
    "until": """\
        start: application_month
        until: month(add_months(child_birth, 132))
        review_every: 3
        payment: monthly""",
    "term": """\
        start: application_month
        term_months: 6
        review_every: 2
        payment: monthly""",
    "right": """\
        start: {month_of_right: month(child_birth)}
        look_back_months: 200
        until: month(add_months(child_birth, 130))
        payment: monthly""",
}


def _rules(schedule: str):  # type: ignore[no-untyped-def]
    body = f"""\
        variables:
          child_birth: min(m.birth_date for m in members if m.role == 'child')
        eligibility:
          when: household.size > 0
          reason: "нет семьи"
        amount: 100
        rounding: kopeck_half_up
        schedule:
{chr(10).join("          " + line.strip() for line in schedule.splitlines())}
        """
    return ruleset(measure("paid", body))


def _households():  # type: ignore[no-untyped-def]
    base = household()
    child = base.data["members"][1]
    older = child | {"birth_date": "2014-01-15"}  # the child reaches 11 before the application
    return [
        base,
        parse_snapshot({k: v for k, v in base.data.items() if k != "application"}),  # no start: no end, no review
        household(members=[base.data["members"][0], older]),  # the end falls before the start
        household(application={"date": "2025-02-03"}),
    ]


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_schedules_equal_the_scalar_backend(name: str):
    rules = _rules(SCHEDULES[name])
    snapshots = _households()
    table = evaluate_frames(rules, from_snapshots(snapshots), "paid", "2026-03")
    seen = set()
    for row in table.itertuples():
        result = evaluate(rules, snapshots[row.household], "paid", "2026-03")
        assert row.status == result.status == "eligible"
        schedule = result.schedule
        expected = (
            (
                schedule.start.index,
                schedule.end.index if schedule.end else None,
                schedule.review.index if schedule.review else None,
            )
            if schedule
            else (None, None, None)
        )
        got = tuple(None if pd.isna(value) else int(value) for value in (row.start, row.end, row.review))
        assert got == expected, (name, row.household)
        seen.add(schedule is None)
    assert seen == {True, False}  # rows with a schedule and rows without one


def test_an_until_that_raises_counts_only_where_the_schedule_starts():
    """``until`` is evaluated only for rows whose schedule starts: its error makes those results
    errors, and leaves a household without an application eligible without a schedule."""
    rules = _rules(
        """\
        start: application_month
        until: month(add_months(child_birth, 12 / (household.size - household.size)))
        payment: monthly"""
    )
    snapshots = _households()
    table = evaluate_frames(rules, from_snapshots(snapshots), "paid", "2026-03")
    statuses = [str(row.status) for row in table.itertuples()]
    assert statuses == [evaluate(rules, snapshot, "paid", "2026-03").status for snapshot in snapshots]
    assert statuses == ["error", "eligible", "error", "error"]
