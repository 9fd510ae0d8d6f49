"""Database connection: SQLite by default (a file, no set-up), PostgreSQL through psycopg 3 in
production (``MERA_DATABASE_URL``). Services take a Session and own their transaction."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_SQLITE_PATH = Path("instance") / "mera.sqlite3"


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
    fail (SQLite's snapshot rule); PostgreSQL needs nothing of the kind."""
    url = database_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, **options)

        if serialized:

            @event.listens_for(engine, "begin")
            def _begin_immediate(connection) -> None:  # type: ignore[no-untyped-def]
                connection.exec_driver_sql("BEGIN IMMEDIATE")

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
