"""Web fixtures: a migrated database per backend (SQLite, and PostgreSQL in a private schema)
with the small register of ``webkit``, an application over it, and a client per test.

Pages commit their work, so the database lives for the session; tests that change data create
their own objects and never count rows they did not make.
"""

from __future__ import annotations

import os

import pytest

from tests.conftest import RULES_DIR, private_schema
from tests.webapp.webkit import prepare_web_register


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def web_database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """(url, ids): a register for the web tests."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('web') / 'web.sqlite3'}"
        yield url, prepare_web_register(url)
        return
    with private_schema(request.getfixturevalue("postgres_url"), f"mera_web_{os.getpid()}") as url:
        yield url, prepare_web_register(url)


def web_config(url: str, **extra: object) -> dict[str, object]:
    config: dict[str, object] = {
        "TESTING": True,
        "DATABASE_URL": url,
        "RULES_DIR": str(RULES_DIR),
        "RULES_WATCH": False,
        "COOKIE_SECURE": False,
        "SECRET_KEY": "test-secret-key",
        "LOGIN_RATE_LIMIT": 10_000,
    }
    config.update(extra)
    return config


@pytest.fixture(scope="session")
def app(web_database):  # type: ignore[no-untyped-def]
    from webapp import create_app

    url, _ids = web_database
    application = create_app(web_config(url))
    yield application
    application.extensions["mera.rules"].stop()
    application.extensions["mera.engine"].dispose()


@pytest.fixture
def ids(web_database) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return web_database[1]


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    return app.test_client()
