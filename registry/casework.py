"""Services on behalf of a member of staff: every read of a person is checked against the
actor's role and territorial scope and journaled (ids only), and calculations run for persons the
actor may see. The web pages and the JSON API call these, never the models directly."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from engine import Month, Result, RuleSet, evaluate_all, parse_snapshot
from registry.access import Actor, NotFoundError, require, require_scope
from registry.audit import journal
from registry.calculations import Outcome, calculate_for_person
from registry.models import Person
from registry.people import RegisterError
from registry.snapshots import DeceasedError, NotInRegisterError


def person_for(session: Session, actor: Actor, person_id: int, permission: str = "person.read") -> Person:
    """A person the actor may see; a foreign or missing id is the same ``NotFoundError``."""
    require(actor, permission)
    person = session.get(Person, person_id)
    if person is None:
        raise NotFoundError("человек не найден")
    require_scope(actor, person.municipality, "человек не найден")
    return person


def journal_read(session: Session, table: str, ids: list[int] | list[str], purpose: str) -> None:
    """Record that personal data was read: which rows and why, never their contents."""
    if ids:
        journal(session, "read", table, str(ids[0]) if len(ids) == 1 else None, {"ids": ids[:200], "purpose": purpose})


def calculate(
    session: Session,
    actor: Actor,
    ruleset: RuleSet,
    person_id: int,
    period: Month,
    measures: list[str] | None = None,
    save: bool = False,
) -> list[Outcome]:
    """Evaluate measures for a person of the register (household measures of their household),
    optionally storing each calculation with its rules and snapshot for replay."""
    person_for(session, actor, person_id, "calculation.run")
    if save:
        require(actor, "calculation.save")
    unknown = [code for code in measures or [] if code not in ruleset.measures]
    if unknown:
        raise RegisterError([("measures", f"нет меры {code}") for code in unknown])
    try:
        outcomes = calculate_for_person(session, ruleset, person_id, period, measures, save=save)
    except DeceasedError as exc:
        message = f"человек умер {exc.died:%d.%m.%Y}: расчет после даты смерти не выполняется"
        raise RegisterError([("person", message)]) from None
    except NotInRegisterError as exc:
        raise RegisterError([("person", f"человек не входит ни в одну семью на {period}: {exc}")]) from None
    journal_read(session, "persons", [person_id], "calculation")
    return outcomes


def calculate_snapshot(
    actor: Actor,
    ruleset: RuleSet,
    data: dict[str, Any],
    period: Month,
    measures: list[str] | None = None,
    person: str | None = None,
) -> list[Result]:
    """Evaluate a household given as data (no register read): for rule authors and machine
    clients. ``SnapshotError`` names every bad field."""
    require(actor, "api.snapshot")
    snapshot = parse_snapshot(data)
    unknown = [code for code in measures or [] if code not in ruleset.measures]
    if unknown:
        raise RegisterError([("measures", f"нет меры {code}") for code in unknown])
    return evaluate_all(ruleset, snapshot, period, measures, person=person)


__all__ = ["calculate", "calculate_snapshot", "journal_read", "person_for"]
