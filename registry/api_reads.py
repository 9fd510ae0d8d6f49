"""Reads for machine clients beyond the staff pages' services (``registry.cards``): the subject of
the web benchmark (``mera bench web``), within the actor's territory."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.access import Actor, require
from registry.models import Household, Membership
from registry.snapshots import valid_on


def household_head(session: Session, actor: Actor, oktmo: str, on: date) -> int | None:
    """The applicant of the first household of a municipality on a date, if the actor may see
    that municipality; None when there is none."""
    require(actor, "person.read")
    return session.execute(
        select(Membership.person_id)
        .join(Household, Household.id == Membership.household_id)
        .where(
            Household.municipality == oktmo,
            actor.scope_clause(Household.municipality),
            Membership.role == "applicant",
            valid_on(Membership.valid_from, Membership.valid_to, on),
        )
        .order_by(Household.id)
        .limit(1)
    ).scalar_one_or_none()


__all__ = ["household_head"]
