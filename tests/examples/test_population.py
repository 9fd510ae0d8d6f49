"""examples/population.py: the same seed gives the same people, in files and in the register."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa

from registry.synthetic import LOAD_ORDER

SCRIPT = Path(__file__).resolve().parents[2] / "examples" / "population.py"


def _script():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("population_example", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_files_are_written_per_table_and_repeat_for_a_seed(tmp_path):
    population = _script()
    assert population.main(["--persons", "300", "--seed", "5", "--parquet", str(tmp_path / "a")]) == 0
    assert (
        population.main(
            ["--persons", "300", "--seed", "5", "--parquet", str(tmp_path / "b"), "--csv", str(tmp_path / "c")]
        )
        == 0
    )
    assert population.main(["--persons", "300", "--seed", "6", "--parquet", str(tmp_path / "d")]) == 0
    for table in LOAD_ORDER:
        first = pq.read_table(tmp_path / "a" / f"{table}.parquet")
        assert first.equals(pq.read_table(tmp_path / "b" / f"{table}.parquet")), table
        csv = pa_csv.read_csv(tmp_path / "c" / f"{table}.csv")
        assert csv.num_rows == first.num_rows and csv.column_names == first.column_names, table
    persons = pq.read_table(tmp_path / "a" / "persons.parquet")
    assert persons.num_rows == 300
    assert not persons.equals(pq.read_table(tmp_path / "d" / "persons.parquet"))
    assert not list(tmp_path.rglob("*.partial"))
    incomes = pq.read_table(tmp_path / "a" / "incomes.parquet").to_pandas()
    assert incomes["amount"].dtype.kind == "i"  # kopecks, never float


def test_the_register_gets_the_same_people_as_the_files(fresh_database, tmp_path):
    url, engine = fresh_database
    population = _script()
    assert population.main(["--persons", "250", "--seed", "9", "--database", url, "--parquet", str(tmp_path)]) == 0
    with engine.connect() as connection:
        for table in ("persons", "households", "incomes", "utility_charges"):
            stored = connection.execute(sa.text(f"select count(*) from {table}")).scalar_one()
            assert stored == pq.read_table(tmp_path / f"{table}.parquet").num_rows, table
        snils = set(connection.execute(sa.text("select snils from persons")).scalars())
    assert snils == set(pq.read_table(tmp_path / "persons.parquet").column("snils").to_pylist())


@pytest.mark.parametrize("arguments", [["--persons", "10"], ["--persons", "0", "--csv", "x"]])
def test_bad_arguments_are_refused(arguments, capsys):
    with pytest.raises(SystemExit) as stopped:
        _script().main(arguments)
    assert stopped.value.code == 2
    assert "--" in capsys.readouterr().err
