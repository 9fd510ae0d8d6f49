"""Dated parameters: lookups by date and key, coverage errors, scales."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from engine.errors import ParameterNotFoundError
from engine.params import ParameterLoader, bracket_value, marginal_value
from engine.source import Span
from engine.yamlload import load_text

TEXT = """
amount:
  description: Сумма
  unit: rub
  reference: "Закон № 1"
  values:
    2024-01-01: 100
    2025-02-01: {value: 105.5, reference: "Постановление № 2", verified: false, note: "номер не найден"}
  until: 2025-12-31
norm:
  description: Норма площади
  unit: m2
  reference: "ЖК РФ ст. 159"
  keys: [{name: size, type: count, open_ended: true}]
  table:
    "1": {values: {2005-01-01: 33}}
    "2": {values: {2005-01-01: 21}}
    "3": {values: {2005-01-01: 18}}
by_region:
  description: По регионам
  unit: rub
  keys: [region]
  table:
    "63": {reference: "Закон СО", values: {2023-01-01: 10}}
    "52": {reference: "Закон НО", values: {2024-01-01: 20}}
share:
  description: Доля
  unit: ratio
  kind: scale
  reference: "Закон № 3"
  values:
    2020-01-01: [{from: 0, value: 0.1}, {from: 3000, value: 0.15}, {from: 4000, value: 0.22}]
"""


@pytest.fixture(scope="module")
def params():
    node, source = load_text(TEXT, "rules/parameters/test.yaml")
    loader = ParameterLoader()
    loader.load_file("test", node, Span("rules/parameters/test.yaml", 1, 1, 1, 1, source))
    assert loader.errors == []
    return loader.parameters


def test_lookup_gives_the_value_in_force_with_its_date_and_reference(params):
    use = params["test.amount"].lookup(date(2025, 3, 1))
    assert use.value == Decimal("105.5")
    assert use.effective_from == date(2025, 2, 1)
    assert use.reference == "Постановление № 2"
    assert use.note == "номер не найден"
    earlier = params["test.amount"].lookup(date(2025, 1, 31))
    assert (earlier.value, earlier.reference) == (Decimal(100), "Закон № 1")


def test_parameter_before_first_date_names_the_date_asked_and_the_coverage(params):
    with pytest.raises(ParameterNotFoundError) as caught:
        params["test.amount"].lookup(date(2023, 12, 31))
    assert "2023-12-31" in str(caught.value)
    assert "values cover 2024-01-01 .. 2025-12-31" in str(caught.value)


def test_parameter_after_until_is_an_error(params):
    with pytest.raises(ParameterNotFoundError, match="2026-01-01"):
        params["test.amount"].lookup(date(2026, 1, 1))


def test_count_keys_are_open_ended_upwards(params):
    norm = params["test.norm"]
    assert norm.lookup(date(2026, 1, 1), ("2",)).value == 21
    assert norm.lookup(date(2026, 1, 1), ("7",)).value == 18
    assert norm.lookup(date(2026, 1, 1), ("7",)).key == ("3",)


def test_text_keys_have_their_own_coverage(params):
    table = params["test.by_region"]
    assert table.lookup(date(2023, 6, 1), ("63",)).value == 10
    with pytest.raises(ParameterNotFoundError, match="values cover 2024-01-01"):
        table.lookup(date(2023, 6, 1), ("52",))
    with pytest.raises(ParameterNotFoundError, match="no entry for this key"):
        table.lookup(date(2024, 6, 1), ("77",))


def test_unverified_values_are_listed(params):
    from engine.params import parameter_set

    listed = parameter_set(params.values()).unverified()
    assert [(name, value.effective_from) for name, value in listed] == [("test.amount", date(2025, 2, 1))]


@pytest.mark.parametrize(
    ("amount", "expected"),
    [("0", "0.1"), ("2999.99", "0.1"), ("3000", "0.15"), ("3999", "0.15"), ("4000", "0.22"), ("99999", "0.22")],
)
def test_bracket_gives_the_value_of_the_containing_bracket(params, amount, expected):
    scale = params["test.share"].lookup(date(2026, 1, 1)).value
    assert bracket_value(scale, Decimal(amount)) == Decimal(expected)


def test_marginal_sums_each_bracket_share(params):
    scale = params["test.share"].lookup(date(2026, 1, 1)).value
    # 3000 × 0.10 + 1000 × 0.15 + 1000 × 0.22
    assert marginal_value(scale, Decimal(5000)) == Decimal("670.00")
    assert marginal_value(scale, Decimal(0)) == 0
