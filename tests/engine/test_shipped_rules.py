"""The shipped rules: they load, and every test embedded in a measure file passes (one pytest
case each, so a failure names the measure and the test)."""

from __future__ import annotations

import pytest

from engine import load_ruleset
from engine.embedded import run_test
from tests.conftest import RULES_DIR

_RULES = load_ruleset(RULES_DIR)
_CASES = [(code, test) for code in sorted(_RULES.measures) for test in _RULES.measures[code].tests]


@pytest.mark.parametrize(("code", "test"), _CASES, ids=[f"{code}: {test.name}" for code, test in _CASES])
def test_embedded_test_passes(code, test):
    outcome = run_test(_RULES, _RULES.measures[code], test)
    assert outcome.problems == ()


def test_every_measure_has_tests_and_a_legal_basis():
    for measure in _RULES.measures.values():
        assert len(measure.tests) >= 3, measure.code
        assert measure.legal_basis, measure.code
        for version in measure.versions:
            assert version.legal_basis, (measure.code, version.effective_from)


def test_every_parameter_value_names_its_source():
    for parameter in _RULES.params.parameters.values():
        for _key, series in parameter.all_series():
            for value in series.values:
                assert value.reference.strip(), parameter.name
                assert value.verified or value.note, parameter.name


def test_unverified_values_are_reported_not_hidden():
    for name, value in _RULES.params.unverified():
        assert value.note and len(value.note) > 10, name
