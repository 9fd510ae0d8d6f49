"""What-if over the register: the draft's budget impact equals the scalar differences household by
household, and every change is explained by the first differing step."""

from __future__ import annotations

from decimal import Decimal

import pytest

from engine import Month, evaluate
from engine.ruleset import build_ruleset
from measures.whatif import first_difference, whatif
from registry.seeding import seed
from registry.snapshots import household_snapshot, latest_application

PERIOD = Month(2026, 3)


@pytest.fixture
def draft(rules):  # type: ignore[no-untyped-def]
    files = dict(rules.files)
    path = "parameters/housing_subsidy.yaml"
    text = files[path].decode()
    assert "value: 0.22" in text
    files[path] = text.replace("value: 0.22", "value: 0.18", 1).encode()
    return build_ruleset(files, "draft")


def test_the_budget_impact_adds_up_the_households(db_session, rules, draft):
    seed(db_session, 400, seed=17, months=24)
    report = whatif(db_session, rules, draft, PERIOD)
    row = report.by_measure.set_index("measure").loc["housing_utilities_subsidy"]
    assert row["lost"] == 0 and row["cost_change"] > 0 and report.changes
    unchanged = report.by_measure[report.by_measure["measure"] != "housing_utilities_subsidy"]
    assert (unchanged["cost_change"] == 0).all() and (unchanged["gained"] == 0).all()
    total = 0
    for change in report.changes:
        assert change.measure == "housing_utilities_subsidy"
        assert change.explanation == "max_share: 0.22 → 0.18"
        snapshot = household_snapshot(
            db_session,
            change.household_id,
            PERIOD.end,
            latest_application(db_session, change.household_id, PERIOD.end, change.measure),
        )
        before = evaluate(rules, snapshot, change.measure, PERIOD)
        after = evaluate(draft, snapshot, change.measure, PERIOD)
        assert (before.status, after.status) == (change.live_status, change.draft_status)
        total += int(((after.amount or Decimal(0)) if after.status == "eligible" else 0) * 100) - int(
            ((before.amount or Decimal(0)) if before.status == "eligible" else 0) * 100
        )
    assert total == row["cost_change"]
    by_funding = report.by_funding.set_index("funding")
    assert by_funding.loc["regional_budget", "cost_change"] == row["cost_change"]


def test_a_new_measure_in_the_draft_is_named(db_session, rules):
    seed(db_session, 60, seed=4, months=24)
    files = dict(rules.files)
    source = files["measures/regional/samara_edv_labour_veteran.yaml"].decode()
    files["measures/regional/samara_edv_labour_veteran_copy.yaml"] = source.replace(
        "measure: samara_edv_labour_veteran", "measure: samara_edv_labour_veteran_copy"
    ).encode()
    draft = build_ruleset(files, "draft")
    report = whatif(db_session, rules, draft, PERIOD)
    copies = [c for c in report.changes if c.measure == "samara_edv_labour_veteran_copy"]
    assert copies and all(c.explanation == "новая мера в проекте правил" for c in copies)


def test_first_difference_names_a_changed_formula(rules):
    from engine import load_snapshot_file
    from tests.conftest import EXAMPLES_DIR

    snapshot = load_snapshot_file(str(EXAMPLES_DIR / "households" / "samara_family_two_children.yaml"))
    files = dict(rules.files)
    path = "measures/federal/unified_child_allowance.yaml"
    files[path] = (
        files[path]
        .decode()
        .replace("amount: rate * child_minimum * paid_children", "amount: rate * child_minimum * paid_children * 2")
        .encode()
    )
    draft = build_ruleset(files, "draft")
    live_trace = evaluate(rules, snapshot, "unified_child_allowance", "2026-03").trace
    draft_trace = evaluate(draft, snapshot, "unified_child_allowance", "2026-03").trace
    assert first_difference(live_trace, draft_trace) == (
        "amount: формула «rate * child_minimum * paid_children» → «rate * child_minimum * paid_children * 2»"
    )
