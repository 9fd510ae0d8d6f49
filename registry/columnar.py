"""A query's result as columns, fast: ``COPY ... TO STDOUT`` read by Arrow on PostgreSQL, the raw
cursor on SQLite, without building a Python row object (let alone an ORM one) per row.

The columns are typed from the query's selected column types, never guessed from the data (a
municipality code of digits stays text): integers as int64 (nullable ``Int64`` where a value is
missing), text as object arrays of ``str``/``None``, dates as ``datetime64`` (``NaT`` where
missing), booleans as bool (nullable ``boolean`` where missing).
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
from sqlalchemy import Boolean, Date, Integer, Select, String
from sqlalchemy.engine import Connection

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


def _pandas(column: pa.ChunkedArray, kind: str) -> object:
    missing = column.null_count > 0
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


def read_frame(connection: Connection, query: Select, names: Sequence[str]) -> pd.DataFrame:
    """The rows of ``query`` as a frame with the given column names."""
    names = list(names)
    kinds = [_kind(column.type) for column in query.selected_columns]
    if len(kinds) != len(names):
        raise ValueError(f"{len(names)} names for {len(kinds)} columns")
    if connection.dialect.name == "postgresql":
        table = _postgres_table(connection, query, names, kinds)
    else:
        table = _sqlite_table(connection, query, names, kinds)
    return pd.DataFrame(
        {name: _pandas(table.column(name), kind) for name, kind in zip(names, kinds, strict=True)},
        copy=False,
    )
