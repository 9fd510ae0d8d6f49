"""The audit log: every change of the register is journaled — who, when, what, before, after —
in an append-only table whose rows form a hash chain, so an edit, a deletion or a reordering
made behind the application's back is detected by ``mera audit verify``.

Changes made through the ORM are captured by a session listener after each flush; bulk loads
(COPY) write one entry per batch naming the table, the row count and the id range.
"""

from __future__ import annotations

import contextvars
import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import event, insert, inspect, select, update
from sqlalchemy.orm import Session

from registry.models import AUDITED, AuditEntry, AuditHead

_actor: contextvars.ContextVar[str] = contextvars.ContextVar("mera_actor", default="system")
GENESIS = "0" * 64
MASKED = {"password_hash", "token_hash"}  # journaled as changed, never with their values


def current_actor() -> str:
    return _actor.get()


@contextmanager
def acting_as(actor: str) -> Iterator[None]:
    """Attribute the changes made inside the block to ``actor`` (a user login, ``cli:name`` ...)."""
    token = _actor.set(actor)
    try:
        yield
    finally:
        _actor.reset(token)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def entry_hash(
    prev_hash: str, entry_id: int, at: str, actor: str, action: str, table: str, row_id: str | None, changes: str
) -> str:
    """The link of the chain: SHA-256 of the previous hash and this entry's canonical form."""
    canonical = json.dumps(
        [prev_hash, entry_id, at, actor, action, table, row_id, changes], ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _changes(instance: Any, action: str) -> dict[str, list[Any]]:
    state = inspect(instance)
    found: dict[str, list[Any]] = {}
    for attribute in state.mapper.column_attrs:
        key = attribute.key
        history = state.attrs[key].history
        if key in MASKED:
            if action != "update" or history.has_changes():
                found[key] = ["***", "***"]
            continue
        if action == "insert":
            value = getattr(instance, key)
            if value is not None:
                found[key] = [None, _plain(value)]
        elif action == "delete":
            old = history.unchanged[0] if history.unchanged else (history.deleted[0] if history.deleted else None)
            found[key] = [_plain(old), None]
        elif history.has_changes():
            old = history.deleted[0] if history.deleted else None
            new = history.added[0] if history.added else None
            found[key] = [_plain(old), _plain(new)]
    return found


def _row_id(instance: Any) -> str:
    state = inspect(instance)
    identity = state.identity or state.mapper.primary_key_from_instance(instance)
    return "/".join(str(part) for part in identity) if identity and None not in identity else "?"


def append(session: Session, entries: list[tuple[str, str, str | None, dict[str, Any]]]) -> None:
    """Append entries (action, table, row id, changes) to the chain, under the head row's lock."""
    if not entries:
        return
    connection = session.connection()
    if connection.dialect.name == "sqlite":  # SQLite has no FOR UPDATE: take the write lock before reading
        connection.execute(update(AuditHead).where(AuditHead.id == 1).values(last_id=AuditHead.last_id))
    head = connection.execute(
        select(AuditHead.last_id, AuditHead.last_hash).where(AuditHead.id == 1).with_for_update()
    ).one()
    last_id, previous = head
    at = datetime.now(UTC)
    stamp = at.isoformat()
    actor = current_actor()
    rows = []
    for action, table, row_id, changes in entries:
        last_id += 1
        text = json.dumps(changes, ensure_ascii=False, sort_keys=True)
        digest = entry_hash(previous, last_id, stamp, actor, action, table, row_id, text)
        rows.append(
            {
                "id": last_id,
                "at": at,
                "actor": actor,
                "action": action,
                "table_name": table,
                "row_id": row_id,
                "changes": text,
                "prev_hash": previous,
                "hash": digest,
            }
        )
        previous = digest
    connection.execute(insert(AuditEntry), rows)
    connection.execute(update(AuditHead).where(AuditHead.id == 1).values(last_id=last_id, last_hash=previous))


_PENDING = "mera_journal"


def journal(session: Session, action: str, table: str, row_id: str | None, details: dict[str, Any]) -> None:
    """Journal an event that is not a row change: a read of personal data (``read``), a login,
    a failed login, a lockout, a logout. Ids and counts only, never the data read.

    The entry joins the chain when the transaction commits (``flush_journal`` adds it at once):
    the chain's head is locked only for the last moment of a transaction, not while a page that
    read a person is still being rendered. A transaction rolled back journals nothing."""
    session.info.setdefault(_PENDING, []).append((action, table, row_id, details))


def flush_journal(session: Session) -> None:
    """Append the entries journaled in this transaction so far."""
    entries = session.info.pop(_PENDING, None)
    if entries:
        append(session, entries)


@event.listens_for(Session, "before_commit")
def _journal_commit(session: Session) -> None:
    flush_journal(session)


@event.listens_for(Session, "after_rollback")
def _journal_forget(session: Session) -> None:
    session.info.pop(_PENDING, None)


@event.listens_for(Session, "after_flush")
def _journal_flush(session: Session, _context: Any) -> None:
    entries = []
    for action, instances in (("insert", session.new), ("update", session.dirty), ("delete", session.deleted)):
        for instance in instances:
            if not isinstance(instance, AUDITED):
                continue
            if action == "update" and not session.is_modified(instance, include_collections=False):
                continue
            changes = _changes(instance, action)
            if action == "update" and not changes:
                continue
            entries.append((action, instance.__tablename__, _row_id(instance), changes))
    append(session, entries)


@dataclass(frozen=True, slots=True)
class Verification:
    entries: int
    first_bad_id: int | None
    problem: str | None

    @property
    def ok(self) -> bool:
        return self.first_bad_id is None and self.problem is None


def verify(session: Session, batch: int = 10_000) -> Verification:
    """Walk the chain from the start: every hash recomputed, every link and id in sequence."""
    expected_prev = GENESIS
    expected_id = 1
    count = 0
    last_seen = 0
    while True:
        rows = (
            session.execute(select(AuditEntry).where(AuditEntry.id > last_seen).order_by(AuditEntry.id).limit(batch))
            .scalars()
            .all()
        )
        if not rows:
            break
        for row in rows:
            count += 1
            if row.id != expected_id:
                return Verification(count, row.id, f"entry {expected_id} is missing (found {row.id} next)")
            if row.prev_hash != expected_prev:
                return Verification(count, row.id, "the link to the previous entry is broken")
            at = row.at.replace(tzinfo=UTC) if row.at.tzinfo is None else row.at.astimezone(UTC)
            recomputed = entry_hash(
                row.prev_hash, row.id, at.isoformat(), row.actor, row.action, row.table_name, row.row_id, row.changes
            )
            if recomputed != row.hash:
                return Verification(count, row.id, "the entry was altered after it was written")
            expected_prev = row.hash
            expected_id += 1
            last_seen = row.id
        session.expunge_all()
    head = session.execute(select(AuditHead).where(AuditHead.id == 1)).scalar_one()
    if head.last_id != expected_id - 1 or head.last_hash != expected_prev:
        return Verification(count, None, f"the chain ends at {expected_id - 1} but its head says {head.last_id}")
    return Verification(count, None, None)
