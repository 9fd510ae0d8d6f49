"""The environment the suite promises: PostgreSQL reachable under CI, Python in range."""

from __future__ import annotations

import sys

import psycopg


def test_python_is_one_durable_rules_supports():
    assert (3, 11) <= sys.version_info[:2] <= (3, 12)


def test_postgresql_is_reachable(postgres_url: str):
    dsn = postgres_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, connect_timeout=10) as connection:
        (version,) = connection.execute("select current_setting('server_version_num')::int").fetchone()
    assert version >= 130000
