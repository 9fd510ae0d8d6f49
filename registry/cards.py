"""What a member of staff reads about people: the search and the person card (the calculation
form is ``registry.calculation_form``). Every function takes the acting ``Actor``, checks the role and the
territorial scope, journals the read (ids only) and returns plain values for the pages.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from engine import Month
from registry.access import Actor, require
from registry.casework import journal_read, person_for
from registry.identifiers import full_name, mask_snils, normalize_snils, validate_snils
from registry.models import (
    Application,
    Assignment,
    Calculation,
    Document,
    Household,
    Housing,
    Income,
    Membership,
    Municipality,
    Person,
    PersonCategory,
    UtilityCharge,
)
from registry.people import RegisterError
from registry.reference import DOCUMENT_KINDS, ENTITLEMENT_CATEGORIES, INCOME_KINDS, UTILITY_SERVICES
from registry.snapshots import ROLE_ORDER, valid_on

SEARCH_LIMIT = 50
CARD_ROWS = 20  # applications, assignments, calculations shown on a card
INCOME_MONTHS = 12
PAYMENT_TITLES = {"monthly": "ежемесячно", "once": "единовременно", "yearly": "ежегодно"}
_CASE_NUMBER = re.compile(r"^\d{18}$")


def _require_any(actor: Actor, *permissions: str) -> None:
    if not any(actor.can(permission) for permission in permissions):
        require(actor, permissions[0])  # refused, with the role's title


# -- search -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """What to look for; empty fields are not used. Build from form text with ``parse``."""

    snils: str | None = None  # 11 digits
    case_number: str | None = None  # 18 digits
    last_name: str | None = None
    first_name: str | None = None
    birth_date: date | None = None

    @property
    def is_empty(self) -> bool:
        return not (self.snils or self.case_number or self.last_name or self.first_name or self.birth_date)

    @classmethod
    def parse(
        cls, snils: str = "", case_number: str = "", last_name: str = "", first_name: str = "", birth_date: str = ""
    ) -> SearchQuery:
        """Check the text of the search form; ``RegisterError`` names every bad field."""
        problems: list[tuple[str, str]] = []
        snils_digits = normalize_snils(snils)[:30] if snils.strip() else None
        if snils_digits:
            reason = validate_snils(snils_digits)
            if reason:
                problems.append(("snils", f"СНИЛС: {reason}"))
        case = re.sub(r"\s", "", case_number)[:30] or None
        if case and not _CASE_NUMBER.match(case):
            problems.append(("case_number", "Номер личного дела — 18 цифр"))
        last = _name(last_name)
        first = _name(first_name)
        if first and not last:
            problems.append(("last_name", "Чтобы искать по имени, укажите и фамилию"))
        born = None
        if birth_date.strip():
            born = parse_day(birth_date)
            if born is None:
                problems.append(("birth_date", "Дата рождения — день, месяц и год, например 12.05.1988"))
        if problems:
            raise RegisterError(problems)
        return cls(snils_digits, case, last, first, born)


def _name(text: str) -> str | None:
    """Names are stored with a capital first letter (``Петрова-Водкина``); match them that way."""
    cleaned = " ".join(text.split())[:100]
    return cleaned.title() if cleaned else None


def parse_day(text: str) -> date | None:
    """``2026-03-10`` (a date field) or ``10.03.2026`` (typed by hand); ``None`` when neither."""
    text = text.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return date.fromisoformat(text)
        found = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", text)
        if found:
            return date(int(found.group(3)), int(found.group(2)), int(found.group(1)))
    except ValueError:
        return None
    return None


@dataclass(frozen=True, slots=True)
class PersonRow:
    id: int
    case_number: str
    masked_snils: str
    full_name: str
    birth_date: date
    municipality: str


@dataclass(frozen=True, slots=True)
class SearchResult:
    rows: tuple[PersonRow, ...]
    has_more: bool  # more than ``SEARCH_LIMIT`` persons matched: narrow the query


def search_persons(session: Session, actor: Actor, query: SearchQuery) -> SearchResult | None:
    """Persons of the actor's municipalities matching every given field (``None`` for an empty
    query). At most ``SEARCH_LIMIT`` rows; SNILS masked."""
    _require_any(actor, "person.read", "calculation.run")
    if query.is_empty:
        return None
    conditions = [actor.scope_clause(Person.municipality)]
    if query.snils:
        conditions.append(Person.snils == query.snils)
    if query.case_number:
        conditions.append(Person.case_number == query.case_number)
    if query.last_name:
        conditions.append(Person.last_name == query.last_name)
    if query.first_name:
        conditions.append(Person.first_name == query.first_name)
    if query.birth_date:
        conditions.append(Person.birth_date == query.birth_date)
    rows = session.execute(
        select(
            Person.id,
            Person.case_number,
            Person.snils,
            Person.last_name,
            Person.first_name,
            Person.middle_name,
            Person.birth_date,
            Municipality.name,
        )
        .join(Municipality, Municipality.oktmo == Person.municipality)
        .where(*conditions)
        .order_by(Person.last_name, Person.first_name, Person.birth_date, Person.id)
        .limit(SEARCH_LIMIT + 1)
    ).all()
    found = tuple(
        PersonRow(
            row.id,
            row.case_number,
            mask_snils(row.snils),
            full_name(row.last_name, row.first_name, row.middle_name),
            row.birth_date,
            row.name,
        )
        for row in rows[:SEARCH_LIMIT]
    )
    journal_read(session, "persons", [row.id for row in found], "search")
    return SearchResult(found, len(rows) > SEARCH_LIMIT)


# -- the person card --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PersonDetails:
    id: int
    full_name: str
    case_number: str
    snils: str | None
    birth_date: date
    sex: str
    municipality: str
    registration_address: str | None
    residence_address: str | None
    death_date: date | None


@dataclass(frozen=True, slots=True)
class MemberRow:
    id: int
    full_name: str
    birth_date: date
    role: str
    valid_from: date
    is_visible: bool  # in the actor's scope: the card may be opened
    is_self: bool


@dataclass(frozen=True, slots=True)
class HouseholdView:
    id: int
    reference: str
    municipality: str
    members: tuple[MemberRow, ...]


@dataclass(frozen=True, slots=True)
class DocumentRow:
    kind: str
    series: str | None
    number: str | None
    issued_on: date | None
    issued_by: str | None
    valid_to: date | None


@dataclass(frozen=True, slots=True)
class CategoryRow:
    title: str
    valid_from: date | None
    valid_to: date | None


@dataclass(frozen=True, slots=True)
class IncomeMonth:
    month: date
    items: tuple[tuple[str, Decimal], ...]  # (kind title, amount)
    total: Decimal


@dataclass(frozen=True, slots=True)
class ChargeRow:
    code: str
    title: str
    unit: str | None
    tariff: Decimal | None
    volume: Decimal | None
    cost: Decimal


@dataclass(frozen=True, slots=True)
class HousingView:
    valid_from: date
    area: Decimal
    ownership: str | None
    registered_residents: int | None
    has_debts: bool | None
    charges_month: date | None
    charges: tuple[ChargeRow, ...]
    charges_total: Decimal


@dataclass(frozen=True, slots=True)
class CaseRow:
    """An application, an assignment or a saved calculation in the card's lists."""

    id: int
    measure: str
    title: str
    who: str  # the member it concerns
    day: date | datetime | None  # submitted, decided or calculated
    status: str
    amount: Decimal | None = None
    period_from: date | None = None
    period_to: date | None = None
    number: str | None = None  # decision number
    decision_id: int | None = None  # for a calculation: its decision


@dataclass(frozen=True, slots=True)
class PersonCard:
    person: PersonDetails
    household: HouseholdView | None
    documents: tuple[DocumentRow, ...]
    categories: tuple[CategoryRow, ...]
    incomes: tuple[IncomeMonth, ...]
    housing: HousingView | None
    applications: tuple[CaseRow, ...]
    assignments: tuple[CaseRow, ...]
    calculations: tuple[CaseRow, ...]
    has_more_calculations: bool
    can_calculate: bool


def person_details(session: Session, person: Person) -> PersonDetails:
    municipality = session.get(Municipality, person.municipality)
    return PersonDetails(
        person.id,
        full_name(person.last_name, person.first_name, person.middle_name),
        person.case_number,
        person.snils,
        person.birth_date,
        person.sex,
        municipality.name if municipality else person.municipality,
        person.registration_address,
        person.residence_address,
        person.death_date,
    )


def _document_title(kind: str, subkind: str | None) -> str:
    known = DOCUMENT_KINDS.get(kind)
    if known is None:
        return kind
    sub = known.subkind(subkind) if subkind else None
    return f"{known.title} ({sub.title})" if sub else known.title


def household_view(session: Session, actor: Actor, person: Person, on: date) -> HouseholdView | None:
    membership = session.execute(
        select(Membership.household_id)
        .where(Membership.person_id == person.id, valid_on(Membership.valid_from, Membership.valid_to, on))
        .order_by(Membership.valid_from.desc())
        .limit(1)
    ).scalar_one_or_none()
    if membership is None:
        return None
    rows = session.execute(
        select(Household, Membership, Person, Municipality.name)
        .join(Membership, Membership.household_id == Household.id)
        .join(Person, Person.id == Membership.person_id)
        .join(Municipality, Municipality.oktmo == Household.municipality)
        .where(Household.id == membership, valid_on(Membership.valid_from, Membership.valid_to, on))
    ).all()
    rows.sort(key=lambda row: (ROLE_ORDER.get(row.Membership.role, 9), row.Person.birth_date, row.Person.id))
    household = rows[0].Household
    members = tuple(
        MemberRow(
            row.Person.id,
            full_name(row.Person.last_name, row.Person.first_name, row.Person.middle_name),
            row.Person.birth_date,
            row.Membership.role,
            row.Membership.valid_from,
            actor.sees(row.Person.municipality),
            row.Person.id == person.id,
        )
        for row in rows
    )
    return HouseholdView(household.id, household.reference, rows[0].name, members)


def _incomes(session: Session, person_id: int) -> tuple[IncomeMonth, ...]:
    rows = session.execute(
        select(Income.month, Income.kind, func.sum(Income.amount).label("amount"))
        .where(Income.person_id == person_id)
        .group_by(Income.month, Income.kind)
        .order_by(Income.month.desc(), Income.kind)
        .limit(INCOME_MONTHS * len(INCOME_KINDS))
    ).all()
    months: dict[date, list[tuple[str, Decimal]]] = {}
    for row in rows:
        if row.month not in months and len(months) == INCOME_MONTHS:
            break
        kind = INCOME_KINDS.get(row.kind)
        months.setdefault(row.month, []).append((kind.title if kind else row.kind, row.amount))
    return tuple(
        IncomeMonth(month, tuple(items), sum((amount for _kind, amount in items), Decimal("0")))
        for month, items in months.items()
    )


def _housing(session: Session, household_id: int, on: date) -> HousingView | None:
    housing = session.execute(
        select(Housing)
        .where(Housing.household_id == household_id, Housing.valid_from <= on)
        .order_by(Housing.valid_from.desc())
        .limit(1)
    ).scalar_one_or_none()
    if housing is None:
        return None
    latest = (
        select(func.max(UtilityCharge.month))
        .where(UtilityCharge.housing_id == housing.id, UtilityCharge.month <= Month.of(on).start)
        .scalar_subquery()
    )
    charges = (
        session.execute(
            select(UtilityCharge)
            .where(UtilityCharge.housing_id == housing.id, UtilityCharge.month == latest)
            .order_by(UtilityCharge.code)
        )
        .scalars()
        .all()
    )
    rows = tuple(ChargeRow(c.code, service_title(c.code), c.unit, c.tariff, c.volume, c.cost) for c in charges)
    return HousingView(
        housing.valid_from,
        housing.area,
        housing.ownership,
        housing.registered_residents,
        housing.has_debts,
        charges[0].month if charges else None,
        rows,
        sum((row.cost for row in rows), Decimal("0")),
    )


def service_title(code: str) -> str:
    names = UTILITY_SERVICES.get(code)
    return names[0] if names else code


def person_card(
    session: Session, actor: Actor, person_id: int, on: date, titles: Mapping[str, str] | None = None
) -> PersonCard:
    """Everything the register holds about a person that a specialist works with, as of ``on``
    (the household and housing then; the latest incomes, applications, decisions, calculations).
    ``titles`` names the measures (from the rules)."""
    person = person_for(session, actor, person_id)
    titles = titles or {}
    details = person_details(session, person)
    household = household_view(session, actor, person, on)
    names = {member.id: member.full_name for member in household.members} if household else {}
    names.setdefault(person.id, details.full_name)

    def who(pid: int | None) -> str:
        return names.get(pid, "член другой семьи") if pid is not None else "семья"

    documents = tuple(
        DocumentRow(_document_title(d.kind, d.subkind), d.series, d.number, d.issued_on, d.issued_by, d.valid_to)
        for d in session.execute(
            select(Document).where(Document.person_id == person.id).order_by(Document.kind, Document.issued_on)
        ).scalars()
    )
    categories = tuple(
        CategoryRow(
            ENTITLEMENT_CATEGORIES[c.code].title if c.code in ENTITLEMENT_CATEGORIES else c.code,
            c.valid_from,
            c.valid_to,
        )
        for c in session.execute(
            select(PersonCategory).where(PersonCategory.person_id == person.id).order_by(PersonCategory.valid_from)
        ).scalars()
    )

    def concerns(person_column, household_column):  # type: ignore[no-untyped-def]
        """Rows of the person, or of their household."""
        mine = person_column == person.id
        return or_(mine, household_column == household.id) if household else mine

    applications = tuple(
        CaseRow(a.id, a.measure, titles.get(a.measure, a.measure), who(a.person_id), a.submitted_on, a.status)
        for a in session.execute(
            select(Application)
            .where(concerns(Application.person_id, Application.household_id))
            .order_by(Application.submitted_on.desc(), Application.id.desc())
            .limit(CARD_ROWS)
        ).scalars()
    )
    assignments = tuple(
        CaseRow(
            a.id,
            a.measure,
            titles.get(a.measure, a.measure),
            who(a.person_id),
            a.decision_date,
            a.status,
            a.amount,
            a.period_from,
            a.period_to,
            a.decision_number,
            a.id,
        )
        for a in session.execute(
            select(Assignment)
            .where(concerns(Assignment.person_id, Assignment.household_id))
            .order_by(Assignment.period_from.desc(), Assignment.id.desc())
            .limit(CARD_ROWS)
        ).scalars()
    )
    calculation_rows = session.execute(
        select(
            Calculation.id,
            Calculation.measure,
            Calculation.person_id,
            Calculation.created_at,
            Calculation.period,
            Calculation.status,
            Calculation.amount,
            Assignment.id.label("decision_id"),
            Assignment.decision_number,
        )
        .outerjoin(Assignment, Assignment.calculation_id == Calculation.id)
        .where(Calculation.person_id == person.id)
        .order_by(Calculation.created_at.desc(), Calculation.id.desc())
        .limit(CARD_ROWS + 1)
    ).all()
    calculations = tuple(
        CaseRow(
            c.id,
            c.measure,
            titles.get(c.measure, c.measure),
            who(c.person_id),
            c.created_at,
            c.status,
            c.amount,
            c.period,
            None,
            c.decision_number,
            c.decision_id,
        )
        for c in calculation_rows[:CARD_ROWS]
    )
    card = PersonCard(
        details,
        household,
        documents,
        categories,
        _incomes(session, person.id),
        _housing(session, household.id, on) if household else None,
        applications,
        assignments,
        calculations,
        len(calculation_rows) > CARD_ROWS,
        actor.can("calculation.run"),
    )
    journal_read(session, "persons", [person.id], "card")
    return card


__all__ = [
    "MemberRow",
    "PersonCard",
    "SearchQuery",
    "SearchResult",
    "household_view",
    "person_card",
    "person_details",
    "search_persons",
    "service_title",
]
