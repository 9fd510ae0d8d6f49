"""Shared fixtures: the shipped rules, example households, Hypothesis profiles, golden files,
and the PostgreSQL URL (required under CI=true)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parents[1]
RULES_DIR = ROOT / "rules"
EXAMPLES_DIR = ROOT / "examples"

# Deterministic on a noisy 2-core machine: no deadline, fixed seed derivation under CI.
settings.register_profile(
    "ci",
    max_examples=100,
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite golden files, then read the diff")


@pytest.fixture(scope="session")
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture(scope="session")
def rules():  # type: ignore[no-untyped-def]
    """The shipped rules, loaded and checked once."""
    from engine import load_ruleset

    return load_ruleset(RULES_DIR)


@pytest.fixture
def rules_copy(tmp_path: Path) -> Path:
    """A private copy of the shipped rules folder, to break and mend."""
    target = tmp_path / "rules"
    shutil.copytree(RULES_DIR, target)
    return target


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The test PostgreSQL URL. Under CI=true it must be set and reachable: fail, never skip."""
    url = os.environ.get("MERA_TEST_DATABASE_URL")
    in_ci = os.environ.get("CI", "").lower() in ("1", "true", "yes")
    if not url:
        if in_ci:
            pytest.fail("CI=true but MERA_TEST_DATABASE_URL is not set: the PostgreSQL tests must run")
        pytest.skip("MERA_TEST_DATABASE_URL is not set (PostgreSQL tests run in CI)")
    return url


# -- databases: every test that touches the database runs on SQLite and on PostgreSQL ------------


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def db_engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A migrated database per backend. PostgreSQL gets a private schema, dropped afterwards."""
    import sqlalchemy as sa

    from registry.db import make_engine
    from registry.migrate import upgrade

    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('db') / 'mera.sqlite3'}")
        upgrade(engine)
        yield engine
        engine.dispose()
        return
    url = request.getfixturevalue("postgres_url")
    schema = f"mera_test_{os.getpid()}"
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
    engine = make_engine(url, connect_args={"options": f"-c search_path={schema}"})
    upgrade(engine)
    yield engine
    engine.dispose()
    with admin.begin() as connection:
        connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    admin.dispose()


@pytest.fixture
def db_session(db_engine):  # type: ignore[no-untyped-def]
    """A session inside an outer transaction that is rolled back: each test leaves nothing."""
    from sqlalchemy.orm import Session

    connection = db_engine.connect()
    outer = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield session
    finally:
        session.close()
        outer.rollback()
        connection.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_database(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A migrated database of its own, as a URL any process can open, for work that commits
    (batch recalculation across processes). PostgreSQL: a private schema, dropped afterwards."""

    from registry.db import make_engine
    from registry.migrate import upgrade

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'register.sqlite3'}"
        engine = make_engine(url)
        upgrade(engine)
        yield url, engine
        engine.dispose()
        return
    base = request.getfixturevalue("postgres_url")
    with private_schema(base, f"mera_fresh_{os.getpid()}_{abs(hash(request.node.nodeid)) % 10**8}") as url:
        engine = make_engine(url)
        upgrade(engine)
        yield url, engine
        engine.dispose()


@contextmanager
def private_schema(base_url: str, schema: str) -> Iterator[str]:
    """A PostgreSQL schema of its own, dropped afterwards: the URL whose search path is it."""
    import sqlalchemy as sa

    from registry.db import make_engine

    admin = make_engine(base_url)
    with admin.begin() as connection:
        connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
    try:
        yield f"{base_url}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()
