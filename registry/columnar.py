"""A query's result as columns, fast: Arrow's PostgreSQL driver (ADBC: binary COPY into Arrow
arrays in C++) or ``COPY ... TO STDOUT`` read by Arrow on PostgreSQL, the raw cursor on SQLite,
without building a Python row object (let alone an ORM one) per row.

``snapshot_reader`` reads many queries in one consistent view: on PostgreSQL a second connection
through ADBC imports the transaction's snapshot (``pg_export_snapshot``), so it sees exactly what
the transaction sees — unless the transaction has written something of its own (invisible to
another connection) or is inside a savepoint, and then the reads go through the transaction's own
connection. On SQLite the reads go through the transaction's connection, whose driver begins a
transaction only before a write: each read would see the database as it is at that moment, so the
reader begins the transaction itself, and its first read fixes the view for the rest (SQLite's
write-ahead log keeps it). Such a transaction can then write only if nobody else wrote since that
first read (SQLite's rule): a caller that reads and then writes, as a recalculation partition
does, writes in a transaction of its own.

The columns are typed from the query's selected column types, never guessed from the data (a
municipality code of digits stays text): integers as int64 (nullable ``Int64`` where a value is
missing), text as object arrays of ``str``/``None``, dates as ``datetime64`` (``NaT`` where
missing), booleans as bool (nullable ``boolean`` where missing).
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Collection, Iterator, Sequence
from concurrent.futures import Future
from contextlib import contextmanager

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
from sqlalchemy import Boolean, Date, Integer, Select, String, text
from sqlalchemy.engine import Connection

from registry.db import begin_sqlite_reads

_ARROW = {"int": pa.int64(), "text": pa.string(), "date": pa.date32(), "bool": pa.bool_()}


def _kind(sql_type) -> str:  # type: ignore[no-untyped-def]
    for base, kind in ((Boolean, "bool"), (Integer, "int"), (Date, "date"), (String, "text")):
        if isinstance(sql_type, base):
            return kind
    implementation = getattr(sql_type, "impl", None)  # a TypeDecorator
    if implementation is not None:
        return _kind(implementation)
    raise TypeError(f"no columnar reading for {sql_type!r}")


def _literal_sql(connection: Connection, query: Select) -> str:
    return str(query.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))


def _postgres_table(connection: Connection, query: Select, names: list[str], kinds: list[str]) -> pa.Table:
    raw = connection.connection.driver_connection
    buffer = io.BytesIO()
    with (
        raw.cursor() as cursor,
        cursor.copy(f"COPY ({_literal_sql(connection, query)}) TO STDOUT (FORMAT csv)") as copy,
    ):
        for chunk in copy:
            buffer.write(chunk)
    if buffer.tell() == 0:
        return pa.table({name: pa.array([], type=_ARROW[kind]) for name, kind in zip(names, kinds, strict=True)})
    buffer.seek(0)
    return pa_csv.read_csv(
        buffer,
        read_options=pa_csv.ReadOptions(column_names=names),
        convert_options=pa_csv.ConvertOptions(
            column_types={name: _ARROW[kind] for name, kind in zip(names, kinds, strict=True)},
            strings_can_be_null=True,  # an unquoted empty field is NULL ...
            quoted_strings_can_be_null=False,  # ... a quoted one the empty string
            true_values=["t"],
            false_values=["f"],
        ),
    )


def _sqlite_table(connection: Connection, query: Select, names: list[str], kinds: list[str]) -> pa.Table:
    rows = connection.connection.driver_connection.execute(_literal_sql(connection, query)).fetchall()
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    arrays = []
    for values, kind in zip(columns, kinds, strict=True):
        if kind == "date":  # stored as ISO text
            arrays.append(pa.array(values, type=pa.string()).cast(pa.date32()))
        elif kind == "bool":  # stored as 0/1
            arrays.append(pa.array(values, type=pa.int64()).cast(pa.bool_()))
        else:
            arrays.append(pa.array(values, type=_ARROW[kind]))
    return pa.table(dict(zip(names, arrays, strict=True)))


def _categorical(column: pa.ChunkedArray) -> pd.Categorical:
    """Text with few distinct values as a categorical, its categories sorted (so that sorting by
    it sorts as text does); NULL is a missing value."""
    encoded = column.combine_chunks().dictionary_encode()
    dictionary = encoded.dictionary.to_pylist()
    order = sorted(range(len(dictionary)), key=dictionary.__getitem__)
    recode = np.empty(len(dictionary) + 1, dtype=np.int32)
    recode[order] = np.arange(len(dictionary), dtype=np.int32)
    recode[-1] = -1
    codes = recode[encoded.indices.fill_null(len(dictionary)).to_numpy()]
    return pd.Categorical.from_codes(codes, categories=[dictionary[i] for i in order], validate=False)


def _pandas(column: pa.ChunkedArray, kind: str, categorical: bool = False) -> object:
    missing = column.null_count > 0
    if kind == "text" and categorical:
        return _categorical(column)
    if kind == "text":  # one str object per distinct value, not per row (memory, and no per-row decoding)
        encoded = column.combine_chunks().dictionary_encode()
        distinct = np.empty(len(encoded.dictionary) + 1, dtype=object)
        distinct[:-1] = encoded.dictionary.to_pylist()
        indices = encoded.indices.fill_null(len(encoded.dictionary)).to_numpy()
        return pd.Series(distinct[indices], dtype=object, copy=False)
    if kind == "date":
        return column.to_numpy().astype("datetime64[s]")
    if kind == "int":
        return pd.array(column.to_pandas(), dtype="Int64") if missing else column.to_numpy().astype(np.int64)
    return pd.array(column.to_pandas(), dtype="boolean") if missing else column.to_numpy().astype(bool)


def _adbc_table(cursor, sql: str, names: list[str], kinds: list[str]) -> pa.Table:  # type: ignore[no-untyped-def]
    cursor.execute(sql)
    table = cursor.fetch_arrow_table()
    return pa.table(
        {name: table.column(i).cast(_ARROW[kind]) for i, (name, kind) in enumerate(zip(names, kinds, strict=True))}
    )


def _kinds(query: Select, names: list[str]) -> list[str]:
    kinds = [_kind(column.type) for column in query.selected_columns]
    if len(kinds) != len(names):
        raise ValueError(f"{len(names)} names for {len(kinds)} columns")
    return kinds


def read_frame(
    connection: Connection, query: Select, names: Sequence[str], categorical: Collection[str] = ()
) -> pd.DataFrame:
    """The rows of ``query`` as a frame with the given column names (through the connection);
    the text columns named in ``categorical`` as categoricals (``_categorical``)."""
    names = list(names)
    kinds = _kinds(query, names)
    if connection.dialect.name == "postgresql":
        table = _postgres_table(connection, query, names, kinds)
    else:
        table = _sqlite_table(connection, query, names, kinds)
    return _frame(table, names, kinds, categorical)


class Reader:
    """Reads queries as frames (``read_frame``'s arguments) in one view of the register.

    ``prefetch`` names queries to read ahead, in the background, while the caller reads others:
    a reader that can (``snapshot_reader`` on PostgreSQL) reads them on a third connection that
    imports the same snapshot, so the server works on two queries at once; others read them when
    they are asked for. Asking for a prefetched query (the same object) waits for it."""

    def __init__(self, read: Callable[..., pd.DataFrame]) -> None:
        self._read = read

    def __call__(self, query: Select, names: Sequence[str], categorical: Collection[str] = ()) -> pd.DataFrame:
        return self._read(query, names, categorical)

    def prefetch(self, jobs: Sequence[tuple[Select, Sequence[str], Collection[str]]]) -> None:
        """Queries (with their names and categorical columns) the caller will ask for."""


class _PrefetchingReader(Reader):
    def __init__(self, read: Callable[..., pd.DataFrame], open_cursor, connection: Connection) -> None:  # type: ignore[no-untyped-def]
        super().__init__(read)
        self._open_cursor, self._connection = open_cursor, connection
        self._ahead: dict[int, Future[pd.DataFrame]] = {}
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    def __call__(self, query: Select, names: Sequence[str], categorical: Collection[str] = ()) -> pd.DataFrame:
        ahead = self._ahead.pop(id(query), None)
        return ahead.result() if ahead is not None else self._read(query, names, categorical)

    def prefetch(self, jobs: Sequence[tuple[Select, Sequence[str], Collection[str]]]) -> None:
        assert self._thread is None, "one prefetch per reader"
        planned = []
        for query, names, categorical in jobs:
            listed = list(names)
            future: Future[pd.DataFrame] = Future()
            self._ahead[id(query)] = future
            planned.append((_literal_sql(self._connection, query), listed, _kinds(query, listed), categorical, future))
        self._thread = threading.Thread(target=self._run, args=(planned,), name="mera-prefetch", daemon=True)
        self._thread.start()

    def _run(self, planned) -> None:  # type: ignore[no-untyped-def]
        try:
            with self._open_cursor() as cursor:
                for sql, names, kinds, categorical, future in planned:
                    if self._stopping.is_set() or not future.set_running_or_notify_cancel():
                        continue
                    try:
                        future.set_result(_frame(_adbc_table(cursor, sql, names, kinds), names, kinds, categorical))
                    except BaseException as exc:  # handed to whoever asks for it
                        future.set_exception(exc)
        except BaseException as exc:  # the connection itself failed: every read still pending
            for *_job, future in planned:
                if not future.done() and future.set_running_or_notify_cancel():
                    future.set_exception(exc)

    def close(self) -> None:
        """Stop reading ahead (what is being read finishes) and wait for the background thread."""
        self._stopping.set()
        for future in self._ahead.values():
            future.cancel()
        if self._thread is not None:
            self._thread.join()


@contextmanager
def snapshot_reader(connection: Connection) -> Iterator[Reader]:
    """A reader of queries as frames, every one in the view of the connection's transaction."""
    if connection.dialect.name == "sqlite":
        begin_sqlite_reads(connection)
    adbc = _adbc_module() if connection.dialect.name == "postgresql" else None
    if adbc is not None and connection.in_nested_transaction():
        adbc = None  # a savepoint's snapshot cannot be exported
    written = adbc is not None and connection.execute(text("SELECT pg_current_xact_id_if_assigned()")).scalar()
    if adbc is None or written is not None:
        yield Reader(lambda query, names, categorical=(): read_frame(connection, query, names, categorical))
        return
    snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
    search_path = connection.execute(text("SHOW search_path")).scalar_one()  # a private schema's, say
    uri = connection.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)

    @contextmanager
    def open_cursor():  # type: ignore[no-untyped-def]
        """A cursor on a new connection in the transaction's snapshot (read only)."""
        with adbc.connect(uri, autocommit=False) as arrow_connection, arrow_connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")  # from the server: nothing to quote
            cursor.execute(f"SET LOCAL search_path TO {search_path}")  # the server's own rendering
            try:
                yield cursor
            finally:
                arrow_connection.rollback()

    with open_cursor() as cursor:

        def read(query: Select, names: Sequence[str], categorical: Collection[str] = ()) -> pd.DataFrame:
            listed = list(names)
            kinds = _kinds(query, listed)
            table = _adbc_table(cursor, _literal_sql(connection, query), listed, kinds)
            return _frame(table, listed, kinds, categorical)

        reader = _PrefetchingReader(read, open_cursor, connection)
        try:
            yield reader
        finally:
            reader.close()  # before the snapshot's transaction may end


def _adbc_module():  # type: ignore[no-untyped-def]
    try:
        import adbc_driver_postgresql.dbapi as module
    except ImportError:  # the driver is a dependency; a trimmed installation still reads, slower
        return None
    return module


def _frame(table: pa.Table, names: list[str], kinds: list[str], categorical: Collection[str] = ()) -> pd.DataFrame:
    return pd.DataFrame(
        {name: _pandas(table.column(name), kind, name in categorical) for name, kind in zip(names, kinds, strict=True)},
        copy=False,
    )
