"""Columnar frames of a partition of the register, for the vectorised backend and batch work.

One query per table for a whole partition (a set of households or a municipality), never one
per person. Frames keep the stored representation: money in integer kopecks, quantities as
scaled integers, months as month numbers (``year * 12 + month - 1``), dates as datetime64; the
same facts the snapshot builder reads, with the same unknowns (declarations say what is known).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy import BigInteger, Select, and_, or_, select, type_coerce
from sqlalchemy.orm import Session

from engine import Month
from registry.models import (
    Application,
    Declaration,
    Deposit,
    Disability,
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


@dataclass(frozen=True, slots=True)
class PartitionFrames:
    """The facts of a partition as frames; ``members`` has one row per person, households sorted."""

    on: date
    households: pd.DataFrame  # household_id, region, municipality, reference
    members: pd.DataFrame  # household_id, person_id, role, birth_date, sex, incomes_first, incomes_last,
    #                        property_declared, reasons_declared
    incomes: pd.DataFrame  # person_id, month (month number), kind, amount (kopecks)
    categories: pd.DataFrame  # person_id, code, valid_from, valid_to
    reasons: pd.DataFrame  # person_id, kind, valid_from, valid_to
    disabilities: pd.DataFrame  # person_id, group, valid_from, valid_to
    pregnancies: pd.DataFrame  # person_id, registered_on, weeks_at_registration, expected_birth, ended_on
    real_estate: pd.DataFrame  # person_id, kind, area (hundredths of m²), share_numerator, share_denominator
    vehicles: pd.DataFrame  # person_id, kind, year, power_hp
    deposits: pd.DataFrame  # person_id, balance (kopecks)
    housing: pd.DataFrame  # household_id, housing_id, area (hundredths), ownership, registered_residents, has_debts
    services: pd.DataFrame  # household_id, code, cost (kopecks) — the latest month up to ``on``
    applications: pd.DataFrame  # household_id, person_id, measure, submitted_on

    @property
    def size(self) -> int:
        return len(self.members)


def _frame(session: Session, query: Select, columns: Sequence[str]) -> pd.DataFrame:
    """Raw column values (integers for money and quantities), straight into a frame."""
    rows = session.execute(query).all()
    return pd.DataFrame.from_records(rows, columns=list(columns))


def _valid(column_from, column_to, on: date):  # type: ignore[no-untyped-def]
    return and_(column_from <= on, or_(column_to.is_(None), column_to >= on))


def _raw(column):  # type: ignore[no-untyped-def]
    """A Money or Scaled column read as the stored integer, not converted to Decimal."""
    return type_coerce(column, BigInteger()).label(column.key)


def partition_frames(
    session: Session, on: date, household_ids: Sequence[int] | None = None, municipality: str | None = None
) -> PartitionFrames:
    """The frames of the households given (or of a municipality), as known on a date."""
    membership = select(Membership.household_id, Membership.person_id, Membership.role).where(
        _valid(Membership.valid_from, Membership.valid_to, on)
    )
    if household_ids is not None:
        membership = membership.where(Membership.household_id.in_(list(household_ids)))
    if municipality is not None:
        membership = membership.join(Household, Household.id == Membership.household_id).where(
            Household.municipality == municipality
        )
    in_partition = membership.subquery()
    people = select(in_partition.c.person_id)

    members = _frame(
        session,
        select(
            in_partition.c.household_id, in_partition.c.person_id, in_partition.c.role, Person.birth_date, Person.sex
        )
        .join(Person, Person.id == in_partition.c.person_id)
        .order_by(in_partition.c.household_id, in_partition.c.person_id),
        ["household_id", "person_id", "role", "birth_date", "sex"],
    )
    households = _frame(
        session,
        select(Household.id, Household.region, Household.municipality, Household.reference)
        .where(Household.id.in_(select(in_partition.c.household_id)))
        .order_by(Household.id),
        ["household_id", "region", "municipality", "reference"],
    )
    declarations = _frame(
        session,
        select(Declaration.person_id, Declaration.kind, Declaration.first_month, Declaration.last_month).where(
            Declaration.person_id.in_(people), Declaration.declared_on <= on
        ),
        ["person_id", "kind", "first_month", "last_month"],
    )
    declared = _declared_columns(declarations)
    members = members.merge(declared, on="person_id", how="left")
    members["property_declared"] = members["property_declared"].fillna(False).astype(bool)
    members["reasons_declared"] = members["reasons_declared"].fillna(False).astype(bool)

    incomes = _frame(
        session,
        select(Income.person_id, Income.month, Income.kind, _raw(Income.amount)).where(Income.person_id.in_(people)),
        ["person_id", "month", "kind", "amount"],
    )
    if not incomes.empty:
        month = pd.to_datetime(incomes["month"])
        incomes["month"] = (month.dt.year * 12 + month.dt.month - 1).astype("int64")
        bounds = members.set_index("person_id")[["incomes_first", "incomes_last"]]
        joined = incomes.join(bounds, on="person_id")
        inside = (joined["month"] >= joined["incomes_first"]) & (joined["month"] <= joined["incomes_last"])
        incomes = incomes[inside.fillna(False).to_numpy()].reset_index(drop=True)
        incomes["amount"] = incomes["amount"].astype("int64")

    def per_person(model, columns, names):  # type: ignore[no-untyped-def]
        return _frame(
            session, select(model.person_id, *columns).where(model.person_id.in_(people)), ["person_id", *names]
        )

    housing = _frame(
        session,
        select(
            Housing.household_id,
            Housing.id,
            _raw(Housing.area),
            Housing.ownership,
            Housing.registered_residents,
            Housing.has_debts,
            Housing.valid_from,
        ).where(Housing.household_id.in_(select(in_partition.c.household_id)), Housing.valid_from <= on),
        ["household_id", "housing_id", "area", "ownership", "registered_residents", "has_debts", "valid_from"],
    )
    if not housing.empty:  # the latest record of each household
        housing = housing.sort_values(["household_id", "valid_from"]).groupby("household_id").tail(1)
        housing = housing.drop(columns="valid_from").reset_index(drop=True)
    charges = _frame(
        session,
        select(UtilityCharge.housing_id, UtilityCharge.month, UtilityCharge.code, _raw(UtilityCharge.cost)).where(
            UtilityCharge.housing_id.in_(list(map(int, housing["housing_id"]))) if not housing.empty else False,
            UtilityCharge.month <= Month.of(on).start,
        ),
        ["housing_id", "month", "code", "cost"],
    )
    if not charges.empty:
        latest = charges.groupby("housing_id")["month"].transform("max")
        charges = charges[charges["month"] == latest]
        charges = charges.merge(housing[["housing_id", "household_id"]], on="housing_id")
        charges = charges[["household_id", "code", "cost"]].sort_values(["household_id", "code"]).reset_index(drop=True)
    else:
        charges = pd.DataFrame(columns=["household_id", "code", "cost"])

    return PartitionFrames(
        on=on,
        households=households,
        members=members,
        incomes=incomes,
        categories=per_person(
            PersonCategory,
            [PersonCategory.code, PersonCategory.valid_from, PersonCategory.valid_to],
            ["code", "valid_from", "valid_to"],
        ),
        reasons=per_person(
            NoIncomeReason,
            [NoIncomeReason.kind, NoIncomeReason.valid_from, NoIncomeReason.valid_to],
            ["kind", "valid_from", "valid_to"],
        ),
        disabilities=per_person(
            Disability,
            [Disability.group, Disability.valid_from, Disability.valid_to],
            ["group", "valid_from", "valid_to"],
        ),
        pregnancies=per_person(
            Pregnancy,
            [Pregnancy.registered_on, Pregnancy.weeks_at_registration, Pregnancy.expected_birth, Pregnancy.ended_on],
            ["registered_on", "weeks_at_registration", "expected_birth", "ended_on"],
        ),
        real_estate=per_person(
            RealEstate,
            [RealEstate.kind, _raw(RealEstate.area), RealEstate.share_numerator, RealEstate.share_denominator],
            ["kind", "area", "share_numerator", "share_denominator"],
        ),
        vehicles=per_person(Vehicle, [Vehicle.kind, Vehicle.year, Vehicle.power_hp], ["kind", "year", "power_hp"]),
        deposits=per_person(Deposit, [_raw(Deposit.balance)], ["balance"]),
        housing=housing,
        services=charges,
        applications=_frame(
            session,
            select(
                Application.household_id, Application.person_id, Application.measure, Application.submitted_on
            ).where(Application.household_id.in_(select(in_partition.c.household_id)), Application.submitted_on <= on),
            ["household_id", "person_id", "measure", "submitted_on"],
        ),
    )


def _declared_columns(declarations: pd.DataFrame) -> pd.DataFrame:
    """Per person: the declared income months (the run ending with the latest), property and
    reasons declared — the same reading as the snapshot builder's."""
    columns = ["person_id", "incomes_first", "incomes_last", "property_declared", "reasons_declared"]
    if declarations.empty:
        return pd.DataFrame(columns=columns).astype({"incomes_first": "Int64", "incomes_last": "Int64"})
    flags = (
        declarations.assign(
            property_declared=declarations["kind"] == "property",
            reasons_declared=declarations["kind"] == "no_income_reasons",
        )
        .groupby("person_id")[["property_declared", "reasons_declared"]]
        .any()
    )
    incomes = declarations[
        (declarations["kind"] == "incomes") & declarations["first_month"].notna() & declarations["last_month"].notna()
    ].copy()
    for name in ("first_month", "last_month"):
        moment = pd.to_datetime(incomes[name])
        incomes[name] = moment.dt.year * 12 + moment.dt.month - 1
    counts = incomes.groupby("person_id").size()
    single = incomes[incomes["person_id"].isin(counts[counts == 1].index)]
    spans = single.set_index("person_id")[["first_month", "last_month"]]
    spans.columns = ["incomes_first", "incomes_last"]
    several = []
    for person_id, group in incomes[incomes["person_id"].isin(counts[counts > 1].index)].groupby("person_id"):
        months: set[int] = set()
        for first, last in group[["first_month", "last_month"]].itertuples(index=False):
            months.update(range(int(first), int(last) + 1))
        last_index = max(months)
        first_index = last_index
        while first_index - 1 in months:
            first_index -= 1
        several.append((person_id, first_index, last_index))
    if several:
        spans = pd.concat(
            [
                spans,
                pd.DataFrame(several, columns=["person_id", "incomes_first", "incomes_last"]).set_index("person_id"),
            ]
        )
    result = flags.join(spans, how="left").reset_index()
    return result[columns].astype({"incomes_first": "Int64", "incomes_last": "Int64"})
