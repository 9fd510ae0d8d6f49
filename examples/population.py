"""A seeded synthetic population of a region: into the register database and/or to files.

    python examples/population.py --persons 500000 --database postgresql+psycopg://.../mera
    python examples/population.py --persons 100000 --parquet out/population
    python examples/population.py --persons 10000 --csv out/population --seed 7

The same ``--seed`` always gives the same people. The database load goes through
``registry.seeding`` (COPY on PostgreSQL, batched inserts on SQLite; foreign keys and indexes
rebuilt after big loads), so ids, case numbers and the audit trail are those of ``mera db seed``.
Files get one Parquet or CSV (UTF-8, header, ISO dates, money in kopecks) per register table.

Distributions (a Samara-like region, 2025–2026; ``registry.synthetic`` has the details):

========================  ===================================================================
households                1–8 persons (27 % single, 30 % two, 22 % three, 13 % four, 8 % more);
                          couples, single parents, one in ten larger households with a
                          grandparent; municipalities Самара 50 %, Тольятти 30 %, Сызрань 10 %,
                          Новокуйбышевск 5 %, Жигулёвск 5 %
ages and sexes            adults 20–90, children 0–17 (one in 25 aged 18–22 and studying)
incomes by kind and month ``--months`` months (default 24) up to 2026-02: wages for 82 % of
                          working-age adults (log-normal around 42 000 ₽, σ 0.55, 5 % of
                          months unpaid), pensions 14 000–32 000 ₽ from the pension age
categories, disability    pensioners, 35 % of them labour veterans; disability for 6 % of
                          adults (groups 1/2/3: 10/40/50 %) and 2 % of children; sole parents;
                          combat veterans (3 % of men 22–70); victims of political repression
                          (2 % from 70) and rehabilitated persons (0.5 % from 80)
property                  declared by 85 % of households: a flat of 26–95 m², a car for 45 %
housing and utilities     every household: area, owned 85 % / social rent 10 % / private
                          rent 5 %, eight utility charges scaled by area and household size
applications              unified allowance (30 % of families with children), housing subsidy
                          (12 % of households), labour veterans' payment (60 % of veterans),
                          combat veterans' ЕДВ (70 %), the repressed and rehabilitated's (60 %),
                          the compensation of housing costs (70 % of the households with a
                          disabled member, 70 % of those with a combat veteran)
========================  ===================================================================
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from a checkout
    sys.path.insert(0, str(ROOT))

import pyarrow as pa  # noqa: E402
import pyarrow.csv as pa_csv  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

from registry.synthetic import LOAD_ORDER, Population, generate  # noqa: E402


def write_files(population: Population, directory: Path, file_format: str) -> list[Path]:
    """One file per table; each written to a temporary name first, so none is ever half-written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for table_name in LOAD_ORDER:
        table = pa.Table.from_pandas(population[table_name], preserve_index=False)
        target = directory / f"{table_name}.{file_format}"
        partial = target.with_suffix(target.suffix + ".partial")
        if file_format == "parquet":
            pq.write_table(table, partial, compression="zstd")
        else:
            pa_csv.write_csv(table, partial)
        partial.replace(target)
        written.append(target)
    return written


def load_database(url: str, persons: int, seed: int, months: int) -> int:
    """Load into the register (migrated first); returns the persons loaded."""
    from registry.audit import acting_as
    from registry.db import make_engine, transaction
    from registry.migrate import upgrade
    from registry.seeding import seed as seed_register

    engine = make_engine(url)
    try:
        upgrade(engine)
        with acting_as("examples/population.py"), transaction(engine) as session:
            return seed_register(session, persons, seed, months).persons
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, required=True, help="how many people (the last household trimmed)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--months", type=int, default=24, help="months of declared incomes")
    parser.add_argument("--database", metavar="URL", help="load into this register (SQLAlchemy URL)")
    parser.add_argument("--parquet", metavar="DIR", type=Path, help="write one Parquet file per table")
    parser.add_argument("--csv", metavar="DIR", type=Path, help="write one CSV file per table")
    args = parser.parse_args(argv)
    if args.persons < 1 or args.months < 1:
        parser.error("--persons and --months must be positive")
    if not (args.database or args.parquet or args.csv):
        parser.error("say where to: --database, --parquet and/or --csv")
    started = time.perf_counter()
    if args.parquet or args.csv:
        population = generate(args.persons, args.seed, args.months)
        for directory, file_format in ((args.parquet, "parquet"), (args.csv, "csv")):
            if directory is not None:
                files = write_files(population, directory, file_format)
                print(f"{len(files)} {file_format} files in {directory}")
    if args.database:
        loaded = load_database(args.database, args.persons, args.seed, args.months)
        print(f"{loaded} persons loaded into the register")
    print(f"done in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
