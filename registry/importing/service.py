"""``import_file``: read a file, check every row, load the good rows in one transaction, and write
a report of the bad ones.

The load runs in a savepoint of the caller's transaction (``registry.db.transaction`` in the
CLI): every table of the file is written through ``registry.bulk.load_frame`` or none is. An
exception anywhere in the load, ``KeyboardInterrupt`` included, rolls the savepoint back before
it propagates, so a crash or Ctrl-C leaves no row of the file behind.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from registry import bulk
from registry.exporting import neutralise
from registry.importing.checks import Frames, check_categories, check_documents, check_persons
from registry.importing.deaths import load_deaths
from registry.importing.files import ImportFileError, Limits, open_table
from registry.importing.groups import check_households, check_housing, check_incomes
from registry.importing.records import Columns, Record, cell_of, is_known_column, parse_record, resolve_columns

Problem = tuple[int, str, str, str]  # (row, field as the file's header names it, value, reason)
PROGRESS_EVERY = 1000
REPORT_HEADER = ("строка", "поле", "значение", "причина")
CHECKS: dict[str, Callable[[Session, list[Record], date], Frames]] = {
    "persons": check_persons,
    "households": check_households,
    "documents": check_documents,
    "incomes": check_incomes,
    "housing": check_housing,
    "categories": check_categories,
    "deaths": load_deaths,  # changes persons and memberships itself, in the same savepoint
}


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import did: rows read, loaded and rejected, every problem, the report file."""

    what: str
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    problems: tuple[Problem, ...]
    report_path: Path | None
    encoding: str | None


def import_file(
    session: Session,
    path: str | os.PathLike[str],
    what: str | None = None,
    encoding: str | None = None,
    report_path: str | os.PathLike[str] | None = None,
    progress: Callable[[int], None] | None = None,
    *,
    limits: Limits = Limits(),  # noqa: B008  (frozen)
    as_of: date | None = None,
) -> ImportReport:
    """Import persons, households, documents, incomes, housing, categories or deaths from a file.

    Args:
        session: the register; the load runs in a savepoint of its transaction and the caller
            commits (``registry.db.transaction``).
        path: a ``.csv``, ``.xlsx`` or ``.json`` file.
        what: the kind of records; when ``None``, a JSON file's ``"what"``, else inferred from
            the header (or JSON keys).
        encoding: a CSV's encoding (utf-8, utf-8-sig, cp1251, cp866, koi8-r); detected when
            ``None``. A forced encoding that the text contradicts is an error.
        report_path: where to write the problems (CSV, UTF-8 with BOM); ``<file>.report.csv``
            by default. Written after a successful load, also when there are no problems.
        progress: called with the number of rows checked so far, for a progress bar.
        limits: file size, row count and XLSX archive caps.
        as_of: the import day, for "not in the future" checks and declarations; today by default.

    Returns:
        An ``ImportReport``.

    Raises:
        ImportFileError: the file as a whole is refused (too big, unsafe, unreadable, unknown
            header, ambiguous encoding); nothing is loaded and no report is written.
    """
    path = Path(path)
    as_of = as_of or date.today()
    records: list[Record] = []
    with open_table(path, encoding, limits, is_known_column) as table:
        if what and table.declared_what and what != table.declared_what:
            raise ImportFileError(f"в файле записи «{table.declared_what}», а загружаются «{what}»")
        columns = resolve_columns(table.header, what or table.declared_what)
        for number, cells in table.rows:
            records.append(parse_record(columns, number, cells, as_of))
            if progress is not None and len(records) % PROGRESS_EVERY == 0:
                progress(len(records))
        used_encoding = table.encoding
    _load(session, columns.what, records, as_of)
    problems = _problems(columns, records)
    target = Path(report_path) if report_path is not None else path.with_name(path.name + ".report.csv")
    write_report(target, problems)
    if progress is not None:
        progress(len(records))
    rejected = sum(not r.is_good for r in records)
    return ImportReport(
        what=columns.what,
        rows_read=len(records),
        rows_loaded=len(records) - rejected,
        rows_rejected=rejected,
        problems=problems,
        report_path=target,
        encoding=used_encoding,
    )


def _load(session: Session, what: str, records: list[Record], as_of: date) -> None:
    """Check against the register and load, all in one savepoint: everything or nothing."""
    savepoint = session.begin_nested()
    try:
        frames = CHECKS[what](session, records, as_of)
        for table, frame in frames:
            bulk.load_frame(session, table, frame)
        for table, _frame in frames:
            bulk.sync_sequence(session, table)
        session.flush()
    except BaseException:  # Ctrl-C too: nothing of the file may stay behind
        savepoint.rollback()
        raise
    savepoint.commit()


def _problems(columns: Columns, records: list[Record]) -> tuple[Problem, ...]:
    found = []
    for record in records:
        for code, reason in record.problems:
            label = columns.labels.get(code, code) or "—"
            found.append((record.row, label, cell_of(columns, record, code), reason))
    return tuple(found)


def write_report(target: Path, problems: tuple[Problem, ...]) -> None:
    """The problems as CSV for Excel: UTF-8 with BOM, ``;`` (the Russian-locale list separator),
    cells that would start a formula neutralised; written to a temporary file, then renamed."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115  (closed below, then renamed)
        "w", encoding="utf-8-sig", newline="", dir=target.parent, prefix=f".{target.name}.", delete=False
    )
    try:
        with handle:
            writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
            writer.writerow(REPORT_HEADER)
            for row, field, value, reason in problems:
                writer.writerow((row, neutralise(field), neutralise(value), neutralise(reason)))
        os.replace(handle.name, target)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise


__all__ = ["ImportReport", "Problem", "import_file", "write_report"]
