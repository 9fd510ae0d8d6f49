"""Load a seeded synthetic population into the register (``mera db seed``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import Month
from registry.bulk import Loaded, load_frame, next_id, sync_sequence
from registry.models import CaseCounter
from registry.people import sync_reference
from registry.synthetic import LAST_DECLARED_MONTH, LOAD_ORDER, generate


@dataclass(frozen=True, slots=True)
class Seeded:
    persons: int
    households: int
    loaded: tuple[Loaded, ...]


def seed(
    session: Session,
    persons: int,
    seed: int = 2026,
    months: int = 24,
    last_month: Month = LAST_DECLARED_MONTH,
    progress: Callable[[str, int], None] | None = None,
) -> Seeded:
    """Generate ``persons`` people and load them, in the session's transaction."""
    sync_reference(session)
    counters = {row.oktmo: row.last for row in session.execute(select(CaseCounter).with_for_update()).scalars()}
    first_ids = {table: next_id(session, table) for table in LOAD_ORDER}
    population = generate(persons, seed, months, last_month, first_ids=first_ids, case_offsets=counters)
    loaded = [load_frame(session, table, population[table], progress=progress) for table in LOAD_ORDER]
    for table in LOAD_ORDER:
        sync_sequence(session, table)
    for oktmo, last in zip(population["case_counters"]["oktmo"], population["case_counters"]["last"], strict=True):
        counter = session.get(CaseCounter, oktmo)
        counter.last = int(last)
    session.flush()
    return Seeded(population.persons, len(population["households"]), tuple(loaded))
