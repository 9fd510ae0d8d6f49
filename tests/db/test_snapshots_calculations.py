"""Snapshots built from the register, calculations stored and replayed to the kopeck."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from engine import Month, evaluate, load_snapshot_file
from registry.calculations import calculate_for_person, replay
from registry.models import Calculation, Declaration, RuleSetRecord
from registry.snapshots import NotInRegisterError, household_data, household_snapshot, latest_application
from tests.conftest import EXAMPLES_DIR
from tests.db.registerkit import family


def test_the_snapshot_from_the_register_equals_the_example_household(db_session, rules):
    ids = family(db_session)
    application = latest_application(db_session, ids["household"], date(2026, 3, 31))
    snapshot = household_snapshot(db_session, ids["household"], date(2026, 3, 31), application)
    example = load_snapshot_file(str(EXAMPLES_DIR / "households" / "samara_family_two_children.yaml"))
    for measure in ("unified_child_allowance", "housing_utilities_subsidy"):
        from_register = evaluate(rules, snapshot, measure, "2026-03")
        from_file = evaluate(rules, example, measure, "2026-03")
        assert (from_register.status, from_register.amount) == (from_file.status, from_file.amount)
    assert from_register.amount == Decimal("4837.82")


def test_only_declared_facts_are_in_the_snapshot(db_session):
    ids = family(db_session)
    db_session.execute(
        sa.delete(Declaration).where(
            Declaration.person_id == ids["son"], Declaration.kind.in_(["property", "no_income_reasons"])
        )
    )
    data = household_data(db_session, ids["household"], date(2026, 3, 31))
    son = next(m for m in data["members"] if m["id"] == str(ids["son"]))
    father = next(m for m in data["members"] if m["id"] == str(ids["father"]))
    assert "property" not in son and "no_income_reasons" not in son
    assert father["incomes_declared"] == {"from": "2024-12", "to": "2026-02"}
    assert father["property"]["real_estate"] == [{"kind": "apartment", "area": "54.2", "share": "1/2"}]
    assert data["members"][0]["role"] == "applicant"


def test_a_person_outside_any_household_is_named(db_session):
    ids = family(db_session)
    with pytest.raises(NotInRegisterError, match="has no members on 2019-01-01"):
        household_snapshot(db_session, ids["household"], date(2019, 1, 1))


def test_saved_calculations_replay_to_the_kopeck(db_session, rules):
    ids = family(db_session)
    outcomes = calculate_for_person(db_session, rules, ids["father"], Month(2026, 3), None, save=True)
    assert {o.result.measure for o in outcomes} >= {"unified_child_allowance", "housing_utilities_subsidy"}
    assert db_session.execute(sa.select(sa.func.count()).select_from(RuleSetRecord)).scalar_one() == 1
    for outcome in outcomes:
        again = replay(db_session, outcome.calculation_id)
        assert again.matches, again.differences
        assert again.replayed.amount == outcome.result.amount
    unified = next(o for o in outcomes if o.result.measure == "unified_child_allowance")
    assert unified.result.amount == Decimal("34538.00")
    stored = db_session.get(Calculation, unified.calculation_id)
    assert stored.amount == Decimal("34538.00") and stored.ruleset_version == rules.version


def test_replay_reports_a_stored_result_that_does_not_match(db_session, rules):
    ids = family(db_session)
    (outcome,) = calculate_for_person(
        db_session, rules, ids["father"], Month(2026, 3), ["unified_child_allowance"], save=True
    )
    record = db_session.get(Calculation, outcome.calculation_id)
    document = json.loads(record.result)
    document["amount"] = "34538.01"
    record.result = json.dumps(document)
    record.amount = Decimal("34538.01")
    db_session.flush()
    again = replay(db_session, outcome.calculation_id)
    assert not again.matches
    assert any(d.startswith("amount: stored '34538.01'") for d in again.differences)
