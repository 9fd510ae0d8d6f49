"""``mera recalc`` and ``mera whatif``: batch work over the register."""

from __future__ import annotations

import getpass
import json
from pathlib import Path

import click

from engine import Month
from engine.allocator import keep_freed_memory
from engine.cli.common import load_rules_or_exit, rules_option
from measures.recalculation import ENGINES, PARTITION_SIZE, RecalcSummary, recalculate, resume
from registry.audit import acting_as
from registry.db import database_url, make_engine
from registry.migrate import current_revision, head_revision


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _db(url: str | None):  # type: ignore[no-untyped-def]
    url = database_url(url)
    engine = make_engine(url)
    if current_revision(engine) != head_revision():
        raise click.ClickException("the database is not at the newest schema: run `mera db upgrade`")
    return url, engine


def print_summary(summary: RecalcSummary) -> None:
    data = summary.as_dict()
    click.echo(
        f"run {summary.run_id}: {summary.persons:,} persons in {summary.households:,} households, "
        f"{len(summary.measures)} measures, {summary.partitions} partition(s), {summary.engine} engine, "
        f"{summary.seconds:.1f} s, peak memory {summary.peak_memory_mb:.0f} MB"
    )
    click.echo(
        f"  {'measure':<44} {'eligible':>9} {'undeterm.':>9} {'no appl.':>9} {'monthly total':>16}  new/lost/changed"
    )
    for measure, row in data["measures"].items():  # type: ignore[union-attr]
        changes = row["changes"]
        click.echo(
            f"  {measure:<44} {row['eligible']:>9,} {row['undetermined']:>9,} {row['not_applied']:>9,} "
            f"{row['monthly_total']:>16}  "
            f"{changes['new']}/{changes['lost']}/{changes['changed']}"
        )
    for failed in summary.failed:
        click.echo(f"  partition {failed.number} failed at household {failed.failed_household}: {failed.error}")
    if summary.failed:
        click.echo(f"resume with: mera recalc --resume {summary.run_id}")


@click.command("recalc")
@click.option("--period", default=None, help="The month to recalculate, YYYY-MM.")
@click.option("--measures", default=None, help="Measure codes, comma-separated (default: all).")
@click.option("--municipality", default=None, help="Only households of this OKTMO.")
@click.option("--engine", type=click.Choice(ENGINES), default="local", show_default=True)
@click.option("--workers", default=2, show_default=True, help="Processes (processes, dask).")
@click.option("--scheduler", default=None, help="Address of a Dask scheduler (default: a local cluster).")
@click.option("--dry-run", is_flag=True, help="Compute and report; write nothing.")
@click.option("--partition-size", default=PARTITION_SIZE, show_default=True, help="Households per partition.")
@click.option("--resume", "resume_run", type=int, default=None, help="Run the unfinished partitions of a run.")
@click.option("--database", "url", default=None, help="Database URL (default: $MERA_DATABASE_URL or SQLite).")
@click.option("--json", "as_json", is_flag=True)
@rules_option
def recalc(
    period: str | None,
    measures: str | None,
    municipality: str | None,
    engine: str,
    workers: int,
    scheduler: str | None,
    dry_run: bool,
    partition_size: int,
    resume_run: int | None,
    url: str | None,
    as_json: bool,
    rules_dir: Path | None,
) -> None:
    """Recalculate the register for a month, partition by partition, and record the changes
    against current assignments."""
    url, db_engine = _db(url)
    if resume_run is None and period is None:
        raise click.UsageError("give --period YYYY-MM (or --resume RUN_ID)")
    keep_freed_memory()  # a batch process (its workers do the same)
    with click.progressbar(length=1, label="partitions", show_pos=True) as bar, acting_as(_actor()):

        def progress(report, total: int) -> None:  # type: ignore[no-untyped-def]
            bar.length = total
            bar.update(1)

        if resume_run is not None:
            summary = resume(db_engine, url, resume_run, engine, workers, scheduler, progress)
        else:
            ruleset = load_rules_or_exit(rules_dir)
            codes = [code.strip() for code in measures.split(",")] if measures else None
            for code in codes or []:
                if code not in ruleset.measures:
                    raise click.BadParameter(f"no measure {code!r}", param_hint="--measures")
            summary = recalculate(
                db_engine,
                url,
                ruleset,
                Month.parse(period),
                codes,
                municipality,
                engine,  # type: ignore[arg-type]
                workers,
                scheduler,
                dry_run,
                partition_size,
                progress,
            )
    if as_json:
        click.echo(json.dumps(summary.as_dict(), ensure_ascii=False, indent=2))
    else:
        print_summary(summary)
    if not summary.ok:
        raise SystemExit(1)


def _roubles(kopecks: int) -> str:
    sign = "-" if kopecks < 0 else ""
    return f"{sign}{abs(int(kopecks)) // 100:,}.{abs(int(kopecks)) % 100:02d}".replace(",", " ")


@click.command("whatif")
@click.option("--period", required=True, help="The month, YYYY-MM.")
@click.option(
    "--rules",
    "draft_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The draft rules folder.",
)
@click.option(
    "--base-rules",
    "base_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The rules to compare with (default: the live rules).",
)
@click.option("--municipality", default=None, help="Only households of this OKTMO.")
@click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the report: .json (everything) or .csv (the changed households).",
)
@click.option("--explain-limit", default=None, type=int, help="Explain at most this many changes (default: all).")
@click.option("--database", "url", default=None)
def whatif_command(
    period: str,
    draft_dir: Path,
    base_dir: Path | None,
    municipality: str | None,
    out_path: Path | None,
    explain_limit: int | None,
    url: str | None,
) -> None:
    """The budget impact of a draft: recipients gained and lost and the change in monthly cost,
    by measure, municipality and funding source, and every household whose result changes, why."""
    import csv

    from measures.whatif import whatif
    from registry.db import read_view

    live = load_rules_or_exit(base_dir)
    draft = load_rules_or_exit(draft_dir)
    _url, engine = _db(url)
    keep_freed_memory()  # a batch process
    # one view of the register for every partition of both sides
    with click.progressbar(length=1, label="partitions") as bar, read_view(engine) as session:

        def progress(done: int, total: int) -> None:
            bar.length = total
            bar.update(1)

        report = whatif(
            session, live, draft, Month.parse(period), municipality, explain_limit=explain_limit, progress=progress
        )
    click.echo(
        f"what-if {period}: live {report.live_version[:12]} → draft {report.draft_version[:12]}, "
        f"{report.households:,} households"
    )
    click.echo(f"  {'measure':<44} {'gained':>7} {'lost':>7} {'monthly cost change':>22}")
    for row in report.by_measure.itertuples():
        if row.gained or row.lost or row.cost_change:
            click.echo(f"  {row.measure:<44} {row.gained:>7,} {row.lost:>7,} {_roubles(row.cost_change):>22}")
    for row in report.by_funding.itertuples():
        click.echo(f"  funding {row.funding}: {_roubles(row.cost_change)} a month")
    click.echo(f"{len(report.changes):,} results change; the first ones:")
    for change in report.changes[:10]:
        click.echo(
            f"  household {change.household_id}, person {change.person_id}, {change.measure}: "
            f"{change.live_status} → {change.draft_status}; {change.explanation}"
        )
    if out_path is not None:
        if out_path.suffix == ".json":
            out_path.write_text(json.dumps(report.as_dict(), ensure_ascii=False, indent=2, default=str), "utf-8")
        else:
            with out_path.open("w", newline="", encoding="utf-8-sig") as handle:
                writer = csv.writer(handle, delimiter=";")
                writer.writerow(
                    [
                        "household_id",
                        "person_id",
                        "measure",
                        "municipality",
                        "live_status",
                        "live_amount",
                        "draft_status",
                        "draft_amount",
                        "explanation",
                    ]
                )
                for change in report.changes:
                    writer.writerow(
                        [
                            change.household_id,
                            change.person_id,
                            change.measure,
                            change.municipality,
                            change.live_status,
                            change.live_amount,
                            change.draft_status,
                            change.draft_amount,
                            change.explanation,
                        ]
                    )
        click.echo(f"report written to {out_path}")


@click.command("batch")
@click.option("--persons", default=100_000, show_default=True)
@click.option(
    "--database",
    "url",
    default=None,
    help="Where to load the population (default: a temporary SQLite file; PostgreSQL via URL).",
)
@click.option("--workers", default=2, show_default=True, help="Processes for the end-to-end recalc.")
@click.option(
    "--threads", default=2, show_default=True, help="Threads for a second timing of the computation (1: none)."
)
@click.option("--json", "as_json", is_flag=True)
@rules_option
def bench_batch(
    persons: int, url: str | None, workers: int, threads: int, as_json: bool, rules_dir: Path | None
) -> None:
    """Throughput of the whole catalogue with the vector backend, and `mera recalc` end to end.

    Loads a synthetic population of PERSONS into the database, builds the frames once, times the
    computation alone, then times a full recalculation from the database and back.
    """
    import resource
    import tempfile
    import time

    import sqlalchemy as sa

    from engine.batch import evaluate_catalogue, prepare
    from registry.db import read_view, transaction
    from registry.frames import partition_frames
    from registry.migrate import upgrade
    from registry.seeding import seed

    ruleset = load_rules_or_exit(rules_dir)
    period = Month(2026, 3)
    keep_freed_memory()  # as `mera recalc` does
    scratch = tempfile.TemporaryDirectory() if url is None else None
    url = f"sqlite:///{scratch.name}/bench.sqlite3" if scratch is not None else database_url(url)
    db_engine = make_engine(url)
    if db_engine.dialect.name == "postgresql":
        with db_engine.begin() as connection:
            connection.execute(sa.text("DROP SCHEMA public CASCADE"))
            connection.execute(sa.text("CREATE SCHEMA public"))
    upgrade(db_engine)
    figures: dict[str, object] = {
        "database": db_engine.dialect.name,
        "persons": persons,
        "measures": len(ruleset.measures),
    }
    started = time.perf_counter()
    with acting_as(_actor()), transaction(db_engine) as session:
        seed(session, persons, 2026, 24)
    figures["seconds_load"] = round(time.perf_counter() - started, 2)
    started = time.perf_counter()
    with read_view(db_engine) as session:  # as a recalculation partition reads
        frames, _ids, _persons = partition_frames(session, period.end, household_ids=None)
    figures["seconds_frames"] = round(time.perf_counter() - started, 2)
    prepare(ruleset)  # compiling the formulas: what a batch process does once, when it loads the rules
    evaluate_catalogue(ruleset, frames, period)  # warm-up (imports)
    timings: dict[int, list[float]] = {}
    for count in dict.fromkeys([1, threads]):  # one thread first: its peak memory, then the threads'
        timings[count] = []
        for _run in range(3):  # a noisy machine: the median of three, and the best
            results = None  # the last run's results are not kept while this one computes
            started = time.perf_counter()
            results = evaluate_catalogue(ruleset, frames, period, threads=count)
            timings[count].append(time.perf_counter() - started)
        suffix = "" if count == 1 else f"_{count}_threads"
        figures[f"seconds_compute{suffix}"] = round(sorted(timings[count])[1], 3)
        figures[f"seconds_compute{suffix}_best"] = round(min(timings[count]), 3)
        figures[f"peak_memory_mb_compute{suffix}"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    compute = sorted(timings[1])[1]
    figures["results"] = len(results)
    figures["person_measure_evaluations_per_second"] = int(len(frames.members) * len(ruleset.measures) / compute)
    del frames, results
    for engine_name in ("local", "processes"):
        started = time.perf_counter()
        with acting_as(_actor()):
            summary = recalculate(
                db_engine,
                url,
                ruleset,
                period,
                engine=engine_name,
                workers=workers,
                partition_size=max(1000, persons // (4 * workers)),
            )
        figures[f"seconds_recalc_{engine_name}"] = round(time.perf_counter() - started, 2)
        figures[f"peak_memory_mb_recalc_{engine_name}"] = round(summary.peak_memory_mb, 1)
    db_engine.dispose()
    if scratch is not None:
        scratch.cleanup()
    if as_json:
        click.echo(json.dumps(figures, indent=2))
        return
    for key, value in figures.items():
        click.echo(f"{key:<42} {value}")
