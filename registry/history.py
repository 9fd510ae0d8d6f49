"""The auditor's services: the history of stored calculations, a calculation with its trace, its
replay on the stored rules, and the audit log with its chain check — each on behalf of an actor,
checked against the role and the territorial scope, and journaled.

A calculation belongs to the municipality of its person (of its household when it has no
person): a calculation outside the actor's scope is reported exactly like a missing one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import Month
from registry.access import Actor, NotFoundError, require, require_scope
from registry.audit import Verification, journal, verify
from registry.calculations import Replay, replay
from registry.casework import journal_read
from registry.identifiers import full_name, mask_snils, normalize_snils, validate_case_number, validate_snils
from registry.models import AuditEntry, Calculation, Household, Municipality, Person, RuleSetRecord
from registry.people import RegisterError

PAGE_SIZE = 50
_LOGIN = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")
_WORD = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_HEX = re.compile(r"^[0-9a-f]{1,64}$")

# What the audit log's actions mean, for the filter and the table.
ACTIONS: dict[str, str] = {
    "insert": "добавление",
    "update": "изменение",
    "delete": "удаление",
    "bulk_insert": "загрузка",
    "read": "просмотр",
    "login": "вход",
    "login_failed": "неудачный вход",
    "login_refused": "вход отклонен",
    "lockout": "блокировка",
    "logout": "выход",
    "sessions_ended": "сеансы завершены",
    "replay": "повторный расчет",
    "verify": "проверка журнала",
}


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a list, newest first; ``number`` counts from 1."""

    rows: tuple[Any, ...]
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def _page_number(value: int) -> int:
    return min(max(int(value or 1), 1), 100_000)


def _day(value: str, field: str, problems: list[tuple[str, str]]) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        problems.append((field, "укажите дату, например 2026-03-01"))
        return None


def _range(created_from: date | None, created_to: date | None, problems: list[tuple[str, str]]) -> None:
    if created_from and created_to and created_from > created_to:
        problems.append(("created_to", "дата «по» не может быть раньше даты «с»"))


def _start(day: date, zone: tzinfo) -> datetime:
    """The first moment of a day in the office's time zone (pages show moments in it too)."""
    return datetime.combine(day, time.min, tzinfo=zone)


# -- calculation history ---------------------------------------------------------------------


HISTORY_FIELDS = ("person", "measure", "period", "version", "user", "created_from", "created_to")


@dataclass(frozen=True, slots=True)
class HistoryFilters:
    person_id: int | None = None
    snils: str | None = None
    case_number: str | None = None
    measure: str | None = None
    period: date | None = None
    version: str | None = None
    user: str | None = None
    created_from: date | None = None
    created_to: date | None = None
    zone: tzinfo = UTC  # the office's time zone: a day of the form is a day there


def history_filters(args: Mapping[str, str], zone: tzinfo = UTC) -> HistoryFilters:
    """Read the history filter form (``person``: register id, SNILS or case number; ``measure``;
    ``period`` YYYY-MM; ``version``: the rules version or its beginning; ``user``; ``created_from``
    and ``created_to``); ``RegisterError`` names each bad field."""
    problems: list[tuple[str, str]] = []
    text = {key: (args.get(key) or "").strip()[:100] for key in HISTORY_FIELDS}
    person_id = snils = case_number = None
    person = text["person"]
    if person:
        digits = normalize_snils(person)  # without spaces and hyphens
        if not (digits.isascii() and digits.isdigit()):
            problems.append(("person", "укажите номер человека в реестре, СНИЛС или номер личного дела"))
        elif len(digits) == 11:
            reason = validate_snils(digits)
            if reason:
                problems.append(("person", reason))
            snils = digits
        elif len(digits) == 18:
            reason = validate_case_number(digits)
            if reason:
                problems.append(("person", reason))
            case_number = digits
        elif len(digits) <= 10:
            person_id = int(digits)
        else:
            problems.append(("person", "укажите номер человека в реестре, СНИЛС (11 цифр) или номер дела (18 цифр)"))
    measure = text["measure"] or None
    if measure and not _WORD.match(measure):
        problems.append(("measure", "выберите меру из списка"))
    period = None
    if text["period"]:
        try:
            period = Month.parse(text["period"]).start
        except ValueError:
            problems.append(("period", "укажите месяц в виде ГГГГ-ММ, например 2026-03"))
    version = text["version"].lower() or None
    if version and not _HEX.match(version):
        problems.append(("version", "версия правил состоит из цифр и латинских букв a–f"))
    user = text["user"] or None
    if user and not _LOGIN.match(user):
        problems.append(("user", "логин: латинские буквы, цифры, точка, дефис или подчеркивание"))
    created_from = _day(text["created_from"], "created_from", problems)
    created_to = _day(text["created_to"], "created_to", problems)
    _range(created_from, created_to, problems)
    if problems:
        raise RegisterError(problems)
    return HistoryFilters(person_id, snils, case_number, measure, period, version, user, created_from, created_to, zone)


@dataclass(frozen=True, slots=True)
class HistoryRow:
    id: int
    created_at: datetime
    user: str
    person_id: int | None
    person_name: str
    snils: str  # masked
    measure: str
    period: date
    status: str
    amount: Decimal | None
    version: str  # the first 12 characters

    @property
    def month(self) -> str:
        return f"{self.period:%Y-%m}"


def _municipality():  # type: ignore[no-untyped-def]
    """The municipality a calculation belongs to: its person's, else its household's."""
    return func.coalesce(Person.municipality, Household.municipality)


def calculation_history(session: Session, actor: Actor, filters: HistoryFilters, page: int = 1) -> Page:
    """Stored calculations the actor may see, newest first, ``PAGE_SIZE`` a page."""
    require(actor, "calculation.history")
    number = _page_number(page)
    query = (
        select(
            Calculation.id,
            Calculation.created_at,
            Calculation.actor,
            Calculation.person_id,
            Calculation.measure,
            Calculation.period,
            Calculation.status,
            Calculation.amount,
            Calculation.ruleset_version,
            Person.last_name,
            Person.first_name,
            Person.middle_name,
            Person.snils,
        )
        .outerjoin(Person, Person.id == Calculation.person_id)
        .outerjoin(Household, Household.id == Calculation.household_id)
        .where(actor.scope_clause(_municipality()))
    )
    if filters.person_id is not None:
        query = query.where(Calculation.person_id == filters.person_id)
    if filters.snils:
        query = query.where(Person.snils == filters.snils)
    if filters.case_number:
        query = query.where(Person.case_number == filters.case_number)
    if filters.measure:
        query = query.where(Calculation.measure == filters.measure)
    if filters.period:
        query = query.where(Calculation.period == filters.period)
    if filters.version:
        query = query.where(Calculation.ruleset_version.startswith(filters.version))
    if filters.user:
        query = query.where(Calculation.actor == filters.user)
    if filters.created_from:
        query = query.where(Calculation.created_at >= _start(filters.created_from, filters.zone))
    if filters.created_to:
        query = query.where(Calculation.created_at < _start(filters.created_to + timedelta(days=1), filters.zone))
    query = query.order_by(Calculation.id.desc()).offset((number - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)
    found = session.execute(query).all()
    rows = tuple(
        HistoryRow(
            id=row.id,
            created_at=row.created_at,
            user=row.actor,
            person_id=row.person_id,
            person_name=full_name(row.last_name, row.first_name, row.middle_name),
            snils=mask_snils(row.snils),
            measure=row.measure,
            period=row.period,
            status=row.status,
            amount=row.amount,
            version=row.ruleset_version[:12],
        )
        for row in found[:PAGE_SIZE]
    )
    persons = sorted({row.person_id for row in rows if row.person_id is not None})
    journal_read(session, "persons", persons, "calculation_history")
    return Page(rows, number, len(found) > PAGE_SIZE)


# -- one calculation -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CalculationDetail:
    id: int
    created_at: datetime
    user: str
    person_id: int | None
    person_name: str
    snils: str  # masked
    household_id: int | None
    household_reference: str | None
    member: str | None
    measure: str
    title: str
    period: date
    status: str
    amount: Decimal | None
    version: str
    version_stored_at: datetime | None
    members: int
    application: dict[str, Any] | None
    result: dict[str, Any]  # Result.as_dict() as stored, with the trace

    @property
    def version_short(self) -> str:
        return self.version[:12]


def _calculation_for(session: Session, actor: Actor, calculation_id: int) -> Calculation:
    """A calculation the actor may see; a foreign or missing id is the same ``NotFoundError``."""
    record = session.get(Calculation, calculation_id)
    if record is None:
        raise NotFoundError("расчет не найден")
    municipality = None
    if record.person_id is not None:
        municipality = session.execute(select(Person.municipality).where(Person.id == record.person_id)).scalar()
    if municipality is None and record.household_id is not None:
        municipality = session.execute(
            select(Household.municipality).where(Household.id == record.household_id)
        ).scalar()
    require_scope(actor, municipality, "расчет не найден")
    return record


def calculation_detail(session: Session, actor: Actor, calculation_id: int) -> CalculationDetail:
    """A stored calculation with its result and trace, and a summary of the snapshot it used."""
    require(actor, "calculation.history")
    record = _calculation_for(session, actor, calculation_id)
    person = session.get(Person, record.person_id) if record.person_id is not None else None
    household = session.get(Household, record.household_id) if record.household_id is not None else None
    rules = session.get(RuleSetRecord, record.ruleset_version)
    result = json.loads(record.result)
    snapshot = json.loads(record.snapshot)
    if person is not None:
        journal_read(session, "persons", [person.id], "calculation_detail")
    return CalculationDetail(
        id=record.id,
        created_at=record.created_at,
        user=record.actor,
        person_id=record.person_id,
        person_name=full_name(person.last_name, person.first_name, person.middle_name) if person else "—",
        snils=mask_snils(person.snils) if person else "—",
        household_id=record.household_id,
        household_reference=household.reference if household else None,
        member=record.member,
        measure=record.measure,
        title=result.get("title") or record.measure,
        period=record.period,
        status=record.status,
        amount=record.amount,
        version=record.ruleset_version,
        version_stored_at=rules.stored_at if rules else None,
        members=len(snapshot.get("members") or ()),
        application=snapshot.get("application"),
        result=result,
    )


def replay_calculation(session: Session, actor: Actor, calculation_id: int) -> Replay:
    """Recompute a stored calculation on its stored rules and snapshot, and compare."""
    require(actor, "calculation.replay")
    _calculation_for(session, actor, calculation_id)
    outcome = replay(session, calculation_id)
    journal(
        session,
        "replay",
        "calculations",
        str(calculation_id),
        {"matches": outcome.matches, "differences": len(outcome.differences)},
    )
    return outcome


# -- the audit log ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AuditFilters:
    actor: str | None = None
    table: str | None = None
    action: str | None = None
    row_id: str | None = None
    created_from: date | None = None
    created_to: date | None = None
    zone: tzinfo = UTC  # the office's time zone: a day of the form is a day there


AUDIT_FIELDS = ("actor", "table", "action", "row_id", "created_from", "created_to")


def audit_filters(args: Mapping[str, str], zone: tzinfo = UTC) -> AuditFilters:
    """Read the audit log filter form; ``RegisterError`` names each bad field."""
    problems: list[tuple[str, str]] = []
    text = {key: (args.get(key) or "").strip()[:100] for key in AUDIT_FIELDS}
    actor = text["actor"] or None
    if actor and not _LOGIN.match(actor):
        problems.append(("actor", "логин: латинские буквы, цифры, точка, двоеточие, дефис или подчеркивание"))
    table = text["table"].lower() or None
    if table and not _WORD.match(table):
        problems.append(("table", "таблица: латинские буквы и подчеркивание, например persons"))
    action = text["action"] or None
    if action and not _WORD.match(action):
        problems.append(("action", "выберите действие из списка"))
    row_id = text["row_id"][:64] or None
    created_from = _day(text["created_from"], "created_from", problems)
    created_to = _day(text["created_to"], "created_to", problems)
    _range(created_from, created_to, problems)
    if problems:
        raise RegisterError(problems)
    return AuditFilters(actor, table, action, row_id, created_from, created_to, zone)


@dataclass(frozen=True, slots=True)
class AuditRow:
    id: int
    at: datetime
    actor: str
    action: str
    action_title: str
    table: str
    row_id: str | None
    changes: str  # pretty JSON; hashes stay masked, SNILS shown by their last digits
    fields: int


def _masked(changes: Any) -> Any:
    """Hide SNILS values in a journal entry's changes (hashes are masked when written)."""
    if isinstance(changes, dict):
        return {
            key: ([mask_snils(v) if v else v for v in value] if key == "snils" and isinstance(value, list) else value)
            for key, value in changes.items()
        }
    return changes


def _pretty(text: str) -> tuple[str, int]:
    """The changes one field a line (``"field": [before, after]``), and how many fields."""
    try:
        data = json.loads(text)
    except ValueError:
        return text, 0
    if not isinstance(data, dict):
        return json.dumps(data, ensure_ascii=False), 0
    data = _masked(data)
    lines = [
        f"{json.dumps(key, ensure_ascii=False)}: {json.dumps(value, ensure_ascii=False)}"
        for key, value in sorted(data.items())
    ]
    return "{\n  " + ",\n  ".join(lines) + "\n}" if lines else "{}", len(lines)


def audit_log(session: Session, actor: Actor, filters: AuditFilters, page: int = 1) -> Page:
    """Entries of the audit log, newest first, ``PAGE_SIZE`` a page; the read is journaled."""
    require(actor, "audit.read")
    number = _page_number(page)
    query = select(AuditEntry)
    if filters.actor:
        query = query.where(AuditEntry.actor == filters.actor)
    if filters.table:
        query = query.where(AuditEntry.table_name == filters.table)
    if filters.action:
        query = query.where(AuditEntry.action == filters.action)
    if filters.row_id:
        query = query.where(AuditEntry.row_id == filters.row_id)
    if filters.created_from:
        query = query.where(AuditEntry.at >= _start(filters.created_from, filters.zone))
    if filters.created_to:
        query = query.where(AuditEntry.at < _start(filters.created_to + timedelta(days=1), filters.zone))
    query = query.order_by(AuditEntry.id.desc()).offset((number - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)
    found = session.execute(query).scalars().all()
    rows = []
    for entry in found[:PAGE_SIZE]:
        changes, fields = _pretty(entry.changes)
        rows.append(
            AuditRow(
                id=entry.id,
                at=entry.at,
                actor=entry.actor,
                action=entry.action,
                action_title=ACTIONS.get(entry.action, entry.action),
                table=entry.table_name,
                row_id=entry.row_id,
                changes=changes,
                fields=fields,
            )
        )
    if rows:
        journal(session, "read", "audit_log", None, {"first": rows[-1].id, "last": rows[0].id, "purpose": "audit"})
    return Page(tuple(rows), number, len(found) > PAGE_SIZE)


@dataclass(frozen=True, slots=True)
class ChainCheck:
    entries: int
    first_bad_id: int | None
    problem: str | None  # as registry.audit words it
    explanation: str | None  # in Russian, for the page

    @property
    def ok(self) -> bool:
        return self.first_bad_id is None and self.problem is None


def _explain(result: Verification) -> str | None:
    problem = result.problem
    if problem is None:
        return None
    if problem.startswith("entry ") and "missing" in problem:
        return "в цепочке пропущена запись: ее удалили или вставили чужую"
    if "link to the previous entry" in problem:
        return "нарушена связь с предыдущей записью: записи удалены или переставлены"
    if "altered" in problem:
        return "запись изменена после того, как была внесена в журнал"
    if "head says" in problem:
        return "последние записи журнала удалены или голова цепочки изменена"
    return "цепочка записей нарушена"


def verify_audit_chain(session: Session, actor: Actor) -> ChainCheck:
    """Walk the audit log's hash chain from the start (``registry.audit.verify``); the check
    itself is journaled."""
    require(actor, "audit.read")
    session.flush()  # the verification empties the session: write what is pending first
    result = verify(session)
    journal(session, "verify", "audit_log", None, {"entries": result.entries, "ok": result.ok})
    return ChainCheck(result.entries, result.first_bad_id, result.problem, _explain(result))


# -- reference data for the forms ------------------------------------------------------------


def municipalities(session: Session) -> list[tuple[str, str]]:
    """(OKTMO, name) of every municipality of the register, by name."""
    rows = session.execute(select(Municipality.oktmo, Municipality.name).order_by(Municipality.name))
    return [(oktmo, name) for oktmo, name in rows]


__all__ = [
    "ACTIONS",
    "AUDIT_FIELDS",
    "HISTORY_FIELDS",
    "PAGE_SIZE",
    "AuditFilters",
    "AuditRow",
    "CalculationDetail",
    "ChainCheck",
    "HistoryFilters",
    "HistoryRow",
    "Page",
    "audit_filters",
    "audit_log",
    "calculation_detail",
    "calculation_history",
    "history_filters",
    "mask_snils",
    "municipalities",
    "replay_calculation",
    "verify_audit_chain",
]
