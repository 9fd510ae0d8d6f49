"""Columnar reads (COPY on PostgreSQL, the raw cursor on SQLite) type each column by the query,
never by the data, and keep NULL apart from the empty string."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy import Boolean, Date, Integer, String, literal, select, union_all

from registry.columnar import read_frame


def _row(text, number, day, flag):  # type: ignore[no-untyped-def]
    return select(
        literal(text, String).label("text"),
        literal(number, Integer).label("number"),
        literal(day, Date).label("day"),
        literal(flag, Boolean).label("flag"),
    )


def test_columns_are_typed_by_the_query(db_session):
    query = union_all(
        _row("00123", 7, date(2026, 1, 31), True),
        _row("", None, None, None),
        _row(None, -(2**40), date(1950, 12, 1), False),
        _row('Тольятти; "кавычки", запятая\nи строка', 0, date(2026, 3, 1), True),
    )
    frame = read_frame(db_session.connection(), select(query.subquery()), ["text", "number", "day", "flag"])
    assert list(frame["text"]) == ["00123", "", None, 'Тольятти; "кавычки", запятая\nи строка']
    assert frame["text"].dtype == object  # digits stay text
    assert str(frame["number"].dtype) == "Int64" and frame["number"].isna().tolist() == [False, True, False, False]
    assert frame["number"].dropna().tolist() == [7, -(2**40), 0]
    assert frame["day"].dtype.kind == "M"
    assert frame["day"].dt.date.tolist()[0] == date(2026, 1, 31) and pd.isna(frame["day"][1])
    assert str(frame["flag"].dtype) == "boolean" and bool(frame["flag"][0]) is True
    assert pd.isna(frame["flag"][1]) and not frame["flag"][2]


def test_columns_without_nulls_are_plain_numpy(db_session):
    query = union_all(_row("a", 1, date(2026, 1, 1), True), _row("b", 2, date(2026, 2, 1), False))
    frame = read_frame(db_session.connection(), select(query.subquery()), ["text", "number", "day", "flag"])
    assert frame["number"].dtype == np.int64 and frame["flag"].dtype == bool


def test_an_empty_result_has_the_columns(db_session):
    query = _row("a", 1, date(2026, 1, 1), True).where(literal(1) == 2)
    frame = read_frame(db_session.connection(), query, ["text", "number", "day", "flag"])
    assert list(frame.columns) == ["text", "number", "day", "flag"] and len(frame) == 0
