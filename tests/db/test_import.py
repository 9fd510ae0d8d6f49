"""Importing the register from files: good rows load in one transaction, bad rows are reported
with row, field and reason; encodings, XLSX archives and JSON are read without trusting them."""

from __future__ import annotations

import io
import json
import stat
import time
import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa

from registry import bulk
from registry.identifiers import snils_check_number
from registry.importing import ImportFileError, Limits, import_file
from registry.importing.files import open_table
from registry.importing.records import is_known_column
from registry.importing.values import ValueProblem, parse_decimal
from registry.models import (
    AuditEntry,
    CaseCounter,
    Declaration,
    Document,
    Household,
    Housing,
    Income,
    Membership,
    Person,
    PersonCategory,
    UtilityCharge,
)
from registry.people import sync_reference

AS_OF = date(2026, 3, 10)


def snils(body: int) -> str:
    digits = f"{body:09d}"
    return digits + snils_check_number(digits)


S1, S2, S3, S4 = (snils(n) for n in (200_000_001, 200_000_002, 200_000_003, 200_000_004))
RU_PERSONS = ("СНИЛС", "Фамилия", "Имя", "Отчество", "Дата рождения", "Пол (М/Ж)", "ОКТМО", "Адрес регистрации")
EN_PERSONS = (
    "snils",
    "last_name",
    "first_name",
    "middle_name",
    "birth_date",
    "sex",
    "municipality",
    "registration_address",
)
PEOPLE = (
    (
        f"{S1[:3]}-{S1[3:6]}-{S1[6:9]} {S1[9:]}",
        "Иванов",
        "Иван",
        "Иванович",
        "12.03.1980",
        "М",
        "36701000",
        "г. Самара, ул. Ленина, д. 1",
    ),
    (S2, "Смирнова", "Анна", "Петровна", "01.01.1990", "Ж", "36740000", "г. Тольятти, ул. Мира, д. 7, кв. 12"),
    (S3, "ЩУКИН", "ЮРИЙ", "ФЁДОРОВИЧ", "1955-07-30", "м", "36735000", ""),
    (S4, "Кузнецова-Белая", "Мария", "", "2015-05-20", "ж", "36701000", "г. Самара, пр-т Кирова, д. 100"),
)
EXPECTED = [
    (S1, "Иванов", "Иван", "Иванович", date(1980, 3, 12), "M", "36701000", "г. Самара, ул. Ленина, д. 1"),
    (S2, "Смирнова", "Анна", "Петровна", date(1990, 1, 1), "F", "36740000", "г. Тольятти, ул. Мира, д. 7, кв. 12"),
    (S3, "ЩУКИН", "ЮРИЙ", "ФЁДОРОВИЧ", date(1955, 7, 30), "M", "36735000", None),
    (S4, "Кузнецова-Белая", "Мария", None, date(2015, 5, 20), "F", "36701000", "г. Самара, пр-т Кирова, д. 100"),
]


def write_csv(path: Path, header: tuple[str, ...], rows, encoding: str = "utf-8") -> Path:  # type: ignore[no-untyped-def]
    text = "".join(";".join(row) + "\r\n" for row in (header, *rows))
    path.write_bytes(text.encode(encoding))
    return path


def stored_persons(session, numbers=(S1, S2, S3, S4)):  # type: ignore[no-untyped-def]
    columns = (Person.snils, Person.last_name, Person.first_name, Person.middle_name, Person.birth_date)
    columns += (Person.sex, Person.municipality, Person.registration_address)
    query = sa.select(*columns).where(Person.snils.in_(numbers)).order_by(Person.snils)
    return [tuple(row) for row in session.execute(query)]


def count(session, model) -> int:  # type: ignore[no-untyped-def]
    return session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()


@pytest.fixture
def register(db_session):  # type: ignore[no-untyped-def]
    sync_reference(db_session)
    return db_session


@pytest.fixture
def people(register, tmp_path):  # type: ignore[no-untyped-def]
    report = import_file(register, write_csv(tmp_path / "people.csv", RU_PERSONS, PEOPLE), as_of=AS_OF)
    assert report.rows_loaded == 4, report.problems
    return register


# -- persons: good rows load, bad rows are reported -----------------------------------------------------


def test_good_rows_load_and_bad_rows_are_reported_with_row_field_and_reason(register, tmp_path):
    bad = (
        ("200000005" + "99", "Петров", "Петр", "", "01.02.1970", "М", "36701000", ""),
        ("", "Сидоров", "Пётр", "Петрович", "2090-01-01", "X", "99999999", ""),
        ("", "Ивaнова", "Ольга", "", "31.02.1990", "Ж", "36701000", '=HYPERLINK("http://x")'),
    )
    path = write_csv(tmp_path / "persons.csv", RU_PERSONS, PEOPLE[:2] + bad + PEOPLE[2:])
    report = import_file(register, path, as_of=AS_OF)
    assert (report.what, report.rows_read, report.rows_loaded, report.rows_rejected) == ("persons", 7, 4, 3)
    assert stored_persons(register) == EXPECTED
    by_row = {}
    for row, field, _value, reason in report.problems:
        by_row.setdefault(row, []).append((field, reason))
    assert sorted(by_row) == [4, 5, 6]
    expected_check = snils_check_number("200000005")
    assert by_row[4] == [("СНИЛС", f"неверное контрольное число СНИЛС: указано 99, должно быть {expected_check}")]
    fields_of_row_5 = [field for field, _reason in by_row[5]]
    assert fields_of_row_5 == ["Дата рождения", "Пол (М/Ж)", "ОКТМО"]  # every problem of the row
    assert "в будущем" in by_row[5][0][1]
    assert ("Фамилия", "смешаны латинские и русские буквы (например, латинская «a» вместо русской «а»)") in by_row[6]
    assert ("Дата рождения", "нет такой даты: «31.02.1990»") in by_row[6]
    lines = report.report_path.read_bytes()
    assert lines.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, for Excel
    text = lines.decode("utf-8-sig").splitlines()
    assert text[0] == "строка;поле;значение;причина"
    assert text[1].startswith("4;СНИЛС;")
    assert report.report_path == tmp_path / "persons.csv.report.csv"


def test_persons_get_case_numbers_of_their_municipality(people):
    cases = dict(people.execute(sa.select(Person.snils, Person.case_number).where(Person.snils.in_([S1, S2]))).all())
    assert cases[S1].startswith("6336701000") and cases[S2].startswith("6336740000")
    assert people.get(CaseCounter, "36701000").last == 2  # Иванов and Кузнецова-Белая


def test_an_audit_entry_records_the_bulk_load(register, tmp_path):
    before = count(register, AuditEntry)
    import_file(register, write_csv(tmp_path / "p.csv", RU_PERSONS, PEOPLE), as_of=AS_OF)
    entries = register.execute(sa.select(AuditEntry.action, AuditEntry.table_name).where(AuditEntry.id > before))
    assert ("bulk_insert", "persons") in list(entries)


# -- encodings -------------------------------------------------------------------------------------------

ENCODINGS = ("utf-8", "utf-8-sig", "cp1251", "cp866", "koi8-r")


@pytest.mark.parametrize("header", [RU_PERSONS, EN_PERSONS], ids=["russian-header", "english-header"])
@pytest.mark.parametrize("encoding", ENCODINGS)
def test_the_same_file_in_five_encodings_reads_as_the_same_rows(tmp_path, encoding, header):
    path = write_csv(tmp_path / "persons.csv", header, PEOPLE, encoding)
    with open_table(path, is_known_column=is_known_column) as table:
        rows = [cells for _number, cells in table.rows]
        assert table.encoding == encoding
    assert rows == [tuple(cell or None for cell in person) for person in PEOPLE]


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_the_same_data_in_five_encodings_gives_identical_rows(register, tmp_path, encoding):
    report = import_file(register, write_csv(tmp_path / "persons.csv", RU_PERSONS, PEOPLE, encoding), as_of=AS_OF)
    assert (report.encoding, report.rows_loaded, report.problems) == (encoding, 4, ())
    assert stored_persons(register) == EXPECTED


@pytest.mark.parametrize(
    ("written", "forced", "message"),
    [
        ("cp1251", "koi8-r", "похоже, это cp1251"),
        ("koi8-r", "cp1251", "похоже, это koi8-r"),
        ("cp866", "cp1251", "похоже, это cp866"),
        ("utf-8", "cp1251", "не читается в кодировке cp1251; похоже, это utf-8"),
        ("cp1251", "utf-8", "не читается в кодировке utf-8; похоже, это cp1251"),
        ("utf-8-sig", "cp1251", "метки UTF-8"),
        ("cp1251", "latin-1", "не поддерживается"),
    ],
)
def test_a_forced_wrong_encoding_is_an_error_not_mojibake(register, tmp_path, written, forced, message):
    path = write_csv(tmp_path / "persons.csv", EN_PERSONS, PEOPLE, written)
    with pytest.raises(ImportFileError, match=message):
        import_file(register, path, encoding=forced, as_of=AS_OF)
    assert stored_persons(register) == []
    assert not (tmp_path / "persons.csv.report.csv").exists()


def test_a_forced_right_encoding_is_used(register, tmp_path):
    path = write_csv(tmp_path / "persons.csv", EN_PERSONS, PEOPLE, "koi8-r")
    assert import_file(register, path, encoding="KOI8-R", as_of=AS_OF).encoding == "koi8-r"
    assert stored_persons(register) == EXPECTED


# -- XLSX ------------------------------------------------------------------------------------------------


def write_xlsx(path: Path, header, rows) -> Path:  # type: ignore[no-untyped-def]
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    workbook.save(path)
    return path


def test_an_xlsx_with_typed_cells_loads(register, tmp_path):
    leading_zero = snils(12_345_678)  # "012345678..": a spreadsheet number drops the zero
    rows = [
        (int(leading_zero), "Орлова", "Вера", None, datetime(1985, 6, 1), "Ж", 36701000),
        (int(S2), "Смирнова", "Анна", "Петровна", datetime(1990, 1, 1, 13, 30), "Ж", 36740000),
    ]
    header = ("СНИЛС", "Фамилия", "Имя", "Отчество", "Дата рождения", "Пол", "ОКТМО")
    report = import_file(register, write_xlsx(tmp_path / "persons.xlsx", header, rows), as_of=AS_OF)
    assert report.rows_loaded == 1
    assert report.problems == (
        (3, "Дата рождения", "1990-01-01T13:30:00", "в ячейке дата со временем: нужна только дата"),
    )
    assert stored_persons(register, [leading_zero]) == [
        (leading_zero, "Орлова", "Вера", None, date(1985, 6, 1), "F", "36701000", None)
    ]


def _rewrite(path: Path, changes: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path) as source:
        entries = {info.filename: source.read(info) for info in source.infolist()}
    entries.update(changes)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in entries.items():
            target.writestr(name, data)


def _zip(path: Path, entries: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        for name, data in entries.items():
            archive.writestr(name, data)
    return path


def _refused_quickly(session, path: Path, message: str, limits: Limits | None = None) -> None:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    with pytest.raises(ImportFileError, match=message):
        import_file(session, path, limits=limits or Limits(), as_of=AS_OF)
    assert time.perf_counter() - started < 1.0


def test_a_zip_bomb_is_refused_quickly(register, tmp_path):
    path = _zip(tmp_path / "bomb.xlsx", {"xl/worksheets/sheet1.xml": b"\0" * (16 << 20)})
    assert path.stat().st_size < 100_000
    _refused_quickly(register, path, "похоже на zip-бомбу")


def test_an_xlsx_that_expands_beyond_the_cap_is_refused_before_parsing(register, tmp_path):
    path = write_xlsx(tmp_path / "big.xlsx", EN_PERSONS, [PEOPLE[1]] * 3000)
    _refused_quickly(register, path, r"распаковывается в \d+ МБ, предел 0 МБ", Limits(max_unpacked_bytes=100_000))


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ({f"xl/media/{i}.bin": b"x" for i in range(300)}, "301 файлов, предел 200"),
        ({"../../etc/evil.xml": b"<x/>"}, "недопустимое имя"),
        ({"/abs/evil.xml": b"<x/>"}, "недопустимое имя"),
        ({"xl/vbaProject.bin": b"\0"}, "макросы"),
    ],
    ids=["many-entries", "zip-slip", "absolute-path", "vba-project"],
)
def test_hostile_archives_are_refused_quickly(register, tmp_path, entries, message):
    _refused_quickly(register, _zip(tmp_path / "hostile.xlsx", entries), message)


def test_a_symlink_inside_the_archive_is_refused(register, tmp_path):
    path = tmp_path / "link.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        link = zipfile.ZipInfo("xl/worksheets/sheet1.xml")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
    _refused_quickly(register, path, "символическая ссылка")


def test_an_xlsm_is_refused_quickly(register, tmp_path):
    path = write_xlsx(tmp_path / "macro.xlsm", EN_PERSONS, [PEOPLE[0]])
    _refused_quickly(register, path, r"\.xlsm")
    renamed = write_xlsx(tmp_path / "macro.xlsx", EN_PERSONS, [PEOPLE[0]])
    macro_type = (
        b'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.ms-excel.sheet.macroEnabled.main+xml"/>'
    )
    _rewrite(renamed, {"[Content_Types].xml": b"<Types>" + macro_type + b"</Types>"})
    _refused_quickly(register, renamed, "макросы")


def test_an_xlsx_with_an_entity_bomb_is_refused(register, tmp_path):
    path = write_xlsx(tmp_path / "laughs.xlsx", EN_PERSONS, [PEOPLE[0]])
    entities = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    sheet = (
        f'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY l0 "lol">{entities}]>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>&l9;</t></is></c></row></sheetData></worksheet>'
    )
    _rewrite(path, {"xl/worksheets/sheet1.xml": sheet.encode()})
    _refused_quickly(register, path, "не читается")


def test_an_old_xls_is_refused(register, tmp_path):
    path = tmp_path / "old.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    _refused_quickly(register, path, r"\.xls")


# -- caps ------------------------------------------------------------------------------------------------


def test_a_file_above_the_size_cap_is_refused_before_parsing(register, tmp_path):
    path = write_csv(tmp_path / "persons.csv", RU_PERSONS, PEOPLE)
    with pytest.raises(ImportFileError, match="предел"):
        import_file(register, path, limits=Limits(max_file_bytes=200), as_of=AS_OF)


def test_a_file_above_the_row_cap_loads_nothing(register, tmp_path):
    path = write_csv(tmp_path / "persons.csv", RU_PERSONS, PEOPLE)
    with pytest.raises(ImportFileError, match="больше 3 строк"):
        import_file(register, path, limits=Limits(max_rows=3), as_of=AS_OF)
    assert stored_persons(register) == []


# -- JSON ------------------------------------------------------------------------------------------------


def test_json_records_load_with_decimal_numbers(people, tmp_path):
    records = [
        {"snils": S1, "month": "2025-12", "kind": "wages", "amount": Decimal("45000.50"), "source": "ООО «Ромашка»"},
        {"snils": S1, "month": "2026-01", "kind": "wages", "amount": 45000},
        {"snils": S2, "month": "2026-01", "kind": "wages", "amount": Decimal("1E+5")},
        {"snils": S2, "month": "2026-02", "kind": "pension", "amount": Decimal("0.105")},
    ]
    path = tmp_path / "incomes.json"
    path.write_text(json.dumps({"records": records}, default=str, ensure_ascii=False), "utf-8")
    path.write_text(path.read_text("utf-8").replace('"45000.50"', "45000.50").replace('"1E+5"', "1E+5"), "utf-8")
    path.write_text(path.read_text("utf-8").replace('"0.105"', "0.105"), "utf-8")
    report = import_file(people, path, as_of=AS_OF)
    assert report.what == "incomes"
    assert [(row, field, reason) for row, field, _value, reason in report.problems] == [
        (3, "amount", "«1E+5»: экспоненциальная запись не принимается, запишите число полностью"),
        (4, "amount", "сумма с долями копейки"),
    ]
    raw = people.execute(sa.text("select amount from incomes order by month")).scalars().all()
    assert raw == [4500050, 4500000]


def test_json_may_declare_what_it_holds(people, tmp_path):
    path = tmp_path / "categories.json"
    path.write_text(json.dumps({"what": "categories", "records": [{"snils": S3, "code": "pensioner"}]}), "utf-8")
    with pytest.raises(ImportFileError, match="в файле записи «categories», а загружаются «documents»"):
        import_file(people, path, what="documents", as_of=AS_OF)
    assert import_file(people, path, as_of=AS_OF).what == "categories"


def test_json_nan_is_refused(register, tmp_path):
    path = tmp_path / "incomes.json"
    path.write_text(f'[{{"snils": "{S1}", "month": "2026-01", "kind": "wages", "amount": NaN}}]', "utf-8")
    with pytest.raises(ImportFileError, match="NaN"):
        import_file(register, path, as_of=AS_OF)


# -- the numeric grammar -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1234,56", Decimal("1234.56")),
        ("1 234 567.8", Decimal("1234567.8")),
        ("1\u00a0234,50", Decimal("1234.5")),
        ("1\u2009234,5", Decimal("1234.5")),
        ("1\u202f000", Decimal("1000")),
        ("0", Decimal("0")),
        ("007,10", Decimal("7.1")),
        (12, Decimal("12")),
        (12.5, Decimal("12.5")),
        (Decimal("12.50"), Decimal("12.5")),
    ],
)
def test_the_numeric_grammar_accepts_plain_russian_numbers(text, value):
    assert parse_decimal(text, 2) == value


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("1,234.56", "не число"),
        ("12 34", "не число"),
        ("1e5", "экспоненциальная"),
        ("1E-2", "экспоненциальная"),
        ("NaN", "не число"),
        ("Infinity", "не число"),
        (float("nan"), "не число"),
        ("١٢٣", "не число"),  # Arabic-Indic digits are digits to Python, not to us
        ("１２", "не число"),
        ("-5", "отрицательное"),
        ("+5", "не число"),
        ("12.345", "больше 2 знаков"),
        ("", "не число"),
        (True, "логическое"),
        ("1" * 13, "слишком большое"),
    ],
)
def test_the_numeric_grammar_refuses_everything_else(text, reason):
    with pytest.raises(ValueProblem, match=reason):
        parse_decimal(text, 2)


# -- duplicates ------------------------------------------------------------------------------------------


def test_duplicates_within_the_file_are_all_rejected(register, tmp_path):
    twin = (S1, "Иванов", "Иван", "Иваныч", "01.01.1981", "М", "36701000", "")
    namesake = ("", "Смирнова", "Анна", "Петровна", "01.01.1990", "Ж", "36701000", "")
    path = write_csv(tmp_path / "persons.csv", RU_PERSONS, (*PEOPLE, twin, namesake))
    report = import_file(register, path, as_of=AS_OF)
    assert report.rows_loaded == 2
    assert (2, "СНИЛС", PEOPLE[0][0], "СНИЛС повторяется в файле: строки 2, 6") in report.problems
    assert (6, "СНИЛС", S1, "СНИЛС повторяется в файле: строки 2, 6") in report.problems
    reason = "человек (ФИО и дата рождения) повторяется в файле: строки 3, 7"
    assert {(row, reason) for row, _f, _v, r in report.problems if r == reason} == {(3, reason), (7, reason)}
    assert [p[0] for p in stored_persons(register)] == [S3, S4]


def test_duplicates_against_the_register_are_rejected(people, tmp_path):
    case = people.execute(sa.select(Person.case_number).where(Person.snils == S2)).scalar_one()
    again = (
        (snils(200_000_009), "СМИРНОВА", "анна", "Петровна", "01.01.1990", "Ж", "36701000", ""),  # same name
        (S3, "Другой", "Человек", "", "01.01.1960", "М", "36701000", ""),  # same SNILS
    )
    report = import_file(people, write_csv(tmp_path / "again.csv", RU_PERSONS, again), as_of=AS_OF)
    assert report.rows_loaded == 0
    reasons = [(row, field, reason) for row, field, _value, reason in report.problems]
    assert (2, "Фамилия", f"человек с теми же ФИО и датой рождения уже есть в регистре (дело {case})") in reasons
    assert any(row == 3 and field == "СНИЛС" and "уже есть в регистре" in r for row, field, r in reasons)
    assert count(people, Person) == 4


# -- households, documents, incomes, housing, categories --------------------------------------------------

HOUSEHOLDS = ("Семья", "ОКТМО", "СНИЛС", "Роль", "Член семьи с")


def test_households_are_created_at_their_first_row_with_exactly_one_applicant(people, tmp_path):
    rows = (
        ("hh-1", "36701000", S1, "заявитель", "01.01.2020"),
        ("hh-2", "36740000", S2, "заявитель", "01.01.2021"),
        ("hh-1", "36701000", S4, "ребенок", "2015-05-20"),
        ("hh-2", "36740000", S3, "заявитель", "01.01.2021"),
        ("hh-3", "36735000", snils(200_000_077), "заявитель", "01.01.2021"),
    )
    report = import_file(people, write_csv(tmp_path / "households.csv", HOUSEHOLDS, rows), as_of=AS_OF)
    assert (report.what, report.rows_loaded, report.rows_rejected) == ("households", 2, 3)
    reasons = {(row, reason) for row, _field, _value, reason in report.problems}
    assert (3, "в семье «hh-2» 2 заявителей, нужен ровно один") in reasons
    assert (6, "нет человека с таким СНИЛС в регистре") in reasons
    query = (
        sa.select(Household.reference, Household.region, Person.snils, Membership.role, Membership.valid_from)
        .join(Membership, Membership.household_id == Household.id)
        .join(Person, Person.id == Membership.person_id)
        .order_by(Membership.id)
    )
    assert [tuple(r) for r in people.execute(query)] == [
        ("hh-1", "63", S1, "applicant", date(2020, 1, 1)),
        ("hh-1", "63", S4, "child", date(2015, 5, 20)),
    ]


DEATHS = ("СНИЛС", "Дата смерти")


def test_deaths_end_the_memberships_and_bad_rows_are_reported(people, tmp_path):
    households = (
        ("hh-1", "36701000", S1, "заявитель", "01.01.2020"),
        ("hh-1", "36701000", S4, "ребенок", "2015-05-20"),
        ("hh-2", "36740000", S2, "заявитель", "01.01.2021"),
        ("hh-2", "36740000", S3, "другой", "01.01.2021"),
    )
    assert import_file(people, write_csv(tmp_path / "hh.csv", HOUSEHOLDS, households), as_of=AS_OF).rows_loaded == 4
    journaled = count(people, AuditEntry)
    rows = (
        (S1, "15.02.2026"),  # good
        (S2, "01.01.1980"),  # before her birth (1990)
        (snils(200_000_077), "01.02.2026"),  # nobody
        (S3, "01.06.2020"),  # a member of hh-2 from 2021: after his death
        (S4, "2027-01-01"),  # in the future
    )
    report = import_file(people, write_csv(tmp_path / "deaths.csv", DEATHS, rows), as_of=AS_OF)
    assert (report.what, report.rows_loaded, report.rows_rejected) == ("deaths", 1, 4)
    reasons = {(row, field, reason) for row, field, _value, reason in report.problems}
    assert reasons == {
        (3, "Дата смерти", "01.01.1980 — раньше даты рождения 01.01.1990"),
        (4, "СНИЛС", "нет человека с таким СНИЛС в регистре"),
        (5, "Дата смерти", "в составе семьи с 01.01.2021 — после даты смерти: исправьте состав семьи"),
        (6, "Дата смерти", "01.01.2027 — дата в будущем"),
    }
    query = (
        sa.select(Person.snils, Person.death_date, Membership.valid_to)
        .join(Membership, Membership.person_id == Person.id)
        .order_by(Person.snils)
    )
    assert [tuple(r) for r in people.execute(query)] == [
        (S1, date(2026, 2, 15), date(2026, 2, 15)),  # dead, and a member no more after that day
        (S2, None, None),
        (S3, None, None),
        (S4, None, None),  # the child stays in the household
    ]
    assert count(people, AuditEntry) > journaled  # the changes are in the audit log
    # the feed sends the death again: nothing changes, nothing is wrong; another date is refused
    again = import_file(people, write_csv(tmp_path / "again.csv", DEATHS, ((S1, "15.02.2026"),)), as_of=AS_OF)
    assert (again.rows_loaded, again.rows_rejected) == (1, 0)
    other = import_file(people, write_csv(tmp_path / "other.csv", DEATHS, ((S1, "16.02.2026"),)), as_of=AS_OF)
    assert [p[3] for p in other.problems] == ["уже зарегистрирована другая дата смерти: 15.02.2026"]
    repeated = import_file(people, write_csv(tmp_path / "twice.csv", DEATHS, ((S2, "01.02.2026"),) * 2), as_of=AS_OF)
    assert repeated.rows_rejected == 2 and people.scalar(sa.select(Person.death_date).where(Person.snils == S2)) is None


def test_a_deceased_person_leaves_the_household_and_is_calculated_no_more(people, tmp_path):
    from registry.frames import partition_frames
    from registry.snapshots import DeceasedError, household_data, household_of

    households = (
        ("hh-1", "36701000", S1, "заявитель", "01.01.2020"),
        ("hh-1", "36701000", S4, "ребенок", "2015-05-20"),
    )
    import_file(people, write_csv(tmp_path / "hh.csv", HOUSEHOLDS, households), as_of=AS_OF)
    import_file(people, write_csv(tmp_path / "deaths.csv", DEATHS, ((S1, "15.02.2026"),)), as_of=AS_OF)
    father, child = (people.scalar(sa.select(Person.id).where(Person.snils == s)) for s in (S1, S4))
    household = household_of(people, child, date(2026, 3, 31))
    assert household_of(people, father, date(2026, 2, 15)) == household  # a member on the day he died
    with pytest.raises(DeceasedError) as raised:
        household_of(people, father, date(2026, 3, 31))
    assert raised.value.died == date(2026, 2, 15)
    members = lambda on: [m["id"] for m in household_data(people, household, on)["members"]]  # noqa: E731
    assert members(date(2026, 2, 15)) == [str(father), str(child)]
    assert members(date(2026, 3, 31)) == [str(child)]  # the family of one the rules now see
    frames, _ids, _persons = partition_frames(people, date(2026, 3, 31), household_ids=None)
    assert len(frames.members) == 1 and len(frames.households) == 1  # the batch sees the same


def test_documents_are_validated_against_the_holders_birth_date(people, tmp_path):
    header = ("СНИЛС", "Вид документа", "Серия", "Номер", "Дата выдачи", "Кем выдан")
    rows = (
        (S1, "паспорт гражданина Российской Федерации", "36 04", "123456", "25.03.2025", "ГУ МВД России"),
        (S2, "passport", "361", "123456", "25.03.2025", ""),
        (S4, "passport", "3604", "654321", "01.06.2020", "ГУ МВД России"),  # issued at 5
    )
    report = import_file(people, write_csv(tmp_path / "documents.csv", header, rows), as_of=AS_OF)
    assert report.rows_loaded == 1
    problems = {(row, field) for row, field, _value, _reason in report.problems}
    assert problems == {(3, "Серия"), (3, "Кем выдан"), (4, "Дата выдачи")}
    stored = people.execute(sa.select(Document.kind, Document.series, Document.number)).all()
    assert [tuple(r) for r in stored] == [("passport", "3604", "123456")]


def test_incomes_create_declarations_from_the_first_to_the_last_month(people, tmp_path):
    header = ("СНИЛС", "Месяц", "Вид дохода", "Сумма", "Источник")
    rows = (
        (S1, "2025-10", "заработная плата и иные выплаты по трудовому договору", "50 000,00", "ООО «Ромашка»"),
        (S1, "2025-11", "", "0", ""),
        (S1, "12.2025", "wages", "45000.5", "ООО «Ромашка»"),
        (S2, "2025-12", "pension", "20 000", ""),
        (S2, "2026-01", "pension", "abc", ""),
    )
    report = import_file(people, write_csv(tmp_path / "incomes.csv", header, rows), as_of=AS_OF)
    assert (report.rows_loaded, report.rows_rejected) == (3, 2)
    declarations = people.execute(
        sa.select(Person.snils, Declaration.kind, Declaration.first_month, Declaration.last_month).join(
            Person, Person.id == Declaration.person_id
        )
    ).all()
    assert [tuple(d) for d in declarations] == [(S1, "incomes", date(2025, 10, 1), date(2025, 12, 1))]
    raw = people.execute(sa.text("select month, amount from incomes order by month")).all()
    assert [(str(month)[:10], amount) for month, amount in raw] == [("2025-10-01", 5000000), ("2025-12-01", 4500050)]
    assert count(people, Income) == 2


def test_incomes_already_declared_for_those_months_are_rejected(people, tmp_path):
    header = ("СНИЛС", "Месяц", "Вид дохода", "Сумма")
    import_file(people, write_csv(tmp_path / "first.csv", header, [(S1, "2025-10", "wages", "100")]), as_of=AS_OF)
    report = import_file(people, write_csv(tmp_path / "again.csv", header, [(S1, "2025-10", "wages", "100")]))
    assert report.problems == ((2, "Месяц", "2025-10", "доходы за 2025-10–2025-10 уже заявлены в регистре"),)
    assert count(people, Declaration) == 1


def test_housing_is_one_record_per_household_and_one_charge_per_row(people, tmp_path):
    households = (
        ("hh-1", "36701000", S1, "заявитель", "01.01.2020"),
        ("hh-1", "36701000", S4, "ребенок", "2015-05-20"),
    )
    import_file(people, write_csv(tmp_path / "households.csv", HOUSEHOLDS, households), as_of=AS_OF)
    header = ("Семья", "Площадь", "Право пользования", "Зарегистрировано", "Задолженность", "Месяц", "Услуга")
    header += ("Ед. изм.", "Тариф", "Норматив", "Объем", "Начислено")
    rows = (
        (
            "hh-1",
            "54,3",
            "собственность",
            "2",
            "нет",
            "2026-02",
            "отопление",
            "Gcal",
            "2 345,6789",
            "",
            "1,2345",
            "2 895,50",
        ),
        ("hh-1", "", "", "", "", "2026-02", "ХВС", "m3", "45,67", "6,5", "", "296,86"),
        ("hh-9", "10", "own", "1", "no", "2026-02", "heating", "", "", "", "", "100"),
    )
    report = import_file(people, write_csv(tmp_path / "housing.csv", header, rows), as_of=AS_OF)
    assert (report.rows_loaded, report.problems) == (2, ((4, "Семья", "hh-9", "нет семьи «hh-9» в регистре"),))
    housing = people.execute(sa.text("select valid_from, area, ownership, registered_residents from housing")).one()
    assert (str(housing[0])[:10], *housing[1:]) == ("2026-02-01", 5430, "own", 2)
    assert people.execute(sa.select(Housing.has_debts)).scalar_one() is False
    charges = people.execute(sa.text("select code, tariff, norm, volume, cost from utility_charges order by code"))
    assert [tuple(c) for c in charges] == [
        ("cold_water", 456700, 6500000, None, 29686),
        ("heating", 23456789, None, 12345, 289550),
    ]
    assert count(people, UtilityCharge) == 2


def test_housing_rows_that_disagree_reject_the_whole_household(people, tmp_path):
    households = (("hh-1", "36701000", S1, "заявитель", "01.01.2020"),)
    import_file(people, write_csv(tmp_path / "households.csv", HOUSEHOLDS, households), as_of=AS_OF)
    header = ("household", "area", "month", "service", "cost")
    rows = (("hh-1", "54.3", "2026-02", "heating", "100"), ("hh-1", "60", "2026-02", "gas", "10"))
    report = import_file(people, write_csv(tmp_path / "housing.csv", header, rows), as_of=AS_OF)
    assert [(row, field) for row, field, _value, _reason in report.problems] == [(2, "household"), (3, "area")]
    assert count(people, Housing) == 0


def test_categories_by_code_or_title_and_overlaps_refused(people, tmp_path):
    header = ("СНИЛС", "Категория", "Действует с", "Действует по")
    rows = (
        (S3, "ветеран труда", "01.01.2010", ""),
        (S3, "pensioner", "2015-07-30", ""),
        (S3, "pensioner", "2020-01-01", "2021-01-01"),
        (S1, "pensionr", "2020-01-01", ""),
    )
    report = import_file(people, write_csv(tmp_path / "categories.csv", header, rows), as_of=AS_OF)
    assert report.what == "categories"
    reasons = {(row, reason) for row, _field, _value, reason in report.problems}
    assert (5, "неизвестный код категории «pensionr»; возможно, «pensioner»") in reasons
    assert (3, "категория на пересекающийся срок повторяется в строках 4") in reasons
    assert [tuple(r) for r in people.execute(sa.select(PersonCategory.code, PersonCategory.valid_from))] == [
        ("labour_veteran", date(2010, 1, 1))
    ]


# -- headers ---------------------------------------------------------------------------------------------


def test_an_unknown_header_names_the_closest_kind_and_column(register, tmp_path):
    header = ("СНИЛС", "Фамиля", "Имя", "Дата рождения", "Пол", "ОКТМО")
    path = write_csv(tmp_path / "persons.csv", header, [PEOPLE[0][:4] + PEOPLE[0][4:7]])
    with pytest.raises(ImportFileError, match=r"ближе всего записи «persons».*«Фамиля» \(возможно, Фамилия"):
        import_file(register, path, as_of=AS_OF)


def test_a_header_that_fits_no_kind_is_an_error(register, tmp_path):
    path = write_csv(tmp_path / "x.csv", ("snils", "month"), [(S1, "2026-01")])
    with pytest.raises(ImportFileError, match=r"ближе всего записи «incomes».*нет столбцов"):
        import_file(register, path, as_of=AS_OF)
    with pytest.raises(ImportFileError, match="не подходит для записей «persons»"):
        import_file(register, path, what="persons", as_of=AS_OF)


# -- all or nothing ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("interruption", [KeyboardInterrupt, RuntimeError])
def test_a_crash_inside_the_load_leaves_no_row_of_the_file(people, tmp_path, monkeypatch, interruption):
    households = (
        ("hh-1", "36701000", S1, "заявитель", "01.01.2020"),
        ("hh-1", "36701000", S4, "ребенок", "2015-05-20"),
    )
    audit_before, counter_before = count(people, AuditEntry), people.get(CaseCounter, "36701000").last
    real = bulk.load_frame
    loaded: list[str] = []

    def load_then_crash(session, table, frame, *args, **kwargs):  # type: ignore[no-untyped-def]
        if loaded:
            raise interruption("the power went off")
        loaded.append(table)
        return real(session, table, frame, *args, **kwargs)

    monkeypatch.setattr(bulk, "load_frame", load_then_crash)
    with pytest.raises(interruption):
        import_file(people, write_csv(tmp_path / "households.csv", HOUSEHOLDS, households), as_of=AS_OF)
    assert loaded == ["households"]  # the first table was written, then the crash
    assert (count(people, Household), count(people, Membership)) == (0, 0)

    more = [(snils(200_000_050 + i), "Новиков", "Олег", "", f"0{i}.01.1990", "М", "36701000", "") for i in range(1, 4)]
    loaded.clear()
    monkeypatch.setattr(bulk, "sync_sequence", lambda session, table: (_ for _ in ()).throw(interruption("Ctrl-C")))
    with pytest.raises(interruption):
        import_file(people, write_csv(tmp_path / "more.csv", RU_PERSONS, more), as_of=AS_OF)
    assert count(people, Person) == 4
    assert (
        people.execute(sa.select(CaseCounter.last).where(CaseCounter.oktmo == "36701000")).scalar_one()
        == counter_before
    )
    assert count(people, AuditEntry) == audit_before


def test_progress_is_reported(register, tmp_path):
    seen: list[int] = []
    import_file(register, write_csv(tmp_path / "p.csv", RU_PERSONS, PEOPLE), progress=seen.append, as_of=AS_OF)
    assert seen[-1] == 4


def test_the_report_goes_where_asked(register, tmp_path):
    target = tmp_path / "reports" / "r.csv"
    report = import_file(register, write_csv(tmp_path / "p.csv", RU_PERSONS, PEOPLE), report_path=target, as_of=AS_OF)
    assert report.report_path == target
    assert target.read_bytes().decode("utf-8-sig") == "строка;поле;значение;причина\r\n"


def test_an_empty_or_unknown_file_is_refused(register, tmp_path):
    for name, data, message in (
        ("empty.csv", b"", "пуст"),
        ("x.pdf", b"%PDF", "неподдерживаемый тип"),
        ("bad.json", b"{", "не разбирается"),
    ):
        (tmp_path / name).write_bytes(data)
        with pytest.raises(ImportFileError, match=message):
            import_file(register, tmp_path / name, as_of=AS_OF)


def test_the_public_names_are_pinned():
    import registry.importing

    assert sorted(registry.importing.__all__) == ["ImportFileError", "ImportReport", "KINDS", "Limits", "import_file"]


def test_xlsx_rows_are_numbered_as_the_spreadsheet_shows_them(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["A1"], sheet["B1"] = "snils", "code"
    sheet["A4"], sheet["B4"] = S1, "pensioner"
    buffer = io.BytesIO()
    workbook.save(buffer)
    (tmp_path / "c.xlsx").write_bytes(buffer.getvalue())
    with open_table(tmp_path / "c.xlsx") as table:
        assert table.header == ("snils", "code")
        assert list(table.rows) == [(4, (S1, "pensioner"))]


# -- statistics after a large load --------------------------------------------------------------------


def _statistics_rows(session, table: str) -> int:  # type: ignore[no-untyped-def]
    """Rows of the planner's statistics kept for a table (SQLite's sqlite_stat1, PostgreSQL's pg_stats)."""
    if session.bind.dialect.name == "sqlite":
        present = session.execute(sa.text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")).scalar()
        if not present:
            return 0
        return session.execute(sa.text("SELECT count(*) FROM sqlite_stat1 WHERE tbl = :t"), {"t": table}).scalar()
    return session.execute(
        sa.text("SELECT count(*) FROM pg_stats WHERE schemaname = current_schema() AND tablename = :t"), {"t": table}
    ).scalar()


@pytest.mark.parametrize("threshold", [4, 5])
def test_a_large_import_gathers_the_tables_statistics(register, tmp_path, monkeypatch, threshold):
    """Tables that received ANALYZE_AFTER rows or more have their statistics gathered in the
    import's transaction (the four people: at a threshold of 4, not of 5)."""
    analyzed: list[str] = []
    real = bulk._analyze

    def recording(session, table):  # type: ignore[no-untyped-def]
        analyzed.append(table)
        real(session, table)

    monkeypatch.setattr(bulk, "ANALYZE_AFTER", threshold)
    monkeypatch.setattr(bulk, "_analyze", recording)
    report = import_file(register, write_csv(tmp_path / "people.csv", RU_PERSONS, PEOPLE), as_of=AS_OF)
    assert report.rows_loaded == 4
    assert ("persons" in analyzed) is (threshold == 4)
    if threshold == 4:
        assert _statistics_rows(register, "persons") > 0
