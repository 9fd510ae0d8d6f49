"""Evaluation semantics: three-valued eligibility, unknown facts, rule defects, versions,
regions, schedules and traces."""

from __future__ import annotations

from decimal import Decimal

import pytest

from engine.evaluate import evaluate, evaluate_all
from tests.engine.rulekit import household, measure, ruleset


def test_a_false_condition_refuses_even_when_another_is_unknown():
    rules = ruleset(
        measure(
            "m",
            """
            eligibility:
              all:
                - when: income(applicant, window(month('2024-06'), 3)) > 0
                  reason: "нет дохода"
                - when: household.size > 5
                  reason: "семья меньше 6 человек ({size})"
            variables:
              size: household.size
            amount: 1
            """,
        )
    )
    result = evaluate(rules, household(), "m", "2026-03")
    assert result.status == "ineligible"
    assert result.reasons == ("семья меньше 6 человек (2)",)
    assert result.missing == ()


def test_an_unknown_condition_makes_the_result_undetermined_and_names_the_document():
    rules = ruleset(
        measure(
            "m",
            """
            eligibility: income(applicant, window(month('2024-06'), 3)) > 0
            amount: 1
            """,
        )
    )
    result = evaluate(rules, household(), "m", "2026-03")
    assert result.status == "undetermined"
    assert result.amount is None
    (fact,) = result.missing
    assert fact.path == "members[p1].incomes"
    assert "2024-04..2024-06" in fact.description
    assert (fact.document, fact.document_title) == ("income_statement", "Сведения о доходах")


def test_or_with_a_true_side_is_true_despite_an_unknown_side():
    rules = ruleset(
        measure(
            "m",
            """
            eligibility: income(applicant, window(month('2024-06'), 3)) > 0 or household.size == 2
            amount: 1
            """,
        )
    )
    assert evaluate(rules, household(), "m", "2026-03").status == "eligible"


def test_every_failed_condition_of_all_is_reported():
    rules = ruleset(
        measure(
            "m",
            """
            eligibility:
              all:
                - when: household.size > 3
                  reason: "маленькая семья"
                - when: household.region == '77'
                  reason: "не Москва"
                - "True"
            amount: 1
            """,
        )
    )
    result = evaluate(rules, household(), "m", "2026-03")
    assert result.reasons == ("маленькая семья", "не Москва")
    assert result.failed == ("eligibility.all[1]", "eligibility.all[2]")


def test_any_that_fails_explains_with_its_children():
    rules = ruleset(
        measure(
            "m",
            """
            eligibility:
              any:
                - when: household.size > 3
                  reason: "маленькая семья"
                - when: household.region == '77'
                  reason: "не Москва"
            amount: 1
            """,
        )
    )
    result = evaluate(rules, household(), "m", "2026-03")
    assert result.reasons == ("не выполнено ни одно из условий: маленькая семья; не Москва",)


def test_not_refuses_with_its_reason():
    rules = ruleset(
        measure(
            "m",
            """
            eligibility:
              not:
                when: household.size == 2
              reason: "семья из двух человек исключена"
            amount: 1
            """,
        )
    )
    assert evaluate(rules, household(), "m", "2026-03").reasons == ("семья из двух человек исключена",)


def test_division_by_zero_is_a_rule_defect_with_its_position():
    rules = ruleset(
        measure(
            "m",
            """
            variables:
              nobody: count(m for m in members if m.role == 'spouse')
            eligibility: "True"
            amount: param('base.amount') / nobody
            """,
        )
    )
    result = evaluate(rules, household(), "m", "2026-03")
    assert result.status == "error"
    assert "rules/measures/federal/m.yaml:13:9" in result.error
    assert "division by zero" in result.error


def test_a_parameter_outside_its_dates_is_an_error_naming_date_and_coverage():
    rules = ruleset(
        measure(
            "m",
            """
            eligibility: "True"
            amount: param('base.amount')
            """,
        )
    )
    result = evaluate(rules, household(application={"date": "2031-01-10"}), "m", "2031-01")
    assert result.status == "error"
    assert "on 2031-01-01" in result.error and "values cover 2020-01-01 .. 2030-12-31" in result.error


def test_versions_apply_from_their_dates():
    rules = ruleset(
        measure(
            "m",
            """
            eligibility: "True"
            amount: 100
            versions:
              2025-01-01:
                amount: 200
            """,
        )
    )
    assert evaluate(rules, household(), "m", "2024-12").amount == Decimal(100)
    assert evaluate(rules, household(), "m", "2025-01").amount == Decimal(200)
    assert evaluate(rules, household(), "m", "2025-01").measure_version == "2025-01-01"


def test_version_by_application_date_keeps_the_rules_of_the_application():
    rules = ruleset(
        measure(
            "m",
            """
            version_by: application_date
            eligibility: "True"
            amount: 100
            versions:
              2026-06-01:
                amount: 200
            """,
        )
    )
    assert evaluate(rules, household(), "m", "2026-07").amount == Decimal(100)
    later = household(application={"date": "2026-06-02"})
    assert evaluate(rules, later, "m", "2026-07").amount == Decimal(200)
    assert evaluate(rules, _no_application(), "m", "2026-07").status == "undetermined"


def _no_application():
    from engine.snapshot import parse_snapshot

    snapshot = household()
    data = dict(snapshot.data)
    data.pop("application")
    return parse_snapshot(data)


def test_before_valid_from_the_measure_does_not_apply():
    rules = ruleset(measure("m", 'eligibility: "True"\namount: 1\n'))
    result = evaluate(rules, household(), "m", "2020-12")
    assert (result.status, result.failed) == ("ineligible", ("valid_period",))


def test_a_regional_measure_applies_only_in_its_region():
    path, text = measure("m", 'eligibility: "True"\namount: 1\n')
    text = text.replace("level: federal", 'level: regional\nregion: "52"')
    rules = ruleset((path, text))
    result = evaluate(rules, household(), "m", "2026-03")
    assert (result.status, result.failed) == ("ineligible", ("region",))


def test_rounding_is_declared_and_applied():
    rules = ruleset(
        measure(
            "m",
            """
            eligibility: "True"
            amount: param('base.amount') / 3
            rounding: ruble_down
            """,
        )
    )
    assert evaluate(rules, household(), "m", "2026-03").amount == Decimal(333)


def test_person_measures_run_per_member_and_applies_to_filters():
    rules = ruleset(
        measure(
            "m",
            """
            applies_to: age(period.start) >= 18
            eligibility: "True"
            amount: param('base.amount')
            """,
            entity="person",
        )
    )
    results = evaluate_all(rules, household(), "2026-03")
    assert [(r.measure, r.person) for r in results] == [("base_measure", "p1"), ("base_measure", "c1"), ("m", "p1")]
    direct = evaluate(rules, household(), "m", "2026-03", person="c1")
    assert direct.reasons == ("мера не назначается этому члену семьи",)


@pytest.mark.parametrize(
    ("birth", "application", "start", "end"),
    [
        ("2026-01-15", "2026-03-10", "2026-01", "2026-12"),  # within 6 months of the right
        ("2025-06-15", "2026-03-10", "2026-03", "2027-02"),  # 9 months late: from the application
        ("2026-05-15", "2026-03-10", "2026-05", "2027-04"),  # the right comes later
    ],
)
def test_schedule_from_the_month_of_right_with_a_look_back(birth, application, start, end):
    rules = ruleset(
        measure(
            "m",
            """
            variables:
              born: max(m.birth_date for m in members if m.role == 'child')
            eligibility: "True"
            amount: 1
            schedule:
              start: {month_of_right: month(born)}
              look_back_months: 6
              term_months: 12
              review_every: 12
            """,
        )
    )
    snapshot = household(
        application={"date": application},
        members=[
            {"id": "p1", "role": "applicant", "birth_date": "1990-01-01", "sex": "F"},
            {"id": "c1", "role": "child", "birth_date": birth, "sex": "M"},
        ],
    )
    schedule = evaluate(rules, snapshot, "m", "2026-03").schedule
    assert (str(schedule.start), str(schedule.end)) == (start, end)
    assert len(schedule.months) == 12


def test_schedule_until_cuts_the_term():
    rules = ruleset(
        measure(
            "m",
            """
            eligibility: "True"
            amount: 1
            schedule:
              term_months: 12
              until: month('2026-06')
            """,
        )
    )
    schedule = evaluate(rules, household(), "m", "2026-03").schedule
    assert (str(schedule.start), str(schedule.end), schedule.review) == ("2026-03", "2026-06", None)


def test_one_time_measures_have_a_one_month_schedule():
    rules = ruleset(measure("m", 'eligibility: "True"\namount: 5\n', period="once"))
    schedule = evaluate(rules, household(), "m", "2026-03").schedule
    assert (str(schedule.start), str(schedule.end), schedule.payment) == ("2026-03", "2026-03", "once")


def test_trace_records_formulas_inputs_parameters_and_items():
    rules = ruleset(
        measure(
            "m",
            """
            variables:
              total: sum(income(m, window(month('2026-02'), 12)) for m in members if m.role == 'applicant')
            eligibility: total > 0
            amount: param('base.amount') * param('base.rate')
            """,
        )
    )
    result = evaluate(rules, household(), "m", "2026-03")
    total = result.trace.find("total")
    assert total.kind == "variable"
    assert total.location == "rules/measures/federal/m.yaml:11"
    assert total.value == Decimal("360000")
    (item,) = total.children
    assert item.name == "members[p1]"
    assert dict(item.inputs)["members[p1].incomes за 2025-03..2026-02"] == Decimal("360000")
    amount = result.trace.find("amount")
    uses = {use.name: use for use in amount.params}
    assert uses["base.amount"].reference == "Закон № 1, ст. 2"
    assert str(uses["base.rate"].effective_from) == "2020-01-01"
    data = result.as_dict()
    assert data["trace"]["children"][0]["name"] == "total"
    assert data["amount"] == "500.00"
    assert data["ruleset_version"] == rules.version


def test_evaluation_without_trace_gives_the_same_result():
    rules = ruleset(measure("m", 'eligibility: household.size == 2\namount: param("base.amount")\n'))
    traced = evaluate(rules, household(), "m", "2026-03")
    bare = evaluate(rules, household(), "m", "2026-03", trace=False)
    assert (traced.status, traced.amount) == (bare.status, bare.amount)
    assert bare.trace.children == ()
