"""Database connection: SQLite by default (a file, no set-up), PostgreSQL through psycopg 3 in
production (``MERA_DATABASE_URL``). Services take a Session and own their transaction."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_SQLITE_PATH = Path("instance") / "mera.sqlite3"
READS_ONLY = "mera_reads_only"  # an execution option: the transaction will not write


def database_url(url: str | None = None) -> str:
    """The URL to use: the argument, else ``$MERA_DATABASE_URL``, else the embedded SQLite file."""
    url = url or os.environ.get("MERA_DATABASE_URL")
    if not url:
        DEFAULT_SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{DEFAULT_SQLITE_PATH}"
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def is_postgresql(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def make_engine(url: str | None = None, serialized: bool = False, **options: object) -> Engine:
    """An engine for the URL; SQLite gets foreign keys, WAL and a busy timeout.

    ``serialized`` (SQLite only; for a server with many threads): every transaction begins with
    ``BEGIN IMMEDIATE``, so transactions that write take turns from their start. Without it, a
    transaction that read first and writes later can find that another one wrote in between and
    fail (SQLite's snapshot rule); PostgreSQL needs nothing of the kind. A transaction of
    ``read_view`` begins with a plain ``BEGIN``: it never writes, so it need not wait for the
    writers, nor keep them waiting while it reads."""
    url = database_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, **options)

        if serialized:

            @event.listens_for(engine, "begin")
            def _begin_immediate(connection) -> None:  # type: ignore[no-untyped-def]
                # a transaction that only reads (``read_view``) does not take the writers' turn
                reads_only = connection.get_execution_options().get(READS_ONLY, False)
                connection.exec_driver_sql("BEGIN" if reads_only else "BEGIN IMMEDIATE")

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(connection, _record) -> None:  # type: ignore[no-untyped-def]
            if serialized:
                connection.isolation_level = None  # pysqlite's own BEGIN off: the "begin" event issues it
            cursor = connection.cursor()
            cursor.execute("PRAGMA foreign_keys = ON")
            if not url.endswith(":memory:"):
                cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True, **options)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any exception (Ctrl-C included)."""
    with Session(engine, expire_on_commit=False) as session, session.begin():
        yield session


@contextmanager
def read_view(engine: Engine) -> Iterator[Session]:
    """A transaction for reads only, every one of them in one state of the database: on
    PostgreSQL ``REPEATABLE READ, READ ONLY``; on SQLite a transaction begun before the first
    read (``begin_sqlite_reads``), without taking the writers' turn even on a ``serialized``
    engine. Writes that follow from what was read go in a transaction of their own: a SQLite
    transaction that has read cannot write once another one has."""
    if is_postgresql(engine):
        bound = engine.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
    else:
        bound = engine.execution_options(**{READS_ONLY: True})
    with Session(bound, expire_on_commit=False) as session, session.begin():
        if engine.dialect.name == "sqlite":
            begin_sqlite_reads(session.connection())
        yield session


def begin_sqlite_reads(connection: Connection) -> None:
    """Begin the SQLite transaction a connection is meant to be in, unless it has begun (by a
    write, a savepoint, ``BEGIN IMMEDIATE``). Python's driver issues ``BEGIN`` only before a
    write: reads alone would each see the database as it is at their own moment; in a begun
    transaction the first read fixes the view for the rest (SQLite's write-ahead log keeps it)."""
    driver = connection.connection.dbapi_connection
    if driver is not None and not driver.in_transaction:  # type: ignore[attr-defined]
        connection.exec_driver_sql("BEGIN")
