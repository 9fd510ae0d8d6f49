"""The snapshot: JSON Schema validation naming every bad field, and unknown kept as unknown."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from engine.errors import SnapshotError
from engine.periods import Month
from engine.snapshot import load_snapshot_file, parse_snapshot, schema


def _member(**extra):
    base = {"id": "p1", "role": "applicant", "birth_date": "1980-01-01", "sex": "F"}
    base.update(extra)
    return base


def test_a_valid_household_parses_into_dataclasses():
    snapshot = parse_snapshot(
        {
            "region": "63",
            "application": {"date": "2026-03-10"},
            "members": [
                _member(
                    incomes_declared={"from": "2025-01", "to": "2025-12"},
                    incomes=[
                        {"kind": "wages", "amount": "1000.50", "from": "2025-01", "to": "2025-03"},
                        {"kind": "wages", "amount": 10, "month": "2025-02"},
                    ],
                    property={"real_estate": [{"kind": "apartment", "area": "40", "share": "1/2"}]},
                )
            ],
            "housing": {"area": "40.5", "services": [{"code": "heating", "cost": "1200.00"}]},
        }
    )
    member = snapshot.members[0]
    assert member.incomes[Month(2025, 2)]["wages"] == Decimal("1010.50")
    assert member.real_estate[0].share == Decimal("0.5")
    assert snapshot.housing.services[0].path == "housing.services[heating]"
    assert member.no_income_reasons is None  # not given: unknown, not "none"
    assert member.vehicles == ()  # property given without vehicles: none


def test_every_bad_field_is_named_with_its_path():
    with pytest.raises(SnapshotError) as caught:
        parse_snapshot(
            {
                "region": "Samara",
                "members": [
                    _member(birth_date="1980-13-01"),
                    _member(id="p2", role="boss", sex="X", extra=1),
                ],
            }
        )
    paths = {path for path, _reason in caught.value.problems}
    assert {"region", "members[1:p2].role", "members[1:p2].sex", "members[1:p2]"} <= paths
    reasons = dict(caught.value.problems)
    assert "unknown field" in reasons["members[1:p2]"]


def test_impossible_dates_are_named_after_the_schema_passes():
    with pytest.raises(SnapshotError) as caught:
        parse_snapshot({"region": "63", "members": [_member(birth_date="1980-02-30")]})
    assert caught.value.problems == (("members[0:p1].birth_date", "'1980-02-30' is not a real calendar date"),)


def test_money_must_not_be_a_binary_float():
    with pytest.raises(SnapshotError) as caught:
        parse_snapshot(
            {
                "region": "63",
                "members": [
                    _member(
                        incomes_declared={"from": "2025-01", "to": "2025-01"},
                        incomes=[{"kind": "wages", "amount": 0.1, "month": "2025-01"}],
                    )
                ],
            }
        )
    assert "binary float" in caught.value.problems[0][1]


def test_income_outside_the_declared_months_is_refused():
    with pytest.raises(SnapshotError, match="outside incomes_declared"):
        parse_snapshot(
            {
                "region": "63",
                "members": [
                    _member(
                        incomes_declared={"from": "2025-01", "to": "2025-06"},
                        incomes=[{"kind": "wages", "amount": "1", "month": "2025-07"}],
                    )
                ],
            }
        )


def test_duplicate_member_ids_and_two_applicants_are_refused():
    with pytest.raises(SnapshotError) as caught:
        parse_snapshot({"region": "63", "members": [_member(), _member()]})
    reasons = " ".join(reason for _path, reason in caught.value.problems)
    assert "duplicate member id" in reasons and "more than one applicant" in reasons


def test_json_files_keep_decimals_exact(tmp_path):
    path = tmp_path / "h.json"
    path.write_text(
        json.dumps(
            {
                "region": "63",
                "members": [_member(incomes_declared={"from": "2025-01", "to": "2025-01"})],
                "housing": {"area": 40.1, "services": []},
            }
        ).replace("40.1", "40.10000000000000001")
    )
    snapshot = load_snapshot_file(str(path))
    assert snapshot.housing.area == Decimal("40.10000000000000001")


def test_yaml_household_files_use_the_strict_loader(tmp_path):
    path = tmp_path / "h.yaml"
    path.write_text(
        "region: '63'\nmembers: [{id: p1, role: applicant, birth_date: 1980-01-01, sex: F}]\nregion: '64'\n"
    )
    from engine.errors import RuleErrors

    with pytest.raises(RuleErrors):
        load_snapshot_file(str(path))


def test_the_schema_is_a_valid_json_schema():
    import jsonschema

    jsonschema.Draft202012Validator.check_schema(schema())


def test_year_zero_months_and_income_rows_of_both_shapes_are_refused_by_field():
    from engine import SnapshotError, parse_snapshot

    member = {"id": "a", "role": "applicant", "birth_date": "1990-01-01", "sex": "F"}
    member["incomes_declared"] = {"from": "0000-01", "to": "2026-01"}
    member["incomes"] = [{"kind": "wages", "amount": "1", "month": "2025-02", "from": "2025-01", "to": "2025-03"}]
    with pytest.raises(SnapshotError) as caught:
        parse_snapshot({"region": "63", "members": [member]})
    paths = {path for path, _reason in caught.value.problems}
    assert paths == {"members[0:a].incomes_declared.from", "members[0:a].incomes[0]"}
