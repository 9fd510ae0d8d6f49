"""Vector parameter lookups: rows whose values come from series of different scales are put on
one scale exactly, even where that leaves int64 (numpy would wrap around without a word)."""

from __future__ import annotations

from engine import evaluate
from engine.batch import evaluate_frames
from engine.frames import from_snapshots
from tests.engine.rulekit import household, measure, ruleset

PARAMETER = """\
by_region_big:
  description: Значение по регионам с разной точностью
  unit: rub
  keys: [region]
  table:
    "63": {reference: "Закон № 5", values: {2020-01-01: 1000000000000}}
    "77": {reference: "Закон № 5", values: {2020-01-01: 0.0000000001}}
"""


def test_values_of_different_scales_keep_every_digit():
    rules = ruleset(
        ("parameters/big.yaml", PARAMETER),
        measure(
            "big",
            """\
            eligibility: household.size > 0
            amount: param('big.by_region_big', household.region) * 2
            rounding: kopeck_half_up
            schedule: {start: application_month}
            """,
        ),
    )
    snapshots = [household(), household(region="77")]
    table = evaluate_frames(rules, from_snapshots(snapshots), "big", "2026-03")
    expected = [int(evaluate(rules, s, "big", "2026-03").amount * 100) for s in snapshots]
    assert expected == [200_000_000_000_000, 0]
    assert [int(a) for a in table["amount"]] == expected
