"""The diff between two RuleSets names the files, measures and parameter values that changed."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from engine.diff import diff_rulesets, file_diff
from engine.ruleset import build_ruleset, read_rule_files

BASE = Path(__file__).parent / "base_rules"
PARAMS = "parameters/base.yaml"
MEASURE = "measures/federal/base_measure.yaml"


@pytest.fixture(scope="module")
def base_files() -> dict[str, bytes]:
    return read_rule_files(BASE)


def _edit(files: dict[str, bytes], path: str, old: str, new: str) -> dict[str, bytes]:
    text = files[path].decode()
    assert old in text
    changed = dict(files)
    changed[path] = text.replace(old, new, 1).encode()
    return changed


def test_identical_rulesets_have_an_empty_diff(base_files):
    diff = diff_rulesets(build_ruleset(base_files), build_ruleset(dict(base_files)))
    assert diff.is_empty


def test_a_changed_parameter_value_is_named_with_its_file(base_files):
    old = build_ruleset(base_files)
    new = build_ruleset(_edit(base_files, PARAMS, "value: 1000", "value: 1200"))
    diff = diff_rulesets(old, new)
    (change,) = diff.parameters
    assert (change.name, change.key, change.effective_from, change.status) == (
        "base.amount",
        (),
        date(2020, 1, 1),
        "changed",
    )
    assert (change.old, change.new) == ("1000", "1200")
    assert not change.reference_changed
    (changed_file,) = diff.files
    assert changed_file.path == PARAMS and changed_file.status == "changed"
    assert (changed_file.added, changed_file.removed) == (1, 1)
    assert any(line.kind == "del" and "1000" in line.text for line in changed_file.lines)
    assert any(line.kind == "add" and "1200" in line.text for line in changed_file.lines)
    assert diff.measures == ()  # the measure's definition did not change, only a value it reads


def test_the_shipped_rules_with_one_amount_changed(rules):
    files = dict(rules.files)
    path = "parameters/samara.yaml"
    text = files[path].decode()
    files[path] = text.replace("value: 824\n", "value: 900\n", 1).encode()
    diff = diff_rulesets(rules, build_ruleset(files, "draft"))
    assert [f.path for f in diff.files] == [path]
    (change,) = diff.parameters
    assert change.name == "samara.edv.labour_veteran"
    assert (change.effective_from, change.old, change.new) == (date(2022, 1, 1), "824", "900")


def test_references_dates_and_coverage(base_files):
    old = build_ruleset(base_files)
    files = _edit(base_files, PARAMS, 'reference: "Закон № 1, ст. 2"}', 'reference: "Закон № 7, ст. 2"}')
    files = _edit(files, PARAMS, "  until: 2030-12-31", "  until: 2031-12-31")
    files = _edit(
        files,
        PARAMS,
        '    2025-01-01: {value: 10, reference: "Закон № 2"}',
        '    2026-01-01: {value: 12, reference: "Закон № 2"}',
    )
    diff = diff_rulesets(old, build_ruleset(files))
    found = {(c.name, c.aspect, c.effective_from, c.status): c for c in diff.parameters}
    amount = found[("base.amount", "value", date(2020, 1, 1), "changed")]
    assert amount.reference_changed and amount.old == amount.new == "1000"
    until = found[("base.amount", "until", None, "changed")]
    assert (until.old, until.new) == ("2030-12-31", "2031-12-31")
    assert found[("base.late", "value", date(2025, 1, 1), "removed")].old == "10"
    assert found[("base.late", "value", date(2026, 1, 1), "added")].new == "12"


def test_measure_changes_added_and_removed(base_files):
    old = build_ruleset(base_files)
    files = _edit(
        base_files, MEASURE, "amount: param('base.amount') * param('base.rate')", "amount: param('base.amount')"
    )
    files = _edit(
        files, MEASURE, 'expect: {eligible: true, amount: "500.00"}', 'expect: {eligible: true, amount: "1000.00"}'
    )
    copy = files[MEASURE].decode().replace("measure: base_measure", "measure: copy_measure")
    files["measures/federal/copy_measure.yaml"] = copy.encode()
    diff = diff_rulesets(old, build_ruleset(files))
    measures = {c.code: c for c in diff.measures}
    assert measures["copy_measure"].status == "added"
    changed = measures["base_measure"]
    assert changed.status == "changed"
    assert any(detail.startswith("формула суммы") for detail in changed.details)
    assert any(detail.startswith("встроенные тесты") for detail in changed.details)
    statuses = {f.path: f.status for f in diff.files}
    assert statuses == {MEASURE: "changed", "measures/federal/copy_measure.yaml": "added"}
    back = diff_rulesets(build_ruleset(files), old)
    assert {c.code: c.status for c in back.measures}["copy_measure"] == "removed"


def test_a_comment_changes_the_file_only(base_files):
    files = _edit(base_files, MEASURE, "title: Базовая мера для тестов", "title: Базовая мера для тестов  # comment")
    diff = diff_rulesets(build_ruleset(base_files), build_ruleset(files))
    assert [f.path for f in diff.files] == [MEASURE] and diff.measures == () and diff.parameters == ()


def test_file_diff_of_an_added_file():
    change = file_diff("lib/x.yaml", None, b"a: 1\nb: 2\n")
    assert change.status == "added" and change.added == 2 and change.removed == 0
    assert change.unified.splitlines()[0].startswith("@@")
