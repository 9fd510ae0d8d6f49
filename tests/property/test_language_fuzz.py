"""Hypothesis against the rule language: nothing but RuleErrors from any text, and checked
formulas never crash the evaluator on valid households."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import assume, event, example, given
from hypothesis import strategies as st

from engine.errors import RuleErrors
from engine.evaluate import evaluate
from engine.parse import parse_expression
from engine.ruleset import build_ruleset, read_rule_files
from engine.snapshot import parse_snapshot
from tests.engine.rulekit import BASE, HEADER

ALPHABET = st.sampled_from(
    [
        *list("abcxyz_019 .,()[]'\"+-*/<>=!%:&|#\n\tйё«»"),
        "and",
        "or",
        "not",
        " if ",
        " else ",
        " for ",
        " in ",
        "sum(",
        "**",
    ]
)


@given(st.lists(ALPHABET, max_size=40).map("".join) | st.text(max_size=60))
@example("(" * 200)
@example("not " * 3000 + "x")
@example("9" * 5000)
@example("1e309")
@example("'unterminated")
def test_the_parser_raises_nothing_but_rule_errors(text):
    try:
        parse_expression(text)
    except RuleErrors as exc:
        assert exc.errors and all(error.span.line >= 1 and error.span.col >= 1 for error in exc.errors)


# -- well-typed formulas -------------------------------------------------------------------

NUMBER_LEAVES = st.sampled_from(
    [
        "0",
        "1",
        "2.5",
        "12",
        "household.size",
        "age(period.start)",
        "age(applicant, application.date)",
        "count(m for m in members if m.role == 'child')",
        "months_between(person.birth_date, period.start)",
        "income_months(applicant, window(month('2026-01'), 12))",
        "reason_months(applicant, window(month('2025-12'), 6))",
        "disability_group(period.start)",
        "sum(m.birth_date.year for m in members) - 1990",
    ]
)
MONEY_LEAVES = st.sampled_from(
    [
        "param('base.amount')",
        "param('base.by_region', household.region)",
        "income(applicant, window(month('2026-01'), 12))",
        "income(person, window(add_months(application.month, -2), 12))",
        "sum(income(m, window(month('2025-12'), 6)) for m in members)",
        "marginal('base.scale', param('base.amount'))",
    ]
)


def _numbers(children):  # type: ignore[no-untyped-def]
    pair = st.tuples(children, children)
    return st.one_of(
        pair.map(lambda p: f"({p[0]} + {p[1]})"),
        pair.map(lambda p: f"({p[0]} - {p[1]})"),
        pair.map(lambda p: f"({p[0]} * {p[1]})"),
        pair.map(lambda p: f"({p[0]} / {p[1]})"),
        pair.map(lambda p: f"max({p[0]}, {p[1]})"),
        st.tuples(BOOLS, children, children).map(lambda p: f"({p[1]} if {p[0]} else {p[2]})"),
        children.map(lambda c: f"abs({c})"),
        children.map(lambda c: f"round({c}, 'hundredth_half_up')"),
    )


NUMBERS = st.deferred(lambda: st.recursive(NUMBER_LEAVES, _numbers, max_leaves=6))


def _money(children):  # type: ignore[no-untyped-def]
    return st.one_of(
        st.tuples(children, children).map(lambda p: f"({p[0]} + {p[1]})"),
        st.tuples(children, children).map(lambda p: f"min({p[0]}, {p[1]})"),
        st.tuples(children, NUMBERS).map(lambda p: f"({p[0]} * {p[1]})"),
        st.tuples(children, NUMBERS).map(lambda p: f"({p[0]} / {p[1]})"),
        st.tuples(BOOLS, children, children).map(lambda p: f"({p[1]} if {p[0]} else {p[2]})"),
    )


BOOL_LEAVES = st.sampled_from(
    [
        "True",
        "False",
        "has_category('labour_veteran', period.start)",
        "is_pregnant(application.date)",
        "any(age(m, period.start) < 3 for m in members)",
        "all(m.sex == 'F' for m in members)",
        "household.region == '63'",
        "person.role in ['applicant', 'spouse']",
        "has_reason(applicant, period.start, kinds=['registered_unemployment'])",
    ]
)
BOOLS = st.deferred(lambda: st.recursive(BOOL_LEAVES, _bools, max_leaves=5))
MONEY = st.deferred(lambda: st.recursive(MONEY_LEAVES, _money, max_leaves=5))


def _bools(children):  # type: ignore[no-untyped-def]
    return st.one_of(
        st.tuples(children, children).map(lambda p: f"({p[0]} and {p[1]})"),
        st.tuples(children, children).map(lambda p: f"({p[0]} or {p[1]})"),
        children.map(lambda c: f"not {c}"),
        st.tuples(NUMBERS, NUMBERS).map(lambda p: f"{p[0]} < {p[1]}"),
        st.tuples(MONEY, MONEY).map(lambda p: f"{p[0]} >= {p[1]}"),
    )


@st.composite
def households(draw):  # type: ignore[no-untyped-def]
    size = draw(st.integers(1, 8))
    members = []
    for index in range(size):
        birth = date(1940, 1, 1) + timedelta(days=draw(st.integers(0, 31_000)))
        member = {
            "id": f"p{index}",
            "role": "applicant" if index == 0 else draw(st.sampled_from(["spouse", "child", "other"])),
            "birth_date": birth.isoformat(),
            "sex": draw(st.sampled_from(["M", "F"])),
            "categories": draw(st.lists(st.sampled_from(["labour_veteran", "pensioner", "sole_parent"]), max_size=2)),
        }
        if draw(st.booleans()):
            member["incomes_declared"] = {"from": "2025-01", "to": draw(st.sampled_from(["2025-06", "2026-02"]))}
            member["incomes"] = [
                {
                    "kind": draw(st.sampled_from(["wages", "pension"])),
                    "amount": str(draw(st.integers(0, 10**7))),
                    "from": "2025-01",
                    "to": "2025-06",
                }
            ]
        if draw(st.booleans()):
            member["no_income_reasons"] = [{"kind": "registered_unemployment", "from": "2025-03-01", "to": None}]
        if draw(st.booleans()):
            member["disability"] = {"group": draw(st.sampled_from([1, 2, 3, "child"])), "from": "2020-01-01"}
        members.append(member)
    data = {"region": draw(st.sampled_from(["63", "77"])), "members": members}
    if draw(st.booleans()):
        data["application"] = {"date": draw(st.sampled_from(["2026-01-15", "2026-03-10", "2025-12-31"]))}
    return parse_snapshot(data)


_BASE_FILES = read_rule_files(BASE)


@given(condition=BOOLS, amount=MONEY | NUMBERS, snapshot=households(), entity=st.sampled_from(["person", "household"]))
def test_checked_formulas_never_crash_the_evaluator(condition, amount, snapshot, entity):
    text = HEADER.format(code="fuzz", entity=entity, period="month") + (
        f"eligibility: >-\n  {condition}\namount: >-\n  {amount}\n"
    )
    files = dict(_BASE_FILES)
    files["measures/federal/fuzz.yaml"] = text.encode()
    try:
        rules = build_ruleset(files, "rules")
    except RuleErrors as exc:
        # Well-typed by construction; the checker may still refuse a parameter's coverage.
        event("refused: " + ",".join(sorted({error.code for error in exc.errors})))
        assume(all(error.code in ("param-coverage",) for error in exc.errors))
        return
    result = evaluate(rules, snapshot, "fuzz", "2026-03")
    event(result.status)
    assert result.status in ("eligible", "ineligible", "undetermined", "error")
    if result.status == "eligible":
        assert result.amount is not None and result.amount == result.amount.quantize(result.amount.__class__("0.01"))
    if result.status == "undetermined":
        assert result.missing
    if result.status == "error":
        assert result.error and "rules/measures/federal/fuzz.yaml:" in result.error
