"""One engine per application, one database session per request.

A view hands ``db()`` to one service; the request's unit of work commits when the response is a
success and rolls back otherwise (an invalid form, a refusal, an exception), so nothing is ever
half-written by a page.
"""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from registry.db import make_engine, session_factory


def init_app(app: Flask) -> None:
    engine = make_engine(app.config.get("DATABASE_URL"), serialized=True)
    app.extensions["mera.engine"] = engine
    app.extensions["mera.sessions"] = session_factory(engine)

    @app.after_request
    def _finish(response):  # type: ignore[no-untyped-def]
        session: Session | None = g.pop("db_session", None)
        if session is not None:
            try:
                if response.status_code < 400:
                    session.commit()
                else:
                    session.rollback()
            finally:
                session.close()
        return response

    @app.teardown_request
    def _close(_error):  # type: ignore[no-untyped-def]
        session: Session | None = g.pop("db_session", None)
        if session is not None:  # an exception skipped after_request
            session.rollback()
            session.close()


def engine() -> Engine:
    return current_app.extensions["mera.engine"]


def db() -> Session:
    """The request's database session (opened on first use)."""
    session = g.get("db_session")
    if session is None:
        session = current_app.extensions["mera.sessions"]()
        g.db_session = session
    return session
