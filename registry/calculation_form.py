"""The calculation form of the specialist's pages: a household member, one measure or all, a
month; the results with readable reasons, missing facts, the schedule, the trace and, for the
housing subsidy, its expenses per utility service. Invalid input comes back as field errors and
nothing is calculated or stored."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from engine import Month, RuleSet
from registry.access import Actor, require
from registry.cards import PAYMENT_TITLES, MemberRow, PersonDetails, household_view, person_details, service_title
from registry.casework import calculate, journal_read, person_for
from registry.people import RegisterError

_SERVICE_ITEM = re.compile(r"^housing\.services\[(?P<code>[^\]]+)\]$")

# -- the calculation form ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CalculationRequest:
    """The calculation form as typed: a member id, a measure code ("" for all), a month."""

    member: str
    measure: str
    period: str
    save: bool = False


@dataclass(frozen=True, slots=True)
class ServiceTable:
    """A sum over the housing services found in a trace: one line per service."""

    step: str
    expression: str | None
    total: Decimal | None  # None: unknown
    lines: tuple[tuple[str, str, Decimal | None], ...]  # (code, title, value)


def _decimal(value: Any) -> Decimal | None:
    """A number of the trace's JSON (a string), or ``None`` for an unknown or other value."""
    if isinstance(value, str | int) and not isinstance(value, bool):
        try:
            return Decimal(value)
        except ArithmeticError:
            return None
    return None


@dataclass(frozen=True, slots=True)
class MeasureOutcome:
    """One measure's result as the pages show it (from a fresh ``Result`` or a stored one)."""

    measure: str
    title: str
    period: str
    status: str
    amount: Decimal | None
    schedule: dict[str, Any] | None  # start, end, review, payment, payment_title, months
    reasons: tuple[str, ...]
    missing: tuple[dict[str, Any], ...]
    error: str | None
    trace: dict[str, Any]
    services: tuple[ServiceTable, ...]
    ruleset_version: str
    calculation_id: int | None = None


def service_tables(trace: dict[str, Any]) -> tuple[ServiceTable, ...]:
    """The steps of a trace that add up housing services (the housing subsidy's actual expenses):
    each such step with its per-service items, in the order of the trace."""
    tables = []
    stack = [trace]
    while stack:
        step = stack.pop()
        children = step.get("children") or []
        lines = []
        for child in children:
            found = _SERVICE_ITEM.match(child.get("name", ""))
            if child.get("kind") == "item" and found and not isinstance(child.get("value"), bool):
                lines.append((found.group("code"), service_title(found.group("code")), _decimal(child.get("value"))))
        if lines:
            tables.append(
                ServiceTable(step.get("name", ""), step.get("expression"), _decimal(step.get("value")), tuple(lines))
            )
        stack.extend(reversed(children))
    return tuple(tables)


def outcome_of(data: dict[str, Any], calculation_id: int | None = None) -> MeasureOutcome:
    """A result in its JSON form (``Result.as_dict()`` or a stored calculation's)."""
    schedule = data.get("schedule")
    if schedule:
        schedule = {**schedule, "payment_title": PAYMENT_TITLES.get(schedule.get("payment"), schedule.get("payment"))}
    trace = data.get("trace") or {}
    return MeasureOutcome(
        data["measure"],
        data.get("title") or data["measure"],
        data.get("period", ""),
        data["status"],
        Decimal(data["amount"]) if data.get("amount") is not None else None,
        schedule,
        tuple(data.get("reasons") or ()),
        tuple(data.get("missing") or ()),
        data.get("error"),
        trace,
        service_tables(trace),
        data.get("ruleset_version", ""),
        calculation_id,
    )


@dataclass(frozen=True, slots=True)
class CalculationPage:
    person: PersonDetails
    members: tuple[MemberRow, ...]
    measures: tuple[tuple[str, str], ...]  # (code, title)
    form: dict[str, str]  # the values to show in the form
    errors: list[tuple[str, str]] = field(default_factory=list)
    outcomes: tuple[MeasureOutcome, ...] = ()
    saved: tuple[int, ...] = ()  # ids of the calculations stored
    can_save: bool = False


def calculation_page(
    session: Session,
    actor: Actor,
    ruleset: RuleSet,
    person_id: int,
    request: CalculationRequest | None,
    on: date,
    preset: str = "",
) -> CalculationPage:
    """The calculation form of a person's household (``preset``: the measure chosen at first)
    and, when submitted, the results (stored when asked). Invalid input comes back in
    ``errors`` and nothing is calculated or stored."""
    person = person_for(session, actor, person_id, "calculation.run")
    if request is not None and request.save:
        require(actor, "calculation.save")
    household = household_view(session, actor, person, on)
    members = tuple(m for m in household.members if m.is_visible) if household else ()
    details = person_details(session, person)
    if not members:  # in no household now: the person alone (the calculation says what is wrong)
        members = (
            MemberRow(person.id, details.full_name, person.birth_date, "applicant", person.birth_date, True, True),
        )
    measures = tuple((code, measure.title) for code, measure in ruleset.measures.items())
    if request is None:
        journal_read(session, "persons", [m.id for m in members], "calculation_form")
        form = {
            "member": str(person.id),
            "measure": preset if preset in ruleset.measures else "",
            "period": str(Month.of(on)),
        }
        return CalculationPage(details, members, measures, form, can_save=actor.can("calculation.save"))

    form = {
        "member": request.member.strip()[:20],
        "measure": request.measure.strip()[:64],
        "period": request.period.strip()[:20],
    }
    errors: list[tuple[str, str]] = []
    member_id = int(form["member"]) if form["member"].isascii() and form["member"].isdigit() else None
    if member_id is None or member_id not in {m.id for m in members}:
        errors.append(("member", "Выберите члена семьи из списка"))
    if form["measure"] and form["measure"] not in ruleset.measures:
        errors.append(("measure", "Выберите меру из списка"))
    period = None
    try:
        period = Month.parse(form["period"])
    except ValueError:
        errors.append(("period", "Укажите месяц расчета в формате ГГГГ-ММ, например 2026-03"))
    if period is not None and not 2000 <= period.year <= 2100:
        errors.append(("period", "Месяц расчета должен быть между 2000 и 2100 годом"))
        period = None
    if errors or member_id is None or period is None:
        return CalculationPage(details, members, measures, form, errors, can_save=actor.can("calculation.save"))
    try:
        outcomes = calculate(
            session, actor, ruleset, member_id, period, [form["measure"]] if form["measure"] else None, request.save
        )
    except RegisterError as exc:
        fields = {"person": "member", "measures": "measure"}
        problems = [(fields.get(name, name), message) for name, message in exc.problems]
        return CalculationPage(details, members, measures, form, problems, can_save=actor.can("calculation.save"))
    shown = tuple(outcome_of(o.result.as_dict(), o.calculation_id) for o in outcomes)
    saved = tuple(o.calculation_id for o in outcomes if o.calculation_id is not None)
    return CalculationPage(details, members, measures, form, [], shown, saved, can_save=actor.can("calculation.save"))


__all__ = [
    "CalculationPage",
    "CalculationRequest",
    "MeasureOutcome",
    "ServiceTable",
    "calculation_page",
    "outcome_of",
    "service_tables",
]
