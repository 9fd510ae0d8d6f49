"""Batch recalculation of the register: partitions of households, run in-process, in a process
pool or on a Dask cluster, each written whole or not at all; a failed run is resumed by running
its unfinished partitions again."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import Month, RuleSet
from engine.allocator import keep_freed_memory
from measures.partitions import PartitionReport, PartitionTask, dispose_engines, now, run_partition
from registry.audit import current_actor
from registry.db import transaction
from registry.models import Household, Membership, RecalcPartition, RecalcRun
from registry.rulesets import load_ruleset_version, store_ruleset

ENGINES = ("local", "processes", "dask")


@dataclass(frozen=True, slots=True)
class RecalcSummary:
    run_id: int
    period: str
    engine: str
    households: int
    persons: int
    partitions: int
    failed: tuple[PartitionReport, ...]
    statuses: dict[tuple[str, str], int]
    totals: dict[str, int]  # kopecks per measure
    changes: dict[tuple[str, str], int]
    seconds: float
    peak_memory_mb: float
    measures: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.failed

    def as_dict(self) -> dict[str, object]:
        return {
            "run_id": self.run_id,
            "period": self.period,
            "engine": self.engine,
            "households": self.households,
            "persons": self.persons,
            "partitions": self.partitions,
            "seconds": round(self.seconds, 2),
            "peak_memory_mb": round(self.peak_memory_mb, 1),
            "measures": {
                measure: {
                    "eligible": self.statuses.get((measure, "eligible"), 0),
                    "undetermined": self.statuses.get((measure, "undetermined"), 0),
                    "not_applied": self.statuses.get((measure, "not_applied"), 0),  # granted on application
                    "error": self.statuses.get((measure, "error"), 0),
                    "monthly_total": _roubles(self.totals.get(measure, 0)),
                    "changes": {
                        kind: self.changes.get((measure, kind), 0)
                        for kind in ("new", "lost", "changed", "undetermined")
                    },
                }
                for measure in self.measures
            },
            "failed_partitions": [
                {"number": r.number, "error": r.error, "household": r.failed_household} for r in self.failed
            ],
        }


def _roubles(kopecks: int) -> str:
    sign = "-" if kopecks < 0 else ""
    return f"{sign}{abs(kopecks) // 100}.{abs(kopecks) % 100:02d}"


# Households per partition by default: each partition's reads scan the register's large tables
# (incomes, charges, declarations) once, so fewer, larger partitions read faster — 50,000
# households (about 125,000 people) hold about 0.75 GB in a worker, two workers under 2 GB.
PARTITION_SIZE = 50_000


def household_ranges(session: Session, on: date, municipality: str | None, size: int) -> list[list[int]]:
    """The households with members on a date (of a municipality), in id order, in chunks."""
    query = (
        select(Household.id)
        .where(Household.id.in_(select(Membership.household_id).where(Membership.valid_from <= on)))
        .order_by(Household.id)
    )
    if municipality is not None:
        query = query.where(Household.municipality == municipality)
    ids = list(session.execute(query).scalars())
    return [ids[start : start + size] for start in range(0, len(ids), size)]


def start_run(
    session: Session,
    ruleset: RuleSet,
    period: Month,
    measures: list[str],
    municipality: str | None,
    engine: str,
    dry_run: bool,
    partition_size: int,
) -> tuple[RecalcRun, list[list[int]]]:
    store_ruleset(session, ruleset)
    run = RecalcRun(
        started_at=now(),
        actor=current_actor(),
        period=period.start,
        ruleset_version=ruleset.version,
        measures=json.dumps(measures),
        municipality=municipality,
        engine=engine,
        dry_run=dry_run,
        status="running",
    )
    session.add(run)
    session.flush()
    chunks = household_ranges(session, period.end, municipality, partition_size)
    for number, chunk in enumerate(chunks):
        session.add(
            RecalcPartition(
                run_id=run.id,
                number=number,
                first_household=chunk[0],
                last_household=chunk[-1],
                households=len(chunk),
                status="pending",
            )
        )
    session.flush()
    return run, chunks


def _tasks(run: RecalcRun, ruleset: RuleSet, url: str, chunks: dict[int, list[int]]) -> list[PartitionTask]:
    return [
        PartitionTask(
            run.id,
            number,
            tuple(ids),
            url,
            ruleset.version,
            dict(ruleset.files),
            ruleset.label,
            str(Month.of(run.period)),
            tuple(json.loads(run.measures)),
            run.dry_run,
            run.actor,
            run.municipality,
        )
        for number, ids in sorted(chunks.items())
    ]


def execute(tasks: list[PartitionTask], engine: str, workers: int, scheduler: str | None) -> Iterator[PartitionReport]:
    """Run partition tasks on the chosen engine; reports arrive as partitions finish."""
    if engine == "local" or not tasks:
        for task in tasks:
            yield run_partition(task)
        return
    if engine == "processes":
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed

        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=keep_freed_memory) as pool:
            futures = [pool.submit(run_partition, task) for task in tasks]
            for future in as_completed(futures):
                yield future.result()
        return
    if engine == "dask":
        from distributed import Client, LocalCluster, as_completed

        cluster = None
        if scheduler is None:
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
            client = Client(cluster)
        else:
            client = Client(scheduler)
        try:
            client.run(keep_freed_memory)  # batch workers: freed columns kept for reuse (engine.allocator)
            futures = client.map(run_partition, tasks, pure=False)
            for future in as_completed(futures):
                yield future.result()
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
        return
    raise ValueError(f"unknown engine {engine!r}: {', '.join(ENGINES)}")


def recalculate(
    db_engine,
    url: str,
    ruleset: RuleSet,
    period: Month,
    measures: list[str] | None = None,  # type: ignore[no-untyped-def]
    municipality: str | None = None,
    engine: str = "local",
    workers: int = 2,
    scheduler: str | None = None,
    dry_run: bool = False,
    partition_size: int = PARTITION_SIZE,
    progress: Callable[[PartitionReport, int], None] | None = None,
) -> RecalcSummary:
    """Recalculate every measure (or the listed ones) for the register's households."""
    measures = measures or sorted(ruleset.measures)
    with transaction(db_engine) as session:
        run, chunks = start_run(session, ruleset, period, measures, municipality, engine, dry_run, partition_size)
        run_id = run.id
    return _run(db_engine, url, run_id, ruleset, dict(enumerate(chunks)), engine, workers, scheduler, progress)


def resume(
    db_engine,
    url: str,
    run_id: int,
    engine: str = "local",
    workers: int = 2,  # type: ignore[no-untyped-def]
    scheduler: str | None = None,
    progress: Callable[[PartitionReport, int], None] | None = None,
) -> RecalcSummary:
    """Run the partitions of a run that did not finish (failed or never done)."""
    with transaction(db_engine) as session:
        run = session.get(RecalcRun, run_id)
        if run is None:
            raise LookupError(f"no recalculation run {run_id}")
        ruleset = load_ruleset_version(session, run.ruleset_version)
        pending = (
            session.execute(
                select(RecalcPartition).where(RecalcPartition.run_id == run_id, RecalcPartition.status != "done")
            )
            .scalars()
            .all()
        )
        chunks = {}
        for partition in pending:
            query = select(Household.id).where(
                Household.id >= partition.first_household, Household.id <= partition.last_household
            )
            if run.municipality:
                query = query.where(Household.municipality == run.municipality)
            ids = session.execute(query.order_by(Household.id)).scalars().all()
            chunks[partition.number] = list(ids)
        run.status = "running"
    return _run(db_engine, url, run_id, ruleset, chunks, engine, workers, scheduler, progress)


def _run(
    db_engine,
    url: str,
    run_id: int,
    ruleset: RuleSet,
    chunks: dict[int, list[int]],
    engine: str,  # type: ignore[no-untyped-def]
    workers: int,
    scheduler: str | None,
    progress: Callable[[PartitionReport, int], None] | None,
) -> RecalcSummary:
    started = time.perf_counter()
    with transaction(db_engine) as session:
        run = session.get(RecalcRun, run_id)
        tasks = _tasks(run, ruleset, url, chunks)
        measures = tuple(json.loads(run.measures))
        period = str(Month.of(run.period))
    reports: list[PartitionReport] = []
    try:
        for report in execute(tasks, engine, workers, scheduler):
            reports.append(report)
            if progress is not None:
                progress(report, len(tasks))
    finally:
        dispose_engines()
    summary = summarise(run_id, period, engine, reports, measures, time.perf_counter() - started)
    with transaction(db_engine) as session:
        run = session.get(RecalcRun, run_id)
        done = session.execute(select(RecalcPartition.status).where(RecalcPartition.run_id == run_id)).scalars().all()
        run.status = "done" if (all(s == "done" for s in done) or run.dry_run) and summary.ok else "failed"
        run.finished_at = now()
        run.summary = json.dumps(summary.as_dict(), ensure_ascii=False)
    return summary


def summarise(
    run_id: int, period: str, engine: str, reports: Iterable[PartitionReport], measures: tuple[str, ...], seconds: float
) -> RecalcSummary:
    reports = list(reports)
    statuses: Counter[tuple[str, str]] = Counter()
    totals: Counter[str] = Counter()
    changes: Counter[tuple[str, str]] = Counter()
    for report in reports:
        statuses.update(report.statuses)
        totals.update(report.totals)
        changes.update(report.changes)
    return RecalcSummary(
        run_id=run_id,
        period=period,
        engine=engine,
        households=sum(r.households for r in reports),
        persons=sum(r.persons for r in reports),
        partitions=len(reports),
        failed=tuple(sorted((r for r in reports if not r.ok), key=lambda r: r.number)),
        statuses=dict(statuses),
        totals=dict(totals),
        changes=dict(changes),
        seconds=seconds,
        peak_memory_mb=max((r.peak_memory_mb for r in reports), default=0.0),
        measures=measures,
    )
