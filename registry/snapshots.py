"""The engine's snapshot of a household at a date, built from the register.

What the register does not know stays out of the snapshot, so the engine treats it as unknown:
incomes only for declared months, property only when declared, reasons for having no income
only when declared, housing only when recorded. A fixed number of queries per household.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from engine import Month, Snapshot, parse_snapshot
from registry.models import (
    Application,
    Declaration,
    Deposit,
    Disability,
    Document,
    Household,
    Housing,
    Income,
    Membership,
    NoIncomeReason,
    Person,
    PersonCategory,
    Pregnancy,
    RealEstate,
    UtilityCharge,
    Vehicle,
)

ROLE_ORDER = {"applicant": 0, "spouse": 1, "child": 2, "other": 3}


class NotInRegisterError(LookupError):
    """A person or household the register does not hold (or not on that date)."""


class DeceasedError(NotInRegisterError):
    """The person died before the date asked for: nobody is calculated after their death."""

    def __init__(self, person_id: int, died: date, on: date) -> None:
        super().__init__(f"person {person_id} died on {died}: nothing to calculate on {on}")
        self.died = died


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def _number(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def valid_on(column_from, column_to, on: date):  # type: ignore[no-untyped-def]
    return and_(column_from <= on, or_(column_to.is_(None), column_to >= on))


def household_of(session: Session, person_id: int, on: date) -> int:
    """The household a person belongs to on a date."""
    household_id = session.execute(
        select(Membership.household_id)
        .where(Membership.person_id == person_id, valid_on(Membership.valid_from, Membership.valid_to, on))
        .order_by(Membership.valid_from.desc())
        .limit(1)
    ).scalar_one_or_none()
    if household_id is None:
        person = session.get(Person, person_id)
        if person is None:
            raise NotInRegisterError(f"no person {person_id} in the register")
        if person.death_date is not None and person.death_date < on:
            raise DeceasedError(person_id, person.death_date, on)
        raise NotInRegisterError(f"person {person_id} belongs to no household on {on}")
    return household_id


def _declared_months(declarations: list[Declaration]) -> tuple[Month, Month] | None:
    """The contiguous run of declared months that ends with the latest declared month."""
    months: set[int] = set()
    for declaration in declarations:
        if declaration.first_month and declaration.last_month:
            first, last = Month.of(declaration.first_month), Month.of(declaration.last_month)
            months.update(range(first.index, last.index + 1))
    if not months:
        return None
    last = max(months)
    first = last
    while first - 1 in months:
        first -= 1
    return Month.from_index(first), Month.from_index(last)


def choose_disability_index(records: list[tuple[date, date | None, int]], on: date) -> int:
    """Which of a person's disability records counts on a date: the latest (by start, then id)
    of those covering the date, else the latest of all."""
    order = sorted(range(len(records)), key=lambda i: (records[i][0], records[i][2]))
    covering = [i for i in order if records[i][0] <= on and (records[i][1] is None or records[i][1] >= on)]
    return (covering or order)[-1]


def household_data(
    session: Session,
    household_id: int,
    on: date,
    application: Application | None = None,
) -> dict[str, Any]:
    """The snapshot of a household as plain data (validated by ``parse_snapshot``)."""
    household = session.get(Household, household_id)
    if household is None:
        raise NotInRegisterError(f"no household {household_id} in the register")
    memberships = session.execute(
        select(Membership, Person)
        .join(Person, Person.id == Membership.person_id)
        .where(Membership.household_id == household_id, valid_on(Membership.valid_from, Membership.valid_to, on))
    ).all()
    if not memberships:
        raise NotInRegisterError(f"household {household_id} has no members on {on}")
    memberships.sort(key=lambda row: (ROLE_ORDER[row.Membership.role], row.Person.birth_date, row.Person.id))
    ids = [row.Person.id for row in memberships]

    def by_person(model, *conditions):  # type: ignore[no-untyped-def]
        grouped: dict[int, list[Any]] = defaultdict(list)
        rows = session.execute(select(model).where(model.person_id.in_(ids), *conditions)).scalars()
        for row in rows:
            grouped[row.person_id].append(row)
        return grouped

    declarations = by_person(Declaration, Declaration.declared_on <= on)
    categories = by_person(PersonCategory)
    reasons = by_person(NoIncomeReason)
    disabilities = by_person(Disability)
    pregnancies = by_person(Pregnancy)
    real_estate = by_person(RealEstate)
    vehicles = by_person(Vehicle)
    deposits = by_person(Deposit)
    documents = by_person(Document)
    coverage = {
        person_id: _declared_months([d for d in declarations[person_id] if d.kind == "incomes"]) for person_id in ids
    }
    income_rows: dict[int, list[Income]] = defaultdict(list)
    covered = [(pid, span) for pid, span in coverage.items() if span is not None]
    if covered:
        first = min(span[0] for _pid, span in covered).start
        last = max(span[1] for _pid, span in covered).start
        rows = session.execute(
            select(Income).where(
                Income.person_id.in_([pid for pid, _ in covered]), Income.month >= first, Income.month <= last
            )
        ).scalars()
        for row in rows:
            income_rows[row.person_id].append(row)

    members = []
    for row in memberships:
        person, role = row.Person, row.Membership.role
        member: dict[str, Any] = {
            "id": str(person.id),
            "role": role,
            "birth_date": person.birth_date.isoformat(),
            "sex": person.sex,
        }
        if categories[person.id]:
            member["categories"] = [
                {"code": c.code, "from": _iso(c.valid_from), "to": _iso(c.valid_to)}
                for c in sorted(categories[person.id], key=lambda c: (c.code, c.valid_from or date.min))
            ]
        span = coverage[person.id]
        if span is not None:
            member["incomes_declared"] = {"from": str(span[0]), "to": str(span[1])}
            member["incomes"] = [
                {"kind": income.kind, "amount": _money(income.amount), "month": str(Month.of(income.month))}
                for income in sorted(income_rows[person.id], key=lambda i: (i.month, i.kind, i.id))
                if span[0] <= Month.of(income.month) <= span[1]
            ]
        if any(d.kind == "no_income_reasons" for d in declarations[person.id]):
            member["no_income_reasons"] = [
                {"kind": r.kind, "from": r.valid_from.isoformat(), "to": _iso(r.valid_to)}
                for r in sorted(reasons[person.id], key=lambda r: (r.valid_from, r.kind))
            ]
        records = disabilities[person.id]
        if records:
            record = records[choose_disability_index([(d.valid_from, d.valid_to, d.id) for d in records], on)]
            group: int | str = record.group if record.group == "child" else int(record.group)
            member["disability"] = {"group": group, "from": record.valid_from.isoformat(), "to": _iso(record.valid_to)}
        open_pregnancies = [p for p in pregnancies[person.id] if p.ended_on is None or p.ended_on >= on]
        if open_pregnancies:
            pregnancy = max(open_pregnancies, key=lambda p: p.registered_on)
            member["pregnancy"] = {
                "registered_on": pregnancy.registered_on.isoformat(),
                "weeks_at_registration": pregnancy.weeks_at_registration,
            }
            if pregnancy.expected_birth:
                member["pregnancy"]["expected_birth"] = pregnancy.expected_birth.isoformat()
        if any(d.kind == "property" for d in declarations[person.id]):
            member["property"] = {
                "real_estate": [
                    {"kind": p.kind, "area": _number(p.area), "share": f"{p.share_numerator}/{p.share_denominator}"}
                    for p in sorted(real_estate[person.id], key=lambda p: p.id)
                ],
                "vehicles": [
                    {k: v for k, v in (("kind", v.kind), ("year", v.year), ("power_hp", v.power_hp)) if v is not None}
                    for v in sorted(vehicles[person.id], key=lambda v: v.id)
                ],
                "deposits": [{"balance": _money(d.balance)} for d in sorted(deposits[person.id], key=lambda d: d.id)],
            }
        if documents[person.id]:
            member["documents"] = [
                {
                    k: v
                    for k, v in (
                        ("kind", d.kind),
                        ("series", d.series),
                        ("number", d.number),
                        ("issued_on", _iso(d.issued_on)),
                        ("valid_to", _iso(d.valid_to)),
                    )
                    if v is not None
                }
                for d in sorted(documents[person.id], key=lambda d: d.id)
            ]
        members.append(member)

    data: dict[str, Any] = {
        "id": household.reference,
        "region": household.region,
        "municipality": household.municipality,
        "members": members,
    }
    if application is not None:
        data["application"] = {"date": application.submitted_on.isoformat(), "measure": application.measure}
    housing = session.execute(
        select(Housing)
        .where(Housing.household_id == household_id, Housing.valid_from <= on)
        .order_by(Housing.valid_from.desc())
        .limit(1)
    ).scalar_one_or_none()
    if housing is not None:
        month = session.execute(
            select(UtilityCharge.month)
            .where(UtilityCharge.housing_id == housing.id, UtilityCharge.month <= Month.of(on).start)
            .order_by(UtilityCharge.month.desc())
            .limit(1)
        ).scalar_one_or_none()
        charges = []
        if month is not None:
            charges = (
                session.execute(
                    select(UtilityCharge)
                    .where(UtilityCharge.housing_id == housing.id, UtilityCharge.month == month)
                    .order_by(UtilityCharge.code)
                )
                .scalars()
                .all()
            )
        data["housing"] = {
            "area": _number(housing.area),
            "services": [
                {
                    k: v
                    for k, v in (
                        ("code", c.code),
                        ("unit", c.unit),
                        ("tariff", _number(c.tariff) if c.tariff is not None else None),
                        ("norm", _number(c.norm) if c.norm is not None else None),
                        ("volume", _number(c.volume) if c.volume is not None else None),
                        ("cost", _money(c.cost)),
                    )
                    if v is not None
                }
                for c in charges
            ],
        }
        for key in ("ownership", "registered_residents", "has_debts"):
            value = getattr(housing, key)
            if value is not None:
                data["housing"][key] = value
    return data


def household_snapshot(
    session: Session,
    household_id: int,
    on: date,
    application: Application | None = None,
) -> Snapshot:
    return parse_snapshot(household_data(session, household_id, on, application))


def latest_application(
    session: Session,
    household_id: int,
    on: date,
    measure: str | None = None,
) -> Application | None:
    """The household's latest application submitted on or before a date (for a measure)."""
    query = select(Application).where(Application.household_id == household_id, Application.submitted_on <= on)
    if measure is not None:
        query = query.where(Application.measure == measure)
    return session.execute(
        query.order_by(Application.submitted_on.desc(), Application.id.desc()).limit(1)
    ).scalar_one_or_none()
