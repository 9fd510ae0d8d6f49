"""Export of the register for people and spreadsheets: persons, assignments and calculations as
CSV, XLSX or JSON, in the column shapes the import reads.

Rows are read in keyset batches of plain columns (never ORM objects), so half a million persons
stream through. Money is roubles with two decimals from ``Decimal``; in XLSX a numeric cell holding
the Decimal's exact text, never a float. In CSV and XLSX every text cell that
starts with ``= + - @``, TAB, CR or NUL gets a leading apostrophe, so a spreadsheet shows it
as text instead of running it as a formula (ASVS 5.0 1.2.10). Bank and post files are not made
here: they are fixed formats with their own rules (``exports/``). The file is written to a
temporary name next to the target and renamed over it, so readers never see half a file.
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from registry.models import Assignment, Calculation, Household, Person

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")
BATCH = 5000
CENT = Decimal("0.01")
XLSX_MAX_ROWS = 1_048_575  # a sheet's rows, less the header
FORMATS = ("csv", "xlsx", "json")


def neutralise(text: str) -> str:
    """A text cell that a spreadsheet will not run as a formula.

    >>> neutralise("=HYPERLINK(\\"http://x\\")"), neutralise("Иванов")
    ('\\'=HYPERLINK("http://x")', 'Иванов')
    """
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    kind: str = "text"  # text | date | datetime | month | money | integer


_PERSONS = (
    Column("snils"),
    Column("last_name"),
    Column("first_name"),
    Column("middle_name"),
    Column("birth_date", "date"),
    Column("sex"),
    Column("municipality"),
    Column("registration_address"),
    Column("residence_address"),
    Column("case_number"),
)
_ASSIGNMENTS = (
    Column("id", "integer"),
    Column("case_number"),
    Column("snils"),
    Column("household"),
    Column("measure"),
    Column("period_from", "date"),
    Column("period_to", "date"),
    Column("amount", "money"),
    Column("status"),
    Column("decision_number"),
    Column("decision_date", "date"),
)
_CALCULATIONS = (
    Column("id", "integer"),
    Column("created_at", "datetime"),
    Column("actor"),
    Column("case_number"),
    Column("snils"),
    Column("household"),
    Column("measure"),
    Column("period", "month"),
    Column("status"),
    Column("amount", "money"),
    Column("ruleset_version"),
)


def _query(what: str) -> tuple[tuple[Column, ...], Select[Any], Any]:
    """The columns, the statement (its first column the key to page on) and that key."""
    if what == "persons":
        names = [c.name for c in _PERSONS]
        return _PERSONS, select(Person.id, *(getattr(Person, n) for n in names)), Person.id
    if what == "assignments":
        statement = (
            select(
                Assignment.id,
                Assignment.id,
                Person.case_number,
                Person.snils,
                Household.reference,
                Assignment.measure,
                Assignment.period_from,
                Assignment.period_to,
                Assignment.amount,
                Assignment.status,
                Assignment.decision_number,
                Assignment.decision_date,
            )
            .join(Person, Person.id == Assignment.person_id)
            .join(Household, Household.id == Assignment.household_id)
        )
        return _ASSIGNMENTS, statement, Assignment.id
    if what == "calculations":
        statement = (
            select(
                Calculation.id,
                Calculation.id,
                Calculation.created_at,
                Calculation.actor,
                Person.case_number,
                Person.snils,
                Household.reference,
                Calculation.measure,
                Calculation.period,
                Calculation.status,
                Calculation.amount,
                Calculation.ruleset_version,
            )
            .outerjoin(Person, Person.id == Calculation.person_id)
            .outerjoin(Household, Household.id == Calculation.household_id)
        )
        return _CALCULATIONS, statement, Calculation.id
    raise ValueError(f"nothing to export as {what!r}: persons, assignments or calculations")


def _rows(session: Session, statement: Select[Any], key: Any) -> Iterator[tuple[Any, ...]]:
    """Rows in batches by key (keyset paging: each batch is one indexed range scan)."""
    last = None
    while True:
        page = statement.order_by(key).limit(BATCH)
        if last is not None:
            page = page.where(key > last)
        batch = session.execute(page).all()
        if not batch:
            return
        for row in batch:
            yield tuple(row)[1:]
        last = batch[-1][0]


def export(session: Session, what: str, fmt: str, out_path: str | os.PathLike[str]) -> int:
    """Write persons, assignments or calculations to a CSV, XLSX or JSON file; return the rows.

    Persons come in the import's shape (snils, last_name, ... residence_address) plus
    case_number, which the import accepts and leaves to the register.
    """
    columns, statement, key = _query(what)
    return write_table(fmt, Path(out_path), columns, _rows(session, statement, key), sheet=what)


def _text(value: Any, column: Column) -> str | None:
    """A value as text: dates ISO, months YYYY-MM, money with two decimals, exact."""
    if value is None:
        return None
    if column.kind == "money":
        return format(Decimal(value).quantize(CENT), "f")
    if column.kind == "month":
        return f"{value:%Y-%m}"
    if isinstance(value, datetime):  # stored in UTC; SQLite gives it back without the zone
        return (value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def write_table(
    fmt: str, out_path: Path, columns: Sequence[Column], rows: Iterable[Sequence[Any]], sheet: str = "data"
) -> int:
    """Write rows atomically in a format; text cells neutralised in CSV and XLSX."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}: {', '.join(FORMATS)}")
    out_path.parent.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115  (closed by the writers, then renamed)
        "wb", dir=out_path.parent, prefix=f".{out_path.name}.", suffix=".tmp", delete=False
    )
    temporary = Path(handle.name)
    try:
        handle.close()
        count = {"csv": _write_csv, "xlsx": _write_xlsx, "json": _write_json}[fmt](temporary, columns, rows, sheet)
        os.replace(temporary, out_path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return count


def _write_csv(path: Path, columns: Sequence[Column], rows: Iterable[Sequence[Any]], sheet: str) -> int:
    """UTF-8 with BOM (Excel reads it as UTF-8), ``;`` (the Russian-locale list separator),
    RFC 4180 quoting and CRLF."""
    count = 0
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow([c.name for c in columns])
        for row in rows:
            cells = []
            for value, column in zip(row, columns, strict=True):
                text = _text(value, column)
                cells.append("" if text is None else neutralise(text) if column.kind == "text" else text)
            writer.writerow(cells)
            count += 1
    return count


def _write_xlsx(path: Path, columns: Sequence[Column], rows: Iterable[Sequence[Any]], sheet: str) -> int:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet[:31])
    worksheet.append([c.name for c in columns])
    count = 0
    for row in rows:
        count += 1
        if count > XLSX_MAX_ROWS:
            raise ValueError(f"more than {XLSX_MAX_ROWS} rows do not fit a sheet: export as CSV or JSON")
        cells = []
        for value, column in zip(row, columns, strict=True):
            if value is None:
                cells.append(None)
            elif column.kind == "money":
                # openpyxl writes numbers with "%.16g", through float (0.07 → 0.07000000000000001):
                # a numeric cell holding the Decimal's own text is exact.
                cell = WriteOnlyCell(worksheet, value=format(Decimal(value).quantize(CENT), "f"))
                cell.data_type = "n"
                cell.number_format = "0.00"
                cells.append(cell)
            elif column.kind == "date":
                cell = WriteOnlyCell(worksheet, value=value)
                cell.number_format = "DD.MM.YYYY"
                cells.append(cell)
            elif column.kind == "integer":
                cells.append(int(value))
            else:  # text, and datetimes and months as text (openpyxl refuses aware datetimes)
                text = _text(value, column) or ""
                text = neutralise(text) if column.kind == "text" else text
                cell = WriteOnlyCell(worksheet, value=ILLEGAL_CHARACTERS_RE.sub("\ufffd", text))
                cell.data_type = "s"  # never a formula, whatever the text
                cells.append(cell)
        worksheet.append(cells)
    workbook.save(path)
    return count


def _write_json(path: Path, columns: Sequence[Column], rows: Iterable[Sequence[Any]], sheet: str) -> int:
    """A list of objects, one per line; money as strings ("1234.50") so no reader turns it into a float."""
    count = 0
    with path.open("w", encoding="utf-8") as handle:
        handle.write("[")
        for row in rows:
            record = {}
            for value, column in zip(row, columns, strict=True):
                record[column.name] = (
                    int(value) if column.kind == "integer" and value is not None else _text(value, column)
                )
            handle.write(("\n" if count == 0 else ",\n") + json.dumps(record, ensure_ascii=False))
            count += 1
        handle.write("\n]\n")
    return count


__all__ = ["FORMATS", "FORMULA_TRIGGERS", "Column", "export", "neutralise", "write_table"]
