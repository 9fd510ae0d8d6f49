"""Bulk loading of register tables from columnar frames: COPY on PostgreSQL, executemany on SQLite.

Frames carry the stored representation (money as integer kopecks, quantities as scaled
integers, dates as dates), so nothing passes through float. Ids are assigned here, from one
reserved range per table, so the frames can refer to each other before they are loaded. Each
load writes one audit entry per table (rows, id range) in the same transaction.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
from sqlalchemy import text
from sqlalchemy.orm import Session
from sqlalchemy.schema import AddConstraint, CreateIndex, DropConstraint, DropIndex

from registry.audit import append
from registry.models import Base

ProgressCallback = Callable[[str, int], None]
COPY_CHUNK_BYTES = 8 << 20
REBUILD_THRESHOLD = 100_000  # rows from which checks and indexes are rebuilt after the load
ANALYZE_AFTER = 10_000  # rows of a filling load from which the table's statistics are gathered again


@dataclass(frozen=True, slots=True)
class Loaded:
    table: str
    rows: int
    first_id: int | None
    last_id: int | None


def _table(name: str) -> str:
    """A table name for SQL text: only the register's own tables, never input."""
    if name not in Base.metadata.tables:
        raise ValueError(f"not a register table: {name!r}")
    return name


def _analyze(session: Session, table: str) -> None:
    """Gather the planner's statistics for a table, in the session's transaction: after a large
    load, before autovacuum (which may be late, or off) would — else reads that join the table
    are planned from guesses. SQLite keeps none until asked."""
    session.execute(text(f"ANALYZE {_table(table)}"))


def next_id(session: Session, table: str) -> int:
    """The first free id of a table; the table (PostgreSQL) or the database (SQLite) stays locked
    for writing until commit, so no one else takes ids from under a bulk load. Call
    ``sync_sequence`` after loading."""
    table = _table(table)
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        session.execute(text(f"LOCK TABLE {table} IN EXCLUSIVE MODE"))
    else:  # SQLite: take the write lock before reading (the driver begins only at the first write)
        raw = connection.connection.driver_connection
        if not raw.in_transaction:
            raw.execute("BEGIN IMMEDIATE")
    return int(session.execute(text(f"SELECT coalesce(max(id), 0) + 1 FROM {table}")).scalar_one())  # noqa: S608


def sync_sequence(session: Session, table: str) -> None:
    """Move a PostgreSQL id sequence past the ids a bulk load wrote itself."""
    table = _table(table)
    if session.connection().dialect.name == "postgresql":
        statement = (
            "SELECT setval(pg_get_serial_sequence(:table, 'id'), (SELECT coalesce(max(id), 0) + 1 FROM %s), false)"
        )
        session.execute(text(statement % table), {"table": table})  # the name is one of ours (_table)


def _csv(frame: pd.DataFrame) -> bytes:
    """The frame as CSV for COPY (Arrow's writer: ten times pandas'); nulls are empty, text quoted."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    for index, column in enumerate(table.schema):
        if pa.types.is_timestamp(column.type):
            table = table.set_column(index, column.name, table.column(index).cast(pa.date32()))
        elif pa.types.is_large_string(column.type):
            # pandas' Arrow-backed text (pandas 3's default) as plain strings: Arrow 26's CSV writer
            # wrote NUL bytes for a sliced large_string array (a one-row frame of the generator).
            table = table.set_column(index, column.name, table.column(index).cast(pa.string()))
    buffer = io.BytesIO()
    pa_csv.write_csv(table, buffer, pa_csv.WriteOptions(include_header=False, quoting_style="needed"))
    return buffer.getvalue()


def _copy(
    connection,
    table: str,
    columns: list[str],
    frame: pd.DataFrame,  # type: ignore[no-untyped-def]
    progress: ProgressCallback | None,
) -> None:
    raw = connection.connection.driver_connection
    data = _csv(frame)
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT csv)"
    done = 0
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        view = memoryview(data)
        for start in range(0, len(data), COPY_CHUNK_BYTES):
            chunk = view[start : start + COPY_CHUNK_BYTES]
            copy.write(chunk)
            done += bytes(chunk).count(b"\n")
            if progress:
                progress(table, min(done, len(frame)))


@contextmanager
def _checks_deferred_to_the_end(session: Session, table_name: str) -> Iterator[None]:
    """Drop a table's foreign keys and plain indexes for a big load and build them again after,
    in the same transaction (PostgreSQL's advice for populating a database: one pass of checks
    instead of one lookup per row). Any failure rolls the whole load back, the DDL included."""
    table = Base.metadata.tables[table_name]
    foreign_keys = sorted(table.foreign_key_constraints, key=lambda c: c.name or "")
    indexes = sorted((i for i in table.indexes if not i.unique), key=lambda i: i.name or "")
    for constraint in foreign_keys:
        session.execute(DropConstraint(constraint))
    for index in indexes:
        session.execute(DropIndex(index))
    yield
    for index in indexes:
        session.execute(CreateIndex(index))
    for constraint in foreign_keys:
        session.execute(AddConstraint(constraint))


def load_frame(
    session: Session,
    table: str,
    frame: pd.DataFrame,
    columns: Sequence[str] | None = None,
    progress: ProgressCallback | None = None,
    rebuild_checks: bool = True,
) -> Loaded:
    """Insert a frame's rows into a table, fast, in the session's transaction.

    On PostgreSQL a load of ``REBUILD_THRESHOLD`` rows or more drops the table's foreign keys and
    plain indexes and builds them again after, and a load of ``ANALYZE_AFTER`` rows or more (on
    either database) gathers the table's planner statistics — right for filling a table (seeding,
    an import), wrong for adding a slice to a big table others write to at the same time
    (``rebuild_checks=False``)."""
    table = _table(table)
    columns = list(columns or frame.columns)
    frame = frame[columns]
    insert_sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"  # noqa: S608
    if frame.empty:
        return Loaded(table, 0, None, None)
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        if rebuild_checks and len(frame) >= REBUILD_THRESHOLD:
            with _checks_deferred_to_the_end(session, table):
                _copy(connection, table, columns, frame, progress)
        else:
            _copy(connection, table, columns, frame, progress)
    else:
        frame = _dates_as_text(frame)
        cursor = connection.connection.driver_connection.cursor()
        records = frame.astype(object).where(frame.notna(), None).itertuples(index=False, name=None)
        batch: list[tuple] = []
        done = 0
        for record in records:
            batch.append(tuple(_sqlite_value(v) for v in record))
            if len(batch) == 50_000:
                cursor.executemany(insert_sql, batch)
                done += len(batch)
                batch = []
                if progress:
                    progress(table, done)
        if batch:
            cursor.executemany(insert_sql, batch)
            done += len(batch)
            if progress:
                progress(table, done)
        cursor.close()
    if rebuild_checks and len(frame) >= ANALYZE_AFTER:
        _analyze(session, table)
    ids = frame["id"] if "id" in frame.columns else None
    loaded = Loaded(
        table, len(frame), int(ids.min()) if ids is not None else None, int(ids.max()) if ids is not None else None
    )
    append(
        session,
        [("bulk_insert", table, None, {"rows": loaded.rows, "first_id": loaded.first_id, "last_id": loaded.last_id})],
    )
    return loaded


def _dates_as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """SQLite stores dates as ISO text (SQLAlchemy's Date reads them back so)."""
    converted = frame.copy()
    for name in frame.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[name]):
            converted[name] = frame[name].dt.strftime("%Y-%m-%d").astype(object).where(frame[name].notna(), None)
    return converted


def _sqlite_value(value):  # type: ignore[no-untyped-def]
    if hasattr(value, "isoformat") and not isinstance(value, str):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value
