"""Decisions on saved calculations: assign the measure or refuse it, once per calculation, and
the printed decision.

A decision is an ``Assignment`` that points at its calculation: status ``active`` (assigned) or
``refused``, the period of the calculation's schedule, its amount and a readable number
``<OKTMO>-<year>-<sequence>``. The calculation is locked while deciding, so a second submit (a
double click included) waits for the first and is then refused as already decided.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, defer

from engine import Month
from registry.access import Actor, NotFoundError, require, require_scope
from registry.calculation_form import MeasureOutcome, outcome_of
from registry.calculations import ruleset_of
from registry.casework import journal_read
from registry.identifiers import full_name
from registry.models import Application, Assignment, Calculation, Household, Municipality, Person, User
from registry.people import RegisterError

DECISIONS = {"assign": "назначить", "refuse": "отказать"}
_SEQUENCE_DIGITS = 6


@dataclass(frozen=True, slots=True)
class DecisionRef:
    id: int
    number: str | None
    decision_date: date | None
    status: str


@dataclass(frozen=True, slots=True)
class SavedCalculation:
    id: int
    person_id: int | None
    person_name: str
    case_number: str
    created_at: datetime
    actor: str
    period: date
    outcome: MeasureOutcome
    decision: DecisionRef | None
    can_decide: bool  # the actor may decide and no decision exists
    can_assign: bool  # the result is a right


def _calculation_person(session: Session, actor: Actor, record: Calculation | None) -> Person | None:
    """The calculation's person (``None`` for a household-only one), checked against the scope;
    a calculation outside it is reported like a missing one."""
    if record is None:
        raise NotFoundError("расчет не найден")
    person = session.get(Person, record.person_id) if record.person_id is not None else None
    if person is not None:
        oktmo = person.municipality
    else:
        household = session.get(Household, record.household_id) if record.household_id is not None else None
        oktmo = household.municipality if household is not None else None
    require_scope(actor, oktmo, "расчет не найден")
    return person


def _existing_decision(session: Session, calculation_id: int) -> DecisionRef | None:
    row = session.execute(
        select(Assignment.id, Assignment.decision_number, Assignment.decision_date, Assignment.status)
        .where(Assignment.calculation_id == calculation_id)
        .order_by(Assignment.id)
        .limit(1)
    ).first()
    return DecisionRef(row.id, row.decision_number, row.decision_date, row.status) if row else None


def saved_calculation(session: Session, actor: Actor, calculation_id: int) -> SavedCalculation:
    """A stored calculation with its trace, and its decision when one was made."""
    if not (actor.can("person.read") or actor.can("calculation.history")):
        require(actor, "person.read")
    record = session.execute(
        select(Calculation).options(defer(Calculation.snapshot)).where(Calculation.id == calculation_id)
    ).scalar_one_or_none()
    person = _calculation_person(session, actor, record)
    assert record is not None
    decision = _existing_decision(session, record.id)
    journal_read(session, "calculations", [record.id], "calculation")
    return SavedCalculation(
        record.id,
        record.person_id,
        full_name(person.last_name, person.first_name, person.middle_name) if person else "семья",
        person.case_number if person else "",
        record.created_at,
        record.actor,
        record.period,
        outcome_of(json.loads(record.result), record.id),
        decision,
        decision is None and actor.can("decision.make"),
        record.status == "eligible",
    )


def _decision_number(session: Session, oktmo: str, year: int) -> str:
    """The next number of the municipality's year, under the municipality row's lock (so two
    decisions decided at once do not take the same number)."""
    session.execute(select(Municipality.oktmo).where(Municipality.oktmo == oktmo).with_for_update()).first()
    prefix = f"{oktmo}-{year}-"
    last = session.execute(
        select(func.max(Assignment.decision_number)).where(Assignment.decision_number.like(prefix + "%"))
    ).scalar_one_or_none()
    sequence = int(last[len(prefix) :]) + 1 if last and last[len(prefix) :].isdigit() else 1
    return f"{prefix}{sequence:0{_SEQUENCE_DIGITS}d}"


def _locked(session: Session, calculation_id: int) -> Calculation | None:
    """The calculation, held until the transaction ends. PostgreSQL locks the row; SQLite ignores
    FOR UPDATE, so a write that changes nothing takes its database lock first: either way a
    second decision waits here and then finds the first one."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(
            update(Calculation).where(Calculation.id == calculation_id).values(status=Calculation.status),
            execution_options={"synchronize_session": False},
        )
    return session.execute(
        select(Calculation)
        .options(defer(Calculation.snapshot))
        .where(Calculation.id == calculation_id)
        .with_for_update()
    ).scalar_one_or_none()


NOTE_MAX = 2000


def decide(
    session: Session,
    actor: Actor,
    calculation_id: int,
    decision: str,
    decision_date: date | None,
    today: date | None = None,
    note: str = "",
) -> Assignment:
    """Assign the measure of a saved calculation (only when it found a right) or refuse it,
    with the specialist's grounds (required to refuse a calculation that found a right).
    One decision per calculation (a unique constraint holds it too); ``RegisterError`` names
    what is wrong."""
    require(actor, "decision.make")
    record = _locked(session, calculation_id)
    person = _calculation_person(session, actor, record)
    assert record is not None
    if person is None:
        raise RegisterError([("decision", "расчет сделан не для человека: решение по нему принять нельзя")])
    existing = _existing_decision(session, record.id)
    if existing is not None:
        raise RegisterError([("decision", f"По этому расчету решение уже принято: № {existing.number}")])
    problems = []
    if decision not in DECISIONS:
        problems.append(("decision", "Выберите решение: назначить или отказать"))
    elif decision == "assign" and record.status != "eligible":
        problems.append(("decision", "Назначить можно только по расчету, который подтвердил право; здесь — отказ"))
    note = note.strip()
    if len(note) > NOTE_MAX:
        problems.append(("note", f"Основание решения — не длиннее {NOTE_MAX} символов"))
    elif decision == "refuse" and record.status == "eligible" and not note:
        problems.append(("note", "Расчет подтвердил право: укажите, на каком основании вы отказываете"))
    today = today or date.today()
    if decision_date is None:
        problems.append(("decision_date", "Укажите дату решения: день, месяц и год"))
    elif decision_date > today:
        problems.append(("decision_date", "Дата решения не может быть позже сегодняшней"))
    elif decision_date < record.created_at.date():
        problems.append(("decision_date", "Дата решения не может быть раньше даты расчета"))
    if problems:
        raise RegisterError(problems)
    assert decision_date is not None
    result = json.loads(record.result)
    schedule = result.get("schedule") or {}
    assigned = decision == "assign"
    start = Month.parse(schedule["start"]).start if assigned and schedule.get("start") else record.period
    end = Month.parse(schedule["end"]).end if assigned and schedule.get("end") else None
    application_id = session.execute(
        select(Application.id)
        .where(
            Application.household_id == record.household_id,
            Application.measure == record.measure,
            Application.submitted_on <= Month.of(record.period).end,
        )
        .order_by(Application.submitted_on.desc(), Application.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    assignment = Assignment(
        person_id=person.id,
        household_id=record.household_id,
        measure=record.measure,
        application_id=application_id,
        calculation_id=record.id,
        period_from=start,
        period_to=end,
        amount=(record.amount or Decimal("0")) if assigned else Decimal("0"),
        status="active" if assigned else "refused",
        decision_number=_decision_number(session, person.municipality, decision_date.year),
        decision_date=decision_date,
        decided_by=actor.login,
        note=note or None,
    )
    session.add(assignment)
    session.flush()
    return assignment


@dataclass(frozen=True, slots=True)
class DecisionDocument:
    """What a printed decision shows."""

    id: int
    number: str | None
    decision_date: date | None
    status: str
    is_refusal: bool
    person_id: int
    person_name: str
    birth_date: date
    case_number: str
    snils: str | None
    address: str | None
    municipality: str
    measure: str
    measure_title: str
    legal_basis: str | None
    amount: Decimal
    period_from: date
    period_to: date | None
    payment: str | None  # monthly | once | yearly
    reasons: tuple[str, ...]
    missing: tuple[dict[str, Any], ...]
    application_date: date | None
    calculation_id: int | None
    calculation_period: date | None
    ruleset_version: str | None
    note: str | None = None
    decided_by: str | None = None  # the full name of who decided (as the decision is signed)


def decision_document(session: Session, actor: Actor, assignment_id: int) -> DecisionDocument:
    """The decision as printed: who, what measure on what legal basis, the amount and period,
    or the reasons of a refusal."""
    if not (actor.can("person.read") or actor.can("decision.make")):
        require(actor, "person.read")
    assignment = session.get(Assignment, assignment_id)
    if assignment is None:
        raise NotFoundError("решение не найдено")
    person = session.get(Person, assignment.person_id)
    require_scope(actor, person.municipality if person else None, "решение не найдено")
    assert person is not None
    municipality = session.get(Municipality, person.municipality)
    record = (
        session.execute(
            select(Calculation).options(defer(Calculation.snapshot)).where(Calculation.id == assignment.calculation_id)
        ).scalar_one_or_none()
        if assignment.calculation_id is not None
        else None
    )
    result: dict[str, Any] = json.loads(record.result) if record is not None else {}
    legal_basis = None
    if record is not None:
        measure = ruleset_of(session, record.ruleset_version).measures.get(assignment.measure)
        legal_basis = measure.legal_basis if measure is not None else None
    application = session.get(Application, assignment.application_id) if assignment.application_id else None
    journal_read(session, "assignments", [assignment.id], "decision")
    schedule = result.get("schedule") or {}
    missing = tuple(result.get("missing") or ())
    return DecisionDocument(
        assignment.id,
        assignment.decision_number,
        assignment.decision_date,
        assignment.status,
        assignment.status == "refused",
        person.id,
        full_name(person.last_name, person.first_name, person.middle_name),
        person.birth_date,
        person.case_number,
        person.snils,
        person.residence_address or person.registration_address,
        municipality.name if municipality else person.municipality,
        assignment.measure,
        result.get("title") or assignment.measure,
        legal_basis,
        assignment.amount,
        assignment.period_from,
        assignment.period_to,
        schedule.get("payment"),
        tuple(result.get("reasons") or ()),
        missing,
        application.submitted_on if application else None,
        record.id if record is not None else None,
        record.period if record is not None else None,
        record.ruleset_version if record is not None else None,
        assignment.note,
        _staff_name(session, assignment.decided_by),
    )


def _staff_name(session: Session, login: str | None) -> str | None:
    """The full name of who decided, as the decision is signed (the login if the user is gone)."""
    if login is None:
        return None
    name = session.execute(select(User.full_name).where(User.login == login)).scalar_one_or_none()
    return name or login


__all__ = ["DECISIONS", "DecisionDocument", "SavedCalculation", "decide", "decision_document", "saved_calculation"]
