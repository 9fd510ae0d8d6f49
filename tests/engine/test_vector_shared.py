"""Variables shared between measures in a batch: the same formula over the same inputs is computed
once, a different one never reuses it, and every measure's results stay those of the scalar
backend."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import pandas as pd

from engine import evaluate
from engine.backends.vector_shared import SharedValues, shared_signatures, signatures
from engine.backends.vector_values import Bools, Lists, Num, Refs
from engine.batch import evaluate_catalogue, evaluate_frames
from engine.frames import EPOCH, from_snapshots
from tests.engine.rulekit import household, measure, ruleset

INCOME = (
    "income: sum(income(m, window(add_months(application.month, -2), 12)) for m in members if m.role == 'applicant')"
)


def _rules(second_income: str = INCOME):  # type: ignore[no-untyped-def]
    return ruleset(
        measure(
            "first",
            f"""\
            variables:
              {INCOME}
              half: income / 2
            eligibility: income >= 0
            amount: half / 12
            rounding: kopeck_half_up
            schedule: {{start: application_month}}
            """,
        ),
        measure(
            "second",
            f"""\
            variables:
              {second_income}
              third: income / 3
            eligibility: income >= 0
            amount: third / 12
            rounding: kopeck_half_up
            schedule: {{start: application_month}}
            """,
        ),
    )


def test_a_variable_is_shared_when_its_text_and_its_inputs_are_the_same():
    rules = _rules()
    first = signatures({**rules.library, **rules.measure("first").versions[0].variables})
    second = signatures({**rules.library, **rules.measure("second").versions[0].variables})
    assert first["income"] == second["income"] and first["income"][1]  # it reads the application
    assert first["half"][0] != second["third"][0]
    shared = shared_signatures(rules)
    assert first["income"][0] in shared and first["half"][0] not in shared


def test_a_variable_reading_a_different_variable_is_not_shared():
    body = """\
        variables:
          base: {base}
          twice: base * 2
        eligibility: base > 0
        amount: twice
        rounding: kopeck_half_up
        schedule: {{start: application_month}}
        """
    rules = ruleset(measure("a", body.format(base=1)), measure("b", body.format(base=2)))
    a = signatures(rules.measure("a").versions[0].variables)
    b = signatures(rules.measure("b").versions[0].variables)
    assert a["twice"][0] != b["twice"][0]


def test_shared_results_equal_the_scalar_results():
    rules = _rules()
    richer = household().data["members"][0] | {
        "incomes": [{"kind": "wages", "amount": "45000", "from": "2025-01", "to": "2026-02"}]
    }
    snapshots = [household(), household(members=[richer])]
    table = evaluate_catalogue(rules, from_snapshots(snapshots), "2026-03", ["first", "second"])
    assert (table["status"] == "eligible").all() and len(table) == 4
    for row in table.itertuples():
        expected = evaluate(rules, snapshots[row.household], row.measure, "2026-03")
        assert row.status == expected.status
        assert int(row.amount) == int(expected.amount * 100)
    cache: dict = {}
    frames = from_snapshots(snapshots)
    for code in ("first", "second"):
        evaluate_frames(rules, frames, code, "2026-03", cache)
    kept = cache[("shared values",)]._kept
    assert len(kept) == 1 and next(iter(kept.values()))[1].all()  # the income, for both households
    first, second = (table[table["measure"] == code]["amount"].tolist() for code in ("first", "second"))
    assert first != second and first[0] != first[1]  # shared income, own halves and thirds


def test_kept_values_fill_row_by_row_and_mix_scales():
    store = SharedValues()
    key = ("k",)
    first = Num(np.ones(2, bool), np.zeros(2, bool), np.array([15, 25]), 1)  # 1.5, 2.5
    store.put(key, np.array([0, 2]), 4, first)
    assert store.get(key, np.array([0, 1])) is None  # row 1 not computed yet
    second = Num(np.ones(1, bool), np.array([True]), np.array([12345]), 4)  # 1.2345, an error row
    store.put(key, np.array([1]), 4, second)
    got = store.get(key, np.array([2, 1, 0]))
    assert got is not None and got.scale == 4
    assert got.m.tolist() == [25000, 12345, 15000] and got.err.tolist() == [False, True, False]


def test_lists_and_other_kinds_of_reference_are_not_kept():
    store = SharedValues()
    items = Refs(np.ones(1, bool), np.zeros(1, bool), "person", np.array([0]))
    store.put(("l",), np.array([0]), 2, Lists(np.ones(1, bool), np.zeros(1, bool), np.array([0]), items))
    assert store.get(("l",), np.array([0])) is None
    store.put(("b",), np.array([0]), 2, Bools(np.ones(1, bool), np.zeros(1, bool), np.array([True])))
    store.put(("b",), np.array([1]), 2, Refs(np.ones(1, bool), np.zeros(1, bool), "person", np.array([3])))
    assert store.get(("b",), np.array([0, 1])) is None  # a value of another type is not mixed in


def test_a_variable_reading_the_application_is_not_shared_between_measures_with_their_own():
    rules = _rules()
    frames = from_snapshots([household()])
    day = {"first": (date(2026, 3, 10) - EPOCH).days, "second": (date(2026, 1, 20) - EPOCH).days}
    frames = replace(
        frames,
        applications=pd.DataFrame({"household": [0, 0], "measure": list(day), "day": list(day.values())}),
    )
    table = evaluate_catalogue(rules, frames, "2026-03", ["first", "second"])
    # the second measure's application puts its window before the declared incomes
    assert table.set_index("measure")["status"].to_dict() == {"first": "eligible", "second": "undetermined"}


def test_an_expression_written_alike_in_two_measures_is_computed_once():
    body = """\
        variables:
          rate: {rate}
        eligibility: count(m for m in members if m.role == 'applicant') >= 1
        amount: count(m for m in members if m.role == 'applicant') * rate
        rounding: kopeck_half_up
        schedule: {{start: application_month}}
        """
    rules = ruleset(measure("a", body.format(rate=100)), measure("b", body.format(rate=200)))
    snapshots = [household(), household()]
    frames = from_snapshots(snapshots)
    cache: dict = {}
    tables = [evaluate_frames(rules, frames, code, "2026-03", cache) for code in ("a", "b")]
    kept = [key for key in cache[("shared values",)]._kept if any(isinstance(k, tuple) for k in key)]
    assert len(kept) == 1 and kept[0][-2][0] == "expression"  # the count, once for both measures
    for code, table in zip(("a", "b"), tables, strict=True):
        for row in table.itertuples():
            expected = evaluate(rules, snapshots[row.household], code, "2026-03")
            assert (row.status, int(row.amount)) == (expected.status, int(expected.amount * 100))
    assert tables[0]["amount"].tolist() != tables[1]["amount"].tolist()  # own rates


def test_an_expression_over_variables_that_differ_is_not_shared():
    body = """\
        variables:
          floor: {floor}
        eligibility: sum(floor for m in members) >= 1
        amount: count(m for m in members if m.role == 'applicant') * 100
        rounding: kopeck_half_up
        schedule: {{start: application_month}}
        """
    rules = ruleset(measure("a", body.format(floor=1)), measure("b", body.format(floor=2)))
    shared = shared_signatures(rules)
    aggregates = [k[1] for k in shared if isinstance(k, tuple) and k[0] == "expression"]
    assert [a.func for a in aggregates] == ["count"]  # the sum reads `floor`, 1 in one measure and 2 in the other
