"""Calculations from the register: evaluate measures for a person's household, store them with
their rules and inputs, and replay a stored calculation to the kopeck."""

from __future__ import annotations

import json
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import Month, Result, RuleSet, Snapshot, evaluate, evaluate_all, parse_snapshot
from registry.audit import current_actor
from registry.models import Application, Calculation
from registry.rulesets import load_ruleset_version, store_ruleset
from registry.snapshots import household_data, household_of

_RULESETS: OrderedDict[str, RuleSet] = OrderedDict()  # rebuilt versions, most recent last
_RULESET_CACHE_SIZE = 8


@dataclass(frozen=True, slots=True)
class Outcome:
    result: Result
    calculation_id: int | None


def _json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, default=str)


def calculate_for_person(
    session: Session,
    ruleset: RuleSet,
    person_id: int,
    period: Month,
    measures: list[str] | None = None,
    save: bool = False,
) -> list[Outcome]:
    """Evaluate measures for a person: household measures of their household, person measures for
    them. The snapshot is the household as the register knows it on the period's last day, with
    each measure's own latest application (as the batch recalculation reads them): an application
    for one measure is never taken for an application for another."""
    on = period.end
    household_id = household_of(session, person_id, on)
    codes = list(measures) if measures is not None else list(ruleset.measures)
    base = parse_snapshot(household_data(session, household_id, on))
    latest: dict[str, Application] = {}
    for application in session.execute(
        select(Application)
        .where(Application.household_id == household_id, Application.submitted_on <= on)
        .order_by(Application.submitted_on.desc(), Application.id.desc())
    ).scalars():
        latest.setdefault(application.measure, application)
    groups: dict[int | None, tuple[Application | None, list[str]]] = {}
    for code in codes:
        application = latest.get(code)
        key = application.id if application is not None else None
        groups.setdefault(key, (application, []))[1].append(code)
    member = str(person_id)
    evaluated: dict[str, tuple[list[Result], Snapshot]] = {}
    for application, group in groups.values():
        snapshot = (
            base.with_application(application.submitted_on, application.measure) if application is not None else base
        )
        results = evaluate_all(ruleset, snapshot, period, group, person=member)
        for result in results:
            evaluated.setdefault(result.measure, ([], snapshot))[0].append(result)
    ordered = [(result, evaluated[code][1]) for code in codes if code in evaluated for result in evaluated[code][0]]
    if not save:
        return [Outcome(result, None) for result, _snapshot in ordered]
    version = store_ruleset(session, ruleset)
    stored: dict[int, str] = {}
    outcomes = []
    for result, snapshot in ordered:
        text = stored.setdefault(id(snapshot), _json(snapshot.data))
        record = Calculation(
            created_at=datetime.now(UTC),
            actor=current_actor(),
            household_id=household_id,
            person_id=person_id,
            member=member,
            measure=result.measure,
            period=period.start,
            status=result.status,
            amount=result.amount,
            ruleset_version=version,
            snapshot=text,
            result=_json(result.as_dict()),
        )
        session.add(record)
        session.flush()
        outcomes.append(Outcome(result, record.id))
    return outcomes


def ruleset_of(session: Session, version: str) -> RuleSet:
    """A stored RuleSet, rebuilt once and kept for the next replays of the same version."""
    ruleset = _RULESETS.get(version)
    if ruleset is None:
        ruleset = load_ruleset_version(session, version)
        _RULESETS[version] = ruleset
        while len(_RULESETS) > _RULESET_CACHE_SIZE:
            _RULESETS.popitem(last=False)
    else:
        _RULESETS.move_to_end(version)
    return ruleset


@dataclass(frozen=True, slots=True)
class Replay:
    calculation_id: int
    ruleset_version: str
    stored: dict[str, Any]
    replayed: Result
    differences: tuple[str, ...] = field(default=())

    @property
    def matches(self) -> bool:
        return not self.differences


def replay(session: Session, calculation_id: int) -> Replay:
    """Recompute a stored calculation with its stored rules and snapshot, and compare."""
    record = session.get(Calculation, calculation_id)
    if record is None:
        raise LookupError(f"no calculation {calculation_id}")
    ruleset = ruleset_of(session, record.ruleset_version)
    snapshot = parse_snapshot(json.loads(record.snapshot, parse_float=Decimal))
    result = evaluate(ruleset, snapshot, record.measure, Month.of(record.period), person=record.member)
    stored = json.loads(record.result)
    again = json.loads(_json(result.as_dict()))
    differences = []
    for key in ("status", "amount", "schedule", "reasons", "missing", "error", "measure_version"):
        if stored.get(key) != again.get(key):
            differences.append(f"{key}: stored {stored.get(key)!r}, replayed {again.get(key)!r}")
    if record.amount != result.amount:
        differences.append(f"amount column: stored {record.amount}, replayed {result.amount}")
    if stored.get("trace") != again.get("trace"):
        differences.append("the trace differs")
    return Replay(calculation_id, record.ruleset_version, stored, result, tuple(differences))
