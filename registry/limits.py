"""Limits that hold across every process of the web application (``mera serve --workers N``
runs N): attempts per client address in a sliding window, and runs a user may have going at
once. They are rows of the register, not counters in one process's memory, so a limit of 30 is
30 however many processes serve. Client addresses are kept as SHA-256 digests only.

A check and its count are one step for every process: two processes checking the same key at the
same instant take turns (``_take_turn``), so neither lets one through over the limit.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from registry.models import RateEvent, RunLease
from registry.staff import digest, moment_or_now


def allow_attempt(
    session: Session, kind: str, key: str, limit: int, window: timedelta, now: datetime | None = None
) -> bool:
    """Count an attempt of ``key`` (a client address ...) unless it already made ``limit`` of
    this kind within ``window``: False then, and nothing is counted."""
    moment = moment_or_now(now)
    key_hash = digest(f"{kind}\x1f{key}")
    _take_turn(session, key_hash)
    session.execute(delete(RateEvent).where(RateEvent.kind == kind, RateEvent.at <= moment - window))
    made = session.execute(
        select(func.count()).select_from(RateEvent).where(RateEvent.kind == kind, RateEvent.key_hash == key_hash)
    ).scalar_one()
    if made >= limit:
        return False
    session.add(RateEvent(kind=kind, key_hash=key_hash, at=moment))
    session.flush()
    return True


def take_lease(
    session: Session, kind: str, user_id: int, limit: int, stale_after: timedelta, now: datetime | None = None
) -> int | None:
    """A lease on one of the ``limit`` runs of a kind a user may have going at once: its id, or
    None when they are all taken. A lease older than ``stale_after`` is a run whose process died
    before it ended, and no longer counts."""
    moment = moment_or_now(now)
    _take_turn(session, digest(f"lease\x1f{kind}\x1f{user_id}"))
    session.execute(delete(RunLease).where(RunLease.kind == kind, RunLease.started_at <= moment - stale_after))
    if leases_of(session, kind, user_id) >= limit:
        return None
    lease = RunLease(kind=kind, user_id=user_id, started_at=moment)
    session.add(lease)
    session.flush()
    return lease.id


def end_lease(session: Session, lease_id: int) -> None:
    session.execute(delete(RunLease).where(RunLease.id == lease_id))


def leases_of(session: Session, kind: str, user_id: int) -> int:
    """How many runs of a kind the user has going."""
    return session.execute(
        select(func.count()).select_from(RunLease).where(RunLease.kind == kind, RunLease.user_id == user_id)
    ).scalar_one()


def _take_turn(session: Session, key_hash: str) -> None:
    """Wait until no other transaction checks the same key, and hold the turn until this one
    ends: a count then an insert would otherwise let two transactions both see room for one.
    PostgreSQL: a transaction-level advisory lock on the key's first 64 bits. SQLite: the
    delete of expired rows that every check begins with takes the database's write lock (held
    to the end of the transaction; another writer waits for it), so there is nothing to add."""
    if session.get_bind().dialect.name == "postgresql":
        number = int.from_bytes(bytes.fromhex(key_hash[:16]), "big", signed=True)
        session.execute(text("SELECT pg_advisory_xact_lock(:number)"), {"number": number})
