"""The register's commands end to end on an embedded SQLite file: upgrade, seed, assess with
storage, calc --person --save, replay, audit verify."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.cli import main
from registry.migrate import head_revision
from tests.conftest import RULES_DIR


@pytest.fixture
def database(tmp_path: Path) -> dict[str, str]:
    return {"MERA_DATABASE_URL": f"sqlite:///{tmp_path / 'mera.sqlite3'}", "MERA_RULES": str(RULES_DIR)}


def run(env: dict[str, str], *args: str):  # type: ignore[no-untyped-def]
    result = CliRunner(env=env).invoke(main, list(args), catch_exceptions=False)
    return result


def test_commands_refuse_a_database_that_is_not_migrated(database):
    result = CliRunner(env=database).invoke(main, ["audit", "verify"])
    assert result.exit_code == 1
    assert "run `mera db upgrade`" in result.output


def test_from_an_empty_file_to_a_replayed_calculation(database):
    upgraded = run(database, "db", "upgrade")
    assert upgraded.exit_code == 0 and f"schema none → {head_revision()}" in upgraded.output
    seeded = run(database, "db", "seed", "--persons", "300", "--seed", "11")
    assert seeded.exit_code == 0, seeded.output
    assert "300 persons in" in seeded.output
    assessed = run(database, "assess", "--period", "2026-03", "--save")
    assert assessed.exit_code == 0, assessed.output
    assert re.search(r"\d+ applications of 2026-03", assessed.output)
    calculated = run(database, "calc", "--person", "1", "--period", "2026-03", "--all", "--save")
    assert calculated.exit_code == 0, calculated.output
    numbers = [int(n) for n in re.findall(r"\[расчет № (\d+)\]", calculated.output)]
    assert numbers, calculated.output
    replayed = run(database, "replay", str(numbers[0]))
    assert replayed.exit_code == 0, replayed.output
    assert "matches to the kopeck" in replayed.output
    verified = run(database, "audit", "verify")
    assert verified.exit_code == 0 and "audit log intact" in verified.output


def test_calc_for_an_unknown_person_names_it(database):
    run(database, "db", "upgrade")
    result = CliRunner(env=database).invoke(main, ["calc", "--person", "999", "--period", "2026-03", "--all"])
    assert result.exit_code == 2
    assert "no person '999' in the register" in result.output


def test_replay_of_a_missing_calculation_is_an_error(database):
    run(database, "db", "upgrade")
    result = CliRunner(env=database).invoke(main, ["replay", "42"])
    assert result.exit_code == 1 and "no calculation 42" in result.output


def test_a_death_imported_from_the_civil_registry_stops_calculations(database, tmp_path):
    import sqlite3

    run(database, "db", "upgrade")
    assert run(database, "db", "seed", "--persons", "300", "--seed", "11").exit_code == 0
    path = database["MERA_DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(path) as connection:
        snils = connection.execute("select snils from persons where id = 1").fetchone()[0]
    deaths = tmp_path / "zags.csv"
    deaths.write_text(f"СНИЛС;Дата смерти\r\n{snils};15.01.2026\r\n00000000000;15.01.2026\r\n", encoding="cp1251")
    imported = run(database, "import", str(deaths), "--what", "deaths")
    assert imported.exit_code == 0, imported.output
    assert "deaths, 2 rows read, 1 loaded, 1 rejected" in imported.output
    calculated = CliRunner(env=database).invoke(main, ["calc", "--person", "1", "--period", "2026-03", "--all"])
    assert calculated.exit_code == 1 and "person 1 died on 2026-01-15" in calculated.output
    assert run(database, "audit", "verify").exit_code == 0  # the changes joined the audit chain
