"""``and``/``or`` in the vector backend evaluate an operand only for the rows the operands before
it left undecided once those are few — with the scalar backend's results: an error or an unknown
in a later operand counts only where that operand is reached."""

from __future__ import annotations

from unittest import mock

import pytest

from engine import evaluate
from engine.backends import vector
from engine.batch import evaluate_frames
from engine.frames import from_snapshots
from tests.engine.rulekit import household, measure, ruleset

MEMBERS = [
    # the applicant (a woman of 30 on 31.03.2026), three men of 40, 50 and 60, a boy of 10
    {"id": "p1", "role": "applicant", "birth_date": "1996-01-10", "sex": "F"},
    {"id": "p2", "role": "spouse", "birth_date": "1986-01-10", "sex": "M"},
    {"id": "p3", "role": "other", "birth_date": "1976-01-10", "sex": "M"},
    {"id": "p4", "role": "other", "birth_date": "1966-01-10", "sex": "M"},
    {"id": "p5", "role": "child", "birth_date": "2016-01-10", "sex": "M"},
]


def _rules(code: str, condition: str, entity: str = "household"):  # type: ignore[no-untyped-def]
    """A measure paying 100 where ``condition`` holds."""
    body = f"""\
        eligibility: >-
          {condition}
        amount: 100
        rounding: kopeck_half_up
        schedule: {{start: application_month}}
        """
    return ruleset(measure(code, body, entity=entity))


def _outcomes(condition: str) -> tuple[dict[str, str], dict[str, str]]:
    """Per member: the status in the scalar backend and in the vector backend."""
    rules = _rules("test_boolops", condition, entity="person")
    snapshot = household(members=MEMBERS)
    scalar = {
        member["id"]: evaluate(rules, snapshot, "test_boolops", "2026-03", person=member["id"], trace=False).status
        for member in MEMBERS
    }
    frame = evaluate_frames(rules, from_snapshots([snapshot]), "test_boolops", "2026-03")
    vectorised = dict(zip([member["id"] for member in MEMBERS], frame["status"].astype(str), strict=True))
    return scalar, vectorised


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        # the division by zero only for the woman of 30, the one row the first operand leaves open
        (
            "person.sex == 'F' and 1 / (age(period.end) - 30) > 0",
            {"p1": "error", "p2": "ineligible", "p3": "ineligible", "p4": "ineligible", "p5": "ineligible"},
        ),
        # ... and never reached where the first operand already decided
        (
            "person.sex == 'M' or 1 / (age(period.end) - 30) > 0",
            {"p1": "error", "p2": "eligible", "p3": "eligible", "p4": "eligible", "p5": "eligible"},
        ),
        # an operand reached by some rows only, true for some of them
        (
            "age(period.end) >= 40 and age(period.end) < 60 and person.sex == 'M'",
            {"p1": "ineligible", "p2": "eligible", "p3": "eligible", "p4": "ineligible", "p5": "ineligible"},
        ),
    ],
)
def test_later_operands_count_only_where_they_are_reached(condition, expected):
    with mock.patch.object(vector, "_on_rows", wraps=vector._on_rows) as narrowed:
        scalar, vectorised = _outcomes(condition)
    assert scalar == expected
    assert vectorised == expected
    assert narrowed.called  # the few rows left were evaluated alone


def _household_outcome(condition: str) -> tuple[str, str]:
    """The household's status in the scalar backend and in the vector backend."""
    rules = _rules("test_members", condition)
    snapshot = household(members=MEMBERS)
    scalar = evaluate(rules, snapshot, "test_members", "2026-03", trace=False).status
    frame = evaluate_frames(rules, from_snapshots([snapshot]), "test_members", "2026-03")
    return scalar, str(frame["status"].iloc[0])


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        # the members in order are 30, 40, 50, 60 and 10 years old: a division by zero at the
        # man of 40 comes before the man of 50 settles any() ...
        ("any(1 / (age(m, period.end) - 40) > 0 for m in members)", "error"),
        # ... the woman of 30 settles it before the man of 60's division by zero
        ("any(1 / (age(m, period.end) - 60) < 0 for m in members)", "eligible"),
        ("all(1 / (age(m, period.end) - 60) < 0 for m in members)", "error"),  # true until the error
        ("all(1 / (age(m, period.end) - 60) > 0 for m in members)", "ineligible"),  # false first
        ("any(m.sex == 'F' for m in members)", "eligible"),  # no error, no unknown anywhere
        ("all(m.sex == 'M' for m in members)", "ineligible"),
    ],
)
def test_any_and_all_count_errors_only_before_the_member_that_settles_them(condition, expected):
    assert _household_outcome(condition) == (expected, expected)
