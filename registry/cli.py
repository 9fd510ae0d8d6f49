"""The register's commands: ``mera db``, ``mera import``, ``mera export``, ``mera assess``,
``mera replay``, ``mera audit``; and the ``calculate`` hook behind ``mera calc --person``."""

from __future__ import annotations

import getpass
import time
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

import click
from sqlalchemy import select

from engine import Month, Result, RuleSet
from engine.cli.common import load_rules_or_exit, rules_option
from registry.audit import acting_as, verify
from registry.calculations import Outcome, calculate_for_person, replay
from registry.db import make_engine, transaction
from registry.migrate import current_revision, head_revision, upgrade
from registry.models import Application, Person
from registry.people import sync_reference
from registry.snapshots import NotInRegisterError

database_option = click.option(
    "--database", "url", default=None, help="Database URL (default: $MERA_DATABASE_URL, else the SQLite file)."
)


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _engine(url: str | None):  # type: ignore[no-untyped-def]
    engine = make_engine(url)
    if current_revision(engine) != head_revision():
        raise click.ClickException("the database is not at the newest schema: run `mera db upgrade`")
    return engine


def resolve_person(session, reference: str) -> int:  # type: ignore[no-untyped-def]
    """A person by id, 18-digit case number or SNILS."""
    digits = "".join(ch for ch in reference if ch.isdigit())
    if len(digits) == 18:
        found = session.execute(select(Person.id).where(Person.case_number == digits)).scalar_one_or_none()
    elif (len(digits) == 11 and not reference.isdigit()) or len(reference) == 11:
        found = session.execute(select(Person.id).where(Person.snils == digits)).scalar_one_or_none()
    elif reference.isdigit():
        found = session.execute(select(Person.id).where(Person.id == int(reference))).scalar_one_or_none()
    else:
        found = None
    if found is None:
        raise click.BadParameter(
            f"no person {reference!r} in the register (give an id, a case number or a SNILS)", param_hint="--person"
        )
    return found


def calculate_hook(
    ruleset: RuleSet,
    person: str,
    period: Month,
    measures: list[str] | None,
    save: bool,
) -> tuple[list[Result], list[int | None]]:
    """``mera calc --person``: evaluate from the register, optionally storing each calculation."""
    engine = _engine(None)
    with acting_as(_actor()), transaction(engine) as session:
        person_id = resolve_person(session, person)
        try:
            outcomes: list[Outcome] = calculate_for_person(session, ruleset, person_id, period, measures, save)
        except NotInRegisterError as exc:
            raise click.ClickException(str(exc)) from None
    return [o.result for o in outcomes], [o.calculation_id for o in outcomes]


@click.group()
def db() -> None:
    """Create, migrate and fill the database."""


@db.command("upgrade")
@database_option
def db_upgrade(url: str | None) -> None:
    """Create or migrate the database to the newest schema (SQLite or PostgreSQL)."""
    engine = make_engine(url)
    before = current_revision(engine)
    upgrade(engine)
    with acting_as(_actor()), transaction(engine) as session:
        added = sync_reference(session)
    click.echo(
        f"database {engine.url.render_as_string(hide_password=True)}: schema {before or 'none'} → "
        f"{current_revision(engine)}; {added} municipalities added to the reference book"
    )


@db.command("seed")
@database_option
@click.option("--persons", default=2000, show_default=True, help="How many people to generate.")
@click.option("--seed", "seed_value", default=2026, show_default=True, help="Random seed: same seed, same people.")
@click.option("--months", default=24, show_default=True, help="Months of declared incomes (up to 2026-02).")
@click.option("--if-empty", is_flag=True, help="Only when the register holds nobody yet (for the demo).")
def db_seed(url: str | None, persons: int, seed_value: int, months: int, if_empty: bool) -> None:
    """Load a seeded synthetic population (COPY on PostgreSQL)."""
    from registry.seeding import seed
    from registry.synthetic import LOAD_ORDER

    engine = _engine(url)
    if if_empty:
        with transaction(engine) as session:
            present = session.execute(select(Person.id).limit(1)).first()
        if present:
            click.echo("the register already holds people: nothing seeded")
            return
    started = time.perf_counter()
    with (
        click.progressbar(length=len(LOAD_ORDER), label="loading the register") as bar,
        acting_as(_actor()),
        transaction(engine) as session,
    ):
        finished: set[str] = set()

        def progress(table: str, rows: int) -> None:
            if table not in finished:  # one step per table
                finished.add(table)
                bar.update(1)

        done = seed(session, persons, seed_value, months, progress=progress)
    elapsed = time.perf_counter() - started
    click.echo(f"{done.persons} persons in {done.households} households loaded in {elapsed:.1f} s")
    for loaded in done.loaded:
        click.echo(f"  {loaded.table:<18} {loaded.rows:>10,} rows")


@click.command("assess")
@database_option
@rules_option
@click.option("--period", required=True, help="The month of the applications, YYYY-MM.")
@click.option("--save", is_flag=True, help="Store every calculation.")
def assess(url: str | None, rules_dir: Path | None, period: str, save: bool) -> None:
    """Calculate every application registered in a month, for its measure and applicant."""
    month = Month.parse(period)
    ruleset = load_rules_or_exit(rules_dir)
    engine = _engine(url)
    started = time.perf_counter()
    statuses: Counter[tuple[str, str]] = Counter()
    totals: dict[str, Decimal] = defaultdict(Decimal)
    with acting_as(_actor()), transaction(engine) as session:
        applications = session.execute(
            select(Application.person_id, Application.measure)
            .where(Application.submitted_on >= month.start, Application.submitted_on <= month.end)
            .order_by(Application.id)
        ).all()
        with click.progressbar(applications, label=f"applications of {month}") as bar:
            for person_id, measure in bar:
                if measure not in ruleset.measures:
                    statuses[(measure, "unknown measure")] += 1
                    continue
                for outcome in calculate_for_person(session, ruleset, person_id, month, [measure], save):
                    result = outcome.result
                    if result.measure == measure and (result.person in (None, str(person_id))):
                        statuses[(measure, result.status)] += 1
                        if result.status == "eligible" and result.amount is not None:
                            totals[measure] += result.amount
    click.echo(
        f"{len(applications)} applications of {month} in {time.perf_counter() - started:.1f} s"
        f"{' (stored)' if save else ''}"
    )
    for measure in sorted({m for m, _ in statuses}):
        counts = ", ".join(
            f"{status} {statuses[(measure, status)]}"
            for status in ("eligible", "ineligible", "undetermined", "error", "unknown measure")
            if statuses[(measure, status)]
        )
        click.echo(f"  {measure}: {counts}; monthly total {totals[measure]} руб.")


@click.command("replay")
@database_option
@click.argument("calculation_id", type=int)
def replay_command(url: str | None, calculation_id: int) -> None:
    """Recompute a stored calculation on its stored rules and inputs; exit 1 unless it matches."""
    engine = _engine(url)
    with transaction(engine) as session:
        try:
            outcome = replay(session, calculation_id)
        except LookupError as exc:
            raise click.ClickException(str(exc)) from None
    result = outcome.replayed
    click.echo(f"calculation {calculation_id}: {result.measure}, {result.period}, rules {outcome.ruleset_version[:12]}")
    click.echo(f"  stored:   {outcome.stored['status']}, {outcome.stored['amount']}")
    click.echo(f"  replayed: {result.status}, {result.amount}")
    if outcome.matches:
        click.echo("matches to the kopeck, trace included")
        return
    for difference in outcome.differences:
        click.echo(f"  differs: {difference}")
    raise SystemExit(1)


@click.group()
def audit() -> None:
    """The audit log."""


@audit.command("verify")
@database_option
def audit_verify(url: str | None) -> None:
    """Walk the hash chain of the audit log; exit 1 at the first entry that was tampered with."""
    engine = _engine(url)
    with transaction(engine) as session:
        outcome = verify(session)
    if outcome.ok:
        click.echo(f"audit log intact: {outcome.entries} entries")
        return
    where = f" at entry {outcome.first_bad_id}" if outcome.first_bad_id else ""
    click.echo(f"audit log broken{where}: {outcome.problem}")
    raise SystemExit(1)


@click.command("load")
@database_option
@click.option("--persons", default=500_000, show_default=True)
@click.option("--months", default=12, show_default=True, help="Months of incomes per person.")
@click.option("--keep", is_flag=True, help="Commit the load (by default it is rolled back).")
@click.option("--json", "as_json", is_flag=True)
def bench_load(url: str | None, persons: int, months: int, keep: bool, as_json: bool) -> None:
    """Time loading a synthetic register (generation included) through the bulk path."""
    import json

    from registry.seeding import seed

    engine = _engine(url)
    started = time.perf_counter()
    with acting_as(_actor()), engine.connect() as connection:
        transaction_ = connection.begin()
        from sqlalchemy.orm import Session

        session = Session(bind=connection)
        done = seed(session, persons, 4242, months)
        session.flush()
        loaded_at = time.perf_counter()
        if keep:
            transaction_.commit()
        else:
            transaction_.rollback()
    figures = {
        "database": engine.dialect.name,
        "persons": done.persons,
        "rows": {loaded.table: loaded.rows for loaded in done.loaded},
        "seconds_generate_and_load": round(loaded_at - started, 2),
        "committed": keep,
    }
    if as_json:
        click.echo(json.dumps(figures, indent=2))
        return
    total = sum(figures["rows"].values())
    click.echo(
        f"{engine.dialect.name}: {done.persons:,} persons, {total:,} rows in all "
        f"({figures['rows']['incomes']:,} monthly incomes) generated and loaded in "
        f"{figures['seconds_generate_and_load']:.1f} s ({'committed' if keep else 'rolled back'})"
    )


@click.command("import")
@database_option
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--what",
    type=click.Choice(["persons", "households", "documents", "incomes", "housing", "categories", "deaths"]),
    default=None,
    help="What the file holds (default: from its header).",
)
@click.option("--encoding", default=None, help="Force the encoding of a CSV file (default: detected).")
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write the rejected rows (default: FILE.report.csv).",
)
def import_command(
    url: str | None, file: Path, what: str | None, encoding: str | None, report_path: Path | None
) -> None:
    """Load persons, households, documents, incomes, housing, categories or deaths from CSV, XLSX or JSON.

    Every row is checked; bad rows go to the report with row, field and reason, good rows load
    together — or, on a crash or Ctrl-C, none of them.
    """
    from registry.importing import ImportFileError, import_file

    engine = _engine(url)
    started = time.perf_counter()
    try:
        with (
            click.progressbar(length=0, label=f"reading {file.name}", show_pos=True) as bar,
            acting_as(_actor()),
            transaction(engine) as session,
        ):

            def progress(rows: int) -> None:
                bar.pos = rows
                bar.render_progress()

            report = import_file(session, file, what, encoding, report_path, progress)
    except ImportFileError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"{file}: {report.what}, {report.rows_read:,} rows read, {report.rows_loaded:,} loaded, "
        f"{report.rows_rejected:,} rejected ({report.encoding or 'binary'}) in "
        f"{time.perf_counter() - started:.1f} s"
    )
    if report.problems:
        click.echo(f"rejected rows are listed in {report.report_path}")
        for row, field, _value, reason in report.problems[:10]:
            click.echo(f"  row {row}, {field}: {reason}")
        if len(report.problems) > 10:
            click.echo(f"  ... and {len(report.problems) - 10} more")


@click.command("export")
@database_option
@click.option("--what", type=click.Choice(["persons", "assignments", "calculations"]), required=True)
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx", "json"]), required=True)
@click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Output file (default: WHAT.FORMAT).",
)
def export_command(url: str | None, what: str, fmt: str, out_path: Path | None) -> None:
    """Export persons, assignments or calculations in the shapes the import reads."""
    from registry.exporting import export

    engine = _engine(url)
    out_path = out_path or Path(f"{what}.{fmt}")
    with acting_as(_actor()), transaction(engine) as session:
        count = export(session, what, fmt, out_path)
    click.echo(f"{count:,} {what} written to {out_path}")
