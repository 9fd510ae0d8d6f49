"""Columnar reads (ADBC or COPY on PostgreSQL, the raw cursor on SQLite) type each column by the
query, never by the data, and keep NULL apart from the empty string; a snapshot reader sees
exactly what its transaction sees."""

from __future__ import annotations

import os
from datetime import date

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Boolean, Date, Integer, String, literal, select, union_all, update
from sqlalchemy.orm import Session

from registry.columnar import read_frame, snapshot_reader
from registry.db import transaction
from registry.models import Person
from registry.seeding import seed


def _through_the_connection(connection, query, names):  # type: ignore[no-untyped-def]
    return read_frame(connection, query, names)


def _through_a_snapshot_reader(connection, query, names):  # type: ignore[no-untyped-def]
    with snapshot_reader(connection) as read:
        return read(query, names)


READERS = pytest.mark.parametrize("read", [_through_the_connection, _through_a_snapshot_reader])


def _row(text, number, day, flag):  # type: ignore[no-untyped-def]
    return select(
        literal(text, String).label("text"),
        literal(number, Integer).label("number"),
        literal(day, Date).label("day"),
        literal(flag, Boolean).label("flag"),
    )


@READERS
def test_columns_are_typed_by_the_query(db_session, read):
    query = union_all(
        _row("00123", 7, date(2026, 1, 31), True),
        _row("", None, None, None),
        _row(None, -(2**40), date(1950, 12, 1), False),
        _row('Тольятти; "кавычки", запятая\nи строка', 0, date(2026, 3, 1), True),
    )
    frame = read(db_session.connection(), select(query.subquery()), ["text", "number", "day", "flag"])
    assert list(frame["text"]) == ["00123", "", None, 'Тольятти; "кавычки", запятая\nи строка']
    assert frame["text"].dtype == object  # digits stay text
    assert str(frame["number"].dtype) == "Int64" and frame["number"].isna().tolist() == [False, True, False, False]
    assert frame["number"].dropna().tolist() == [7, -(2**40), 0]
    assert frame["day"].dtype.kind == "M"
    assert frame["day"].dt.date.tolist()[0] == date(2026, 1, 31) and pd.isna(frame["day"][1])
    assert str(frame["flag"].dtype) == "boolean" and bool(frame["flag"][0]) is True
    assert pd.isna(frame["flag"][1]) and not frame["flag"][2]


@READERS
def test_columns_without_nulls_are_plain_numpy(db_session, read):
    query = union_all(_row("a", 1, date(2026, 1, 1), True), _row("b", 2, date(2026, 2, 1), False))
    frame = read(db_session.connection(), select(query.subquery()), ["text", "number", "day", "flag"])
    assert frame["number"].dtype == np.int64 and frame["flag"].dtype == bool


@READERS
def test_an_empty_result_has_the_columns(db_session, read):
    query = _row("a", 1, date(2026, 1, 1), True).where(literal(1) == 2)
    frame = read(db_session.connection(), query, ["text", "number", "day", "flag"])
    assert list(frame.columns) == ["text", "number", "day", "flag"] and len(frame) == 0


@pytest.fixture
def pg_database(postgres_url):  # type: ignore[no-untyped-def]
    """A migrated PostgreSQL schema of its own (what the snapshot reader is for)."""
    from registry.db import make_engine
    from registry.migrate import upgrade
    from tests.conftest import private_schema

    with private_schema(postgres_url, f"mera_columnar_{os.getpid()}") as url:
        engine = make_engine(url)
        upgrade(engine)
        yield engine
        engine.dispose()


def test_a_snapshot_reader_sees_its_transactions_view(fresh_database):
    """Committed by another transaction after the reader's first read: not seen by the reader
    (one view for every table of a partition: on PostgreSQL through Arrow's driver; on SQLite,
    whose driver begins no transaction for reads, in the transaction the reader begins), seen
    by a new read."""
    _url, engine = fresh_database
    with transaction(engine) as session:
        seed(session, 20, seed=4, months=2)
    query = select(Person.id, Person.last_name).order_by(Person.id)
    with Session(engine) as session, session.begin(), snapshot_reader(session.connection()) as read:
        before = read(query, ["id", "last_name"])
        with transaction(engine) as other:
            other.execute(update(Person).where(Person.id == int(before["id"][0])).values(last_name="Позже"))
        again = read(query, ["id", "last_name"])
    pd.testing.assert_frame_equal(before, again)
    assert "Позже" not in set(before["last_name"])
    with Session(engine) as session, session.begin():
        assert read_frame(session.connection(), query, ["id", "last_name"])["last_name"][0] == "Позже"


def test_a_snapshot_reader_sees_its_transactions_own_writes(fresh_database):
    _url, engine = fresh_database
    with transaction(engine) as session:
        seed(session, 20, seed=4, months=2)
    with Session(engine) as session, session.begin():
        first = session.execute(select(Person.id).order_by(Person.id)).scalars().first()
        session.execute(update(Person).where(Person.id == first).values(last_name="Своя"))
        with snapshot_reader(session.connection()) as read:
            frame = read(select(Person.last_name).where(Person.id == first), ["last_name"])
        session.rollback()
    assert frame["last_name"].tolist() == ["Своя"]


def test_arrow_reads_equal_the_connections_reads(pg_database, monkeypatch):
    """Through Arrow's driver, the same types, NULLs and empty strings as through COPY."""
    import registry.columnar as columnar

    used = []
    original = columnar._adbc_table
    monkeypatch.setattr(columnar, "_adbc_table", lambda *args: used.append(1) or original(*args))
    query = select(
        union_all(
            _row("00123", 7, date(2026, 1, 31), True),
            _row("", None, None, None),
            _row(None, -(2**40), date(1950, 12, 1), False),
            _row('Тольятти; "кавычки", запятая\nи строка', 0, date(2026, 3, 1), True),
        ).subquery()
    )
    names = ["text", "number", "day", "flag"]
    with Session(pg_database) as session, session.begin():
        through_copy = read_frame(session.connection(), query, names)
        with snapshot_reader(session.connection()) as read:
            through_arrow = read(query, names)
    assert used, "the snapshot reader did not read through Arrow's driver"
    pd.testing.assert_frame_equal(through_arrow, through_copy)


def test_prefetched_reads_come_from_another_thread_in_the_transactions_view(pg_database, monkeypatch):
    """Read ahead on a connection of their own, yet in the snapshot of the reader's transaction:
    a change committed after the reader began — before the reads ahead even start — is not seen."""
    import threading

    import registry.columnar as columnar

    engine = pg_database
    with transaction(engine) as session:
        seed(session, 20, seed=5, months=2)
    threads = []
    original = columnar._adbc_table
    monkeypatch.setattr(
        columnar, "_adbc_table", lambda *args: threads.append(threading.current_thread().name) or original(*args)
    )
    names = select(Person.id, Person.last_name).order_by(Person.id)
    count = select(Person.id).where(Person.last_name == "Позже")
    with Session(engine) as session, session.begin(), snapshot_reader(session.connection()) as read:
        before = read(names, ["id", "last_name"])
        with transaction(engine) as other:
            other.execute(update(Person).where(Person.id == int(before["id"][0])).values(last_name="Позже"))
        read.prefetch([(names, ["id", "last_name"], ()), (count, ["id"], ())])
        ahead = read(names, ["id", "last_name"])
        nobody = read(count, ["id"])
    assert threads.count("mera-prefetch") == 2
    pd.testing.assert_frame_equal(ahead, before)
    assert len(nobody) == 0


def test_a_failing_read_ahead_raises_where_it_is_asked_for(pg_database):
    from sqlalchemy import literal_column

    broken = select(literal_column("1 / 0", Integer).label("x"))
    with Session(pg_database) as session, session.begin(), snapshot_reader(session.connection()) as read:
        read.prefetch([(broken, ["x"], ())])
        with pytest.raises(Exception, match="division by zero"):
            read(broken, ["x"])
        assert read(select(literal(7, Integer).label("x")), ["x"])["x"].tolist() == [7]  # the reader's own connection


def test_reads_ahead_nobody_asks_for_end_with_the_reader(pg_database):
    query = select(Person.id)
    with Session(pg_database) as session, session.begin():
        with snapshot_reader(session.connection()) as read:
            read.prefetch([(query, ["id"], ()), (select(Person.last_name), ["last_name"], ())])
        assert session.execute(select(literal(1))).scalar_one() == 1  # the transaction goes on
