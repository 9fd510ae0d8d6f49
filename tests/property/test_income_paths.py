"""Every way the vector backend sums incomes means what the scalar backend means: the kinds ×
members × months matrix (one window for all as a slice, windows of one length gathered per row),
and the sorted rows it falls back to when the matrix would be too big or windows differ in length."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from engine.backends import vector_functions
from engine.batch import evaluate_frames
from engine.frames import from_snapshots
from engine.ruleset import build_ruleset, read_rule_files
from engine.snapshot import parse_snapshot
from tests.engine.rulekit import BASE, HEADER
from tests.property.populations import PERIODS, populations
from tests.property.test_backends_agree import assert_agree

_BASE_FILES = read_rule_files(BASE)
KINDS = st.sampled_from(["", ", kinds=['wages']", ", kinds=['pension', 'wages']", ", exclude=['wages']"])
START = st.sampled_from(["period.month", "application.month"])


def _ruleset(start: str, offset: int, length: int, kinds: str, varying: bool):  # type: ignore[no-untyped-def]
    size = f"({length} if m.role == 'child' else {length + 1})" if varying else str(length)
    window = f"window(add_months({start}, {offset}), {size}){kinds}"
    # the months with income over the same windows weigh in too (a factor of 1 + 1000 × months)
    months = f"sum(income_months(m, {window}) for m in members)"
    amount = f"sum(income(m, {window}) for m in members) * (1 + 1000 * {months})"
    files = dict(_BASE_FILES)
    files["measures/federal/fuzz.yaml"] = (
        HEADER.format(code="fuzz", entity="household", period="month")
        # the months with income over the same kinds, from the same start: windows per row too
        + f"eligibility: >-\n  sum(income_months(m, window(add_months({start}, -3), 3){kinds}) for m in members) >= 2\n"
        + f"amount: >-\n  {amount}\n"
    ).encode()
    return build_ruleset(files, "rules")


@settings(max_examples=40)
@example([], "2024-03", "period.month", -2, 12, "", False, True)
@given(
    populations(max_households=5),
    st.sampled_from(PERIODS),
    START,
    st.integers(-14, 0),
    st.integers(1, 13),
    KINDS,
    st.booleans(),
    st.booleans(),
)
def test_income_sums_agree_with_and_without_the_matrix(
    snapshots, period, start, offset, length, kinds, varying, matrix
):
    ruleset = _ruleset(start, offset, length, kinds, varying)
    cells = vector_functions._MATRIX_CELLS
    vector_functions._MATRIX_CELLS = cells if matrix else 0  # 0: never worth a matrix, the rows' paths
    try:
        assert_agree(ruleset, snapshots, period, ["fuzz"])
    finally:
        vector_functions._MATRIX_CELLS = cells


def _household(index: int, application: str) -> dict:  # type: ignore[type-arg]
    declared = {"from": "2023-01", "to": "2026-12"}
    return {
        "id": f"h{index}",
        "region": "63",
        "application": {"date": application},
        "members": [
            {
                "id": f"a{index}",
                "role": "applicant",
                "birth_date": "1980-05-17",
                "sex": "F",
                "incomes_declared": declared,
                "incomes": [
                    {"kind": "wages", "amount": str(30_000 + 1_111 * index), "from": "2023-03", "to": "2026-01"},
                    {"kind": "stipend", "amount": "2000.50", "from": "2025-06", "to": "2025-09"},
                ],
            },
            {
                "id": f"c{index}",
                "role": "child",
                "birth_date": "2015-02-28",
                "sex": "M",
                "incomes_declared": declared,
                "incomes": [{"kind": "pension", "amount": str(9_000 + 7 * index), "from": "2024-11", "to": "2026-06"}],
            },
        ],
    }


def _early_application() -> dict:  # type: ignore[type-arg]
    """The first incomes of the frames (wages from 2022-06, enough months for the condition),
    so the year's window before its application starts before the matrix's first month; incomes
    declared from long before: known, partly empty."""
    household = _household(10, "2022-11-10")
    for member in household["members"]:
        member["incomes_declared"] = {"from": "2020-01", "to": "2026-12"}
    household["members"][0]["incomes"] = [{"kind": "wages", "amount": "12345", "from": "2022-06", "to": "2026-01"}]
    return household


def _one_month_of_wages() -> dict:  # type: ignore[type-arg]
    """Income in a single month: too few months with income for the fuzz measure's condition."""
    household = _household(9, "2026-03-02")
    household["members"][0]["incomes"] = [{"kind": "wages", "amount": "5000", "from": "2026-02", "to": "2026-02"}]
    household["members"][1]["incomes"] = []
    return household


DECLARED = [
    *(
        parse_snapshot(_household(i, day))
        for i, day in enumerate(["2025-12-03", "2026-01-20", "2026-02-01", "2026-03-15", "2025-07-31"])
    ),
    parse_snapshot(_early_application()),
    parse_snapshot(_one_month_of_wages()),
]


@pytest.mark.parametrize("matrix", [True, False])
@pytest.mark.parametrize(
    ("start", "offset", "length", "kinds", "varying"),
    [
        ("period.month", -2, 12, "", False),  # one window for every row: a slice
        ("period.month", -13, 6, ", kinds=['wages']", False),  # partly before the first income
        ("application.month", -2, 12, ", kinds=['pension', 'wages']", False),  # gathered per row
        ("application.month", -1, 3, ", exclude=['wages']", False),
        ("application.month", -3, 6, "", True),  # windows of two lengths: the rows
    ],
)
def test_income_sums_over_declared_incomes(start, offset, length, kinds, varying, matrix):
    ruleset = _ruleset(start, offset, length, kinds, varying)
    cells = vector_functions._MATRIX_CELLS
    vector_functions._MATRIX_CELLS = cells if matrix else 0
    try:
        assert_agree(ruleset, DECLARED, "2026-03", ["fuzz"])
        table = evaluate_frames(ruleset, from_snapshots(DECLARED), "fuzz", "2026-03")
    finally:
        vector_functions._MATRIX_CELLS = cells
    assert (table["status"] == "eligible").sum() >= 3 and table["amount"].fillna(0).gt(0).sum() >= 3
    assert table["status"].iloc[-1] == "ineligible"  # one month with income of the three
