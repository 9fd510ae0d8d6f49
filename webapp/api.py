"""The JSON API for machine clients: calculations (for a person of the register or a household
given as data), finding persons, a person's card, and the live rules.

A client authenticates with ``Authorization: Bearer <token>`` (issued by an administrator) and has
exactly the rights of the token's user: the services check the role and the territory, and a
foreign person answers 404 like a missing one. No cookies and no CSRF here. Bodies are checked
strictly: an unknown field, a wrong type or a bad value is a 400 naming every problem. The OpenAPI
description is served at ``/api/v1/openapi.json``.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from flask import Blueprint, jsonify, request

from engine import Month, RuleSet
from engine.errors import MeraError
from registry import casework
from registry.cards import PersonCard, SearchQuery, person_card, search_persons
from registry.identifiers import mask_snils
from registry.people import RegisterError
from webapp.database import db
from webapp.errors import TITLES
from webapp.live import live_rules
from webapp.openapi import BIGINT_MAX, CODE_PATTERN, MAX_MEASURES, MEMBER_PATTERN, MONTH_PATTERN, document
from webapp.security import actor_required, current_actor

log = logging.getLogger("mera.web")

bp = Blueprint("api", __name__, url_prefix="/api/v1")

_CODE = re.compile(CODE_PATTERN)
_MEMBER = re.compile(MEMBER_PATTERN)
_MONTH = re.compile(MONTH_PATTERN)
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_CALCULATION_FIELDS = ("person_id", "snapshot", "person", "measures", "period", "trace")
_SEARCH_FIELDS = {"snils": 20, "case_number": 30, "last_name": 100, "first_name": 100, "birth_date": 10}


# -- input ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CalculationRequest:
    period: Month
    person_id: int | None = None
    snapshot: dict[str, Any] | None = None
    person: str | None = None
    measures: list[str] | None = None
    trace: bool = True


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def json_body() -> Any:
    """The request's JSON (numbers with a fraction as ``Decimal``, as the engine wants money)."""
    if not request.is_json:
        raise RegisterError([("(тело)", "ожидается JSON: заголовок Content-Type: application/json")])
    raw = request.get_data(cache=False)
    try:
        return json.loads(raw, parse_float=Decimal, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):  # bad JSON, bad encoding, absurd nesting or number size
        raise RegisterError([("(тело)", "тело запроса — неправильный JSON")]) from None


def _is_int(value: Any) -> bool:
    return type(value) is int


def parse_calculation(body: Any) -> CalculationRequest:
    """Check a calculation request; ``RegisterError`` lists every problem at once."""
    if not isinstance(body, dict):
        raise RegisterError([("(тело)", "ожидается JSON-объект с полями запроса")])
    problems: list[tuple[str, str]] = []
    for key in body:
        if key not in _CALCULATION_FIELDS:
            problems.append((str(key), "неизвестное поле"))
    person_id = body.get("person_id")
    snapshot = body.get("snapshot")
    if ("person_id" in body) == ("snapshot" in body):
        problems.append(
            ("person_id", "укажите одно из двух: person_id (человек из регистра) или snapshot (сведения о семье)")
        )
    if "person_id" in body and not (_is_int(person_id) and 1 <= person_id <= BIGINT_MAX):
        problems.append(("person_id", "ожидается целое число не меньше 1"))
    if "snapshot" in body and not isinstance(snapshot, dict):
        problems.append(("snapshot", "ожидается объект со сведениями о семье"))
    person = body.get("person")
    if "person" in body:
        if "snapshot" not in body:
            problems.append(("person", "поле person указывается только вместе с snapshot"))
        elif not (isinstance(person, str) and _MEMBER.fullmatch(person)):
            problems.append(("person", "ожидается id члена семьи: латинские буквы, цифры, _ или -, до 32 символов"))
        elif isinstance(snapshot, dict) and isinstance(snapshot.get("members"), list):
            ids = {member.get("id") for member in snapshot["members"] if isinstance(member, dict)}
            if person not in ids:
                problems.append(("person", f"в snapshot.members нет члена семьи с id {person}"))
    measures = body.get("measures")
    if "measures" in body:
        if not isinstance(measures, list) or not measures:
            problems.append(("measures", "ожидается непустой список кодов мер"))
        elif len(measures) > MAX_MEASURES:
            problems.append(("measures", f"не больше {MAX_MEASURES} мер за один запрос"))
        elif not all(isinstance(code, str) and _CODE.fullmatch(code) for code in measures):
            problems.append(
                ("measures", "код меры: строчные латинские буквы, цифры и _, например unified_child_allowance")
            )
        elif len(set(measures)) != len(measures):
            problems.append(("measures", "мера указана дважды"))
    period = body.get("period")
    month = None
    if "period" not in body:
        problems.append(("period", "укажите месяц расчета ГГГГ-ММ"))
    elif not (isinstance(period, str) and _MONTH.fullmatch(period)):
        problems.append(("period", "ожидается месяц ГГГГ-ММ между 1900-01 и 2099-12, например 2026-03"))
    else:
        month = Month.parse(period)
    trace = body.get("trace", True)
    if not isinstance(trace, bool):
        problems.append(("trace", "ожидается true или false"))
    if problems or month is None:
        raise RegisterError(problems)
    return CalculationRequest(
        period=month,
        person_id=person_id,
        snapshot=snapshot,
        person=person,
        measures=measures,
        trace=trace,
    )


def parse_search(args) -> SearchQuery:  # type: ignore[no-untyped-def]
    """Check the query of a person search: known parameters, each once, of sane length and
    printable; then the search's own checks (SNILS check number, case number, dates)."""
    problems: list[tuple[str, str]] = []
    values: dict[str, str] = {}
    for key in args:
        given = args.getlist(key)
        if key not in _SEARCH_FIELDS:
            problems.append((key, "неизвестный параметр"))
        elif len(given) > 1:
            problems.append((key, "параметр указан несколько раз"))
        elif len(given[0]) > _SEARCH_FIELDS[key]:
            problems.append((key, f"не длиннее {_SEARCH_FIELDS[key]} символов"))
        elif not given[0].isprintable():
            problems.append((key, "недопустимые символы"))
        else:
            values[key] = given[0]
    if "birth_date" in values and not _DATE.fullmatch(values["birth_date"]):
        problems.append(("birth_date", "ожидается дата ГГГГ-ММ-ДД, например 1988-05-12"))
    if problems:
        raise RegisterError(problems)
    query = SearchQuery.parse(**values)
    if query.is_empty:
        raise RegisterError([("query", "укажите СНИЛС, номер личного дела, фамилию или дату рождения")])
    return query


# -- output -----------------------------------------------------------------------------------


def _unavailable():  # type: ignore[no-untyped-def]
    body = {"error": TITLES.get(503, "Сервис недоступен"), "message": "Правила еще не загружены: попробуйте позже."}
    return jsonify(body), 503


def _live() -> RuleSet | None:
    try:
        return live_rules().current
    except RuntimeError:  # the first load failed: nothing serves yet
        return None


def _money(value: Decimal | None) -> str | None:
    return f"{value:.2f}" if value is not None else None


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _masked(snils: str | None) -> str | None:
    return mask_snils(snils) if snils else None


def _card(card: PersonCard, on: date) -> dict[str, Any]:
    person = card.person
    household = card.household
    return {
        "id": person.id,
        "full_name": person.full_name,
        "case_number": person.case_number,
        "snils": _masked(person.snils),
        "birth_date": person.birth_date.isoformat(),
        "death_date": _iso(person.death_date),
        "sex": person.sex,
        "municipality": person.municipality,
        "as_of": on.isoformat(),
        "household": None
        if household is None
        else {
            "id": household.id,
            "reference": household.reference,
            "municipality": household.municipality,
            "members": [
                {
                    "person_id": member.id,
                    "full_name": member.full_name,
                    "birth_date": member.birth_date.isoformat(),
                    "role": member.role,
                    "member_since": member.valid_from.isoformat(),
                    "visible": member.is_visible,
                }
                for member in household.members
            ],
        },
        "categories": [
            {"title": row.title, "valid_from": _iso(row.valid_from), "valid_to": _iso(row.valid_to)}
            for row in card.categories
        ],
        "incomes": [
            {
                "month": str(Month.of(row.month)),
                "total": _money(row.total),
                "items": [{"kind": kind, "amount": _money(amount)} for kind, amount in row.items],
            }
            for row in card.incomes
        ],
        "assignments": [
            {
                "id": row.id,
                "measure": row.measure,
                "title": row.title,
                "member": row.who,
                "status": row.status,
                "amount": _money(row.amount),
                "period_from": _iso(row.period_from),
                "period_to": _iso(row.period_to),
                "decision_number": row.number,
                "decision_date": _iso(row.day),
            }
            for row in card.assignments
        ],
    }


# -- operations -------------------------------------------------------------------------------


@bp.post("/calculate")
@actor_required()
def calculate():  # type: ignore[no-untyped-def]
    asked = parse_calculation(json_body())
    ruleset = _live()
    if ruleset is None:
        return _unavailable()
    actor = current_actor()
    if asked.person_id is not None:
        outcomes = casework.calculate(db(), actor, ruleset, asked.person_id, asked.period, asked.measures)
        results = [outcome.result for outcome in outcomes]
    else:
        try:
            results = casework.calculate_snapshot(
                actor, ruleset, asked.snapshot or {}, asked.period, asked.measures, asked.person
            )
        except (RegisterError, MeraError):
            raise
        except (ValueError, OverflowError) as exc:  # a value the engine cannot represent (a year 0 month, ...)
            log.warning("snapshot refused by the engine: %s", type(exc).__name__)
            raise RegisterError([("snapshot", "сведения о семье содержат недопустимую дату или месяц")]) from None
    return jsonify(
        {
            "ruleset_version": ruleset.version,
            "period": str(asked.period),
            "results": [result.as_dict(with_trace=asked.trace) for result in results],
        }
    )


@bp.get("/persons")
@actor_required()
def persons():  # type: ignore[no-untyped-def]
    found = search_persons(db(), current_actor(), parse_search(request.args))
    rows = found.rows if found else ()
    persons = [
        {
            "id": row.id,
            "case_number": row.case_number,
            "snils": row.masked_snils if row.masked_snils != "—" else None,
            "full_name": row.full_name,
            "birth_date": row.birth_date.isoformat(),
            "municipality": row.municipality,
        }
        for row in rows
    ]
    return jsonify({"persons": persons, "truncated": bool(found and found.has_more)})


@bp.get(f"/persons/<int(min=1, max={BIGINT_MAX}):person_id>")
@actor_required()
def person(person_id: int):  # type: ignore[no-untyped-def]
    ruleset = _live()
    titles = {code: measure.title for code, measure in ruleset.measures.items()} if ruleset else {}
    today = date.today()
    return jsonify(_card(person_card(db(), current_actor(), person_id, today, titles), today))


@bp.get("/rules")
@actor_required("rules.read")
def rules():  # type: ignore[no-untyped-def]
    live = live_rules()
    ruleset = _live()
    attempt = live.last_attempt
    last = None
    if attempt is not None:
        last = {
            "at": attempt.at.isoformat(),
            "ok": attempt.ok,
            "version": attempt.version,
            "live_version": attempt.live_version,
            "changed": attempt.changed,
            "tests_run": attempt.tests_run,
            "seconds": round(attempt.seconds, 3),
            "errors": [
                {
                    "code": error.code,
                    "message": error.message,
                    "file": details["path"],
                    "line": details["line"],
                    "column": details["column"],
                    "source_line": details["source_line"],
                    "hint": error.hint,
                }
                for error in attempt.errors
                for details in (error.as_dict(),)
            ],
        }
    return jsonify(
        {
            "version": ruleset.version if ruleset else None,
            "label": ruleset.label if ruleset else None,
            "loaded_at": ruleset.loaded_at.isoformat() if ruleset else None,
            "measures": len(ruleset.measures) if ruleset else 0,
            "parameters": len(ruleset.params) if ruleset else 0,
            "tests": ruleset.test_count if ruleset else 0,
            "last_attempt": last,
        }
    )


@bp.get("/measures")
@actor_required("rules.read")
def measures():  # type: ignore[no-untyped-def]
    ruleset = _live()
    if ruleset is None:
        return _unavailable()
    return jsonify(
        {
            "measures": [
                {
                    "code": code,
                    "title": measure.title,
                    "entity": measure.entity,
                    "level": measure.level,
                    "funding": measure.funding,
                    "legal_basis": measure.legal_basis,
                    "valid_from": measure.valid_from.isoformat(),
                    "valid_to": _iso(measure.valid_to),
                }
                for code, measure in sorted(ruleset.measures.items())
            ]
        }
    )


@bp.get("/openapi.json")
def openapi():  # type: ignore[no-untyped-def]
    ruleset = _live()
    return jsonify(document(tuple(sorted(ruleset.measures)) if ruleset else ()))
