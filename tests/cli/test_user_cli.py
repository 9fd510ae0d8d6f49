"""``mera user`` creates the first administrator of a database; ``mera demo --no-serve``
prepares the demo register and its accounts."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.cli import main
from tests.conftest import RULES_DIR


@pytest.fixture
def database(tmp_path: Path) -> dict[str, str]:
    return {"MERA_DATABASE_URL": f"sqlite:///{tmp_path / 'mera.sqlite3'}", "MERA_RULES": str(RULES_DIR)}


def test_add_refuses_a_short_password_then_creates_the_user(database):
    runner = CliRunner(env=database)
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    refused = runner.invoke(
        main,
        [
            "user",
            "add",
            "--login",
            "boss",
            "--name",
            "Начальник",
            "--role",
            "administrator",
            "--whole-region",
            "--password",
            "short",
        ],
    )
    assert refused.exit_code == 2 and "не короче 12" in refused.output
    created = runner.invoke(
        main,
        [
            "user",
            "add",
            "--login",
            "boss",
            "--name",
            "Начальник",
            "--role",
            "administrator",
            "--whole-region",
            "--password",
            "длинный пароль начальника",
        ],
    )
    assert created.exit_code == 0, created.output
    listed = runner.invoke(main, ["user", "list"])
    assert "boss" in listed.output and "весь регион" in listed.output


def test_demo_without_serving_builds_the_register_and_the_accounts(database):
    result = CliRunner(env=database).invoke(main, ["demo", "--no-serve", "--persons", "200"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "200 persons in" in result.output
    for login in ("admin", "method", "samara", "tlt", "audit", "pay"):
        assert f"  {login} " in result.output
    again = CliRunner(env=database).invoke(main, ["demo", "--no-serve", "--persons", "200"], catch_exceptions=False)
    assert "nothing seeded" in again.output and "demo accounts: present" in again.output
