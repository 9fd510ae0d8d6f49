"""Checks of the kinds whose rows load in groups, whole or not at all: a household's members, a
person's incomes (whose months are declared first to last: a rejected month would otherwise be
declared as a month without income), a household's housing and its charges.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry import bulk
from registry.importing.checks import (
    Frames,
    among,
    as_dates,
    as_scaled,
    chunks,
    good_records,
    new_ids,
    persons_by_snils,
    reject_repeats,
    reject_whole_groups,
)
from registry.importing.records import Record
from registry.models import Declaration, Household, Housing, Income, Membership, Municipality


def check_households(session: Session, records: list[Record], as_of: date) -> Frames:
    first_household, first_member = bulk.next_id(session, "households"), bulk.next_id(session, "memberships")
    regions = {key: value for key, value in session.execute(select(Municipality.oktmo, Municipality.region))}
    persons = persons_by_snils(session, records)
    groups: dict[str, list[Record]] = defaultdict(list)
    for record in records:
        if record.values["household"]:
            groups[record.values["household"]].append(record)
    existing: set[str] = set()
    for batch in chunks(sorted(groups)):
        existing.update(session.scalars(select(Household.reference).where(among(Household.reference, batch))))
    member_of: dict[int, str] = {}
    for batch in chunks(sorted({pid for pid, _born in persons.values()})):
        query = (
            select(Membership.person_id, Household.reference)
            .join(Household, Household.id == Membership.household_id)
            .where(among(Membership.person_id, batch), (Membership.valid_to.is_(None)) | (Membership.valid_to >= as_of))
        )
        member_of.update({key: value for key, value in session.execute(query)})
    for reference, group in groups.items():
        place = group[0].values["municipality"]
        applicants = [r for r in group if r.values["role"] == "applicant"]
        for record in group:
            values = record.values
            if reference in existing:
                record.reject("household", f"семья «{reference}» уже есть в регистре")
            if values["municipality"] and values["municipality"] not in regions:
                record.reject("municipality", f"нет муниципального образования с ОКТМО {values['municipality']}")
            elif values["municipality"] and values["municipality"] != place:
                record.reject("municipality", f"ОКТМО отличается от первой строки семьи (строка {group[0].row})")
            if len(applicants) != 1:
                record.reject("role", f"в семье «{reference}» {len(applicants)} заявителей, нужен ровно один")
            person = persons.get(values["snils"])
            if person and person[0] in member_of:
                record.reject("snils", f"человек уже состоит в семье «{member_of[person[0]]}»")
            if person and values["member_from"] and values["member_from"] < person[1]:
                record.reject("member_from", f"раньше даты рождения {person[1]:%d.%m.%Y}")
    reject_repeats(records, lambda r: r.values["snils"], "snils", "СНИЛС члена семьи")
    reject_whole_groups(groups, "household", lambda reference: f"члены семьи «{reference}»")
    good_groups = [(ref, group) for ref, group in groups.items() if all(r.is_good for r in group)]
    household_ids = dict(zip((ref for ref, _ in good_groups), new_ids(first_household, len(good_groups)), strict=True))
    households = pd.DataFrame(
        {
            "id": np.array(list(household_ids.values()), dtype=np.int64),
            "reference": pd.Series(list(household_ids), dtype=object),
            "region": pd.Series([regions[g[0].values["municipality"]] for _, g in good_groups], dtype=object),
            "municipality": pd.Series([g[0].values["municipality"] for _, g in good_groups], dtype=object),
        }
    )
    members = [r for _, group in good_groups for r in group]
    memberships = pd.DataFrame(
        {
            "id": new_ids(first_member, len(members)),
            "household_id": np.array([household_ids[r.values["household"]] for r in members], dtype=np.int64),
            "person_id": np.array([persons[r.values["snils"]][0] for r in members], dtype=np.int64),
            "role": pd.Series([r.values["role"] for r in members], dtype=object),
            "valid_from": as_dates(r.values["member_from"] for r in members),
            "valid_to": as_dates(None for _ in members),
        }
    )
    return [("households", households), ("memberships", memberships)]


def _month_text(day: date) -> str:
    return f"{day:%Y-%m}"


def check_incomes(session: Session, records: list[Record], as_of: date) -> Frames:
    first_income, first_declaration = bulk.next_id(session, "incomes"), bulk.next_id(session, "declarations")
    persons = persons_by_snils(session, records)
    by_person: dict[str, list[Record]] = defaultdict(list)
    for record in records:
        values = record.values
        if (
            values["amount"] is not None
            and values["amount"] != 0
            and values["kind"] is None
            and "kind" not in {code for code, _ in record.problems}
        ):
            record.reject("kind", "не заполнено: вид дохода нужен, если сумма не 0")
        person = persons.get(values["snils"])
        if person and values["month"] and values["month"] < person[1].replace(day=1):
            record.reject("month", f"месяц раньше рождения ({person[1]:%d.%m.%Y})")
        if values["snils"]:
            by_person[values["snils"]].append(record)

    def key(r: Record) -> tuple[Any, ...] | None:
        v = r.values
        return (v["snils"], v["month"], v["kind"], v["source"]) if v["month"] and v["amount"] else None

    reject_repeats(records, key, "amount", "доход (человек, месяц, вид и источник)")
    spans = {}
    for snils, group in by_person.items():
        months = [r.values["month"] for r in group if r.values["month"]]
        if months and snils in persons:
            spans[persons[snils][0]] = (snils, min(months), max(months))
    clashes: dict[int, str] = {}
    for batch in chunks(sorted(spans)):
        query = select(Declaration.person_id, Declaration.first_month, Declaration.last_month).where(
            among(Declaration.person_id, batch), Declaration.kind == "incomes"
        )
        for pid, first_month, last_month in session.execute(query):
            _snils, low, high = spans[pid]
            if first_month and last_month and first_month <= high and low <= last_month:
                clashes[pid] = f"доходы за {_month_text(first_month)}–{_month_text(last_month)} уже заявлены в регистре"
        query = select(Income.person_id, Income.month).where(among(Income.person_id, batch))
        for pid, month in session.execute(query):
            _snils, low, high = spans[pid]
            if low <= month <= high and pid not in clashes:
                clashes[pid] = f"доход за {_month_text(month)} уже есть в регистре"
    for pid, reason in clashes.items():
        for record in by_person[spans[pid][0]]:
            record.reject("month", reason)
    reject_whole_groups(by_person, "snils", lambda snils: "доходы человека")
    good = good_records(records)
    paid = [r for r in good if r.values["amount"] != 0]
    incomes = pd.DataFrame(
        {
            "id": new_ids(first_income, len(paid)),
            "person_id": np.array([persons[r.values["snils"]][0] for r in paid], dtype=np.int64),
            "month": as_dates(r.values["month"] for r in paid),
            "kind": pd.Series([r.values["kind"] for r in paid], dtype=object),
            "source": pd.Series([r.values["source"] for r in paid], dtype=object),
            "amount": as_scaled((r.values["amount"] for r in paid), 2),
        }
    )
    declared = [(snils, group) for snils, group in by_person.items() if group[0].is_good]
    declarations = pd.DataFrame(
        {
            "id": new_ids(first_declaration, len(declared)),
            "person_id": np.array([persons[snils][0] for snils, _ in declared], dtype=np.int64),
            "kind": "incomes",
            "first_month": as_dates(min(r.values["month"] for r in group) for _, group in declared),
            "last_month": as_dates(max(r.values["month"] for r in group) for _, group in declared),
            "declared_on": as_dates(as_of for _ in declared),
        }
    )
    return [("incomes", incomes), ("declarations", declarations)]


_HOUSING_FIELDS = ("area", "ownership", "registered_residents", "has_debts", "valid_from")


def check_housing(session: Session, records: list[Record], as_of: date) -> Frames:
    first_housing, first_charge = bulk.next_id(session, "housing"), bulk.next_id(session, "utility_charges")
    groups: dict[str, list[Record]] = defaultdict(list)
    for record in records:
        if record.values["household"]:
            groups[record.values["household"]].append(record)
    households: dict[str, int] = {}
    for batch in chunks(sorted(groups)):
        query = select(Household.reference, Household.id).where(among(Household.reference, batch))
        households.update({key: value for key, value in session.execute(query)})
    dwellings: dict[str, dict[str, Any]] = {}
    for reference, group in groups.items():
        if reference not in households:
            for record in group:
                record.reject("household", f"нет семьи «{reference}» в регистре")
            continue
        dwelling: dict[str, Any] = {}
        first_row: dict[str, int] = {}
        for record in group:
            for name in _HOUSING_FIELDS:
                value = record.values[name]
                if value is None:
                    continue
                if name not in dwelling:
                    dwelling[name], first_row[name] = value, record.row
                elif value != dwelling[name]:
                    record.reject(name, f"отличается от строки {first_row[name]}: у семьи одно жилье на файл")
        if "area" not in dwelling and all("area" not in {c for c, _ in r.problems} for r in group):
            group[0].reject("area", "не заполнено: площадь нужна хотя бы в одной строке семьи")
        months = [r.values["month"] for r in group if r.values["month"]]
        dwelling.setdefault("valid_from", min(months) if months else None)
        dwellings[reference] = dwelling
    known = {households[ref]: ref for ref in dwellings}
    for batch in chunks(sorted(known)):
        query = select(Housing.household_id, Housing.valid_from).where(among(Housing.household_id, batch))
        for household_id, valid_from in session.execute(query):
            reference = known[household_id]
            if valid_from == dwellings[reference]["valid_from"]:
                for record in groups[reference]:
                    record.reject("household", f"жилье семьи с {valid_from:%d.%m.%Y} уже есть в регистре")

    def key(r: Record) -> tuple[Any, ...] | None:
        v = r.values
        return (v["household"], v["month"], v["service"]) if v["month"] and v["service"] else None

    reject_repeats(records, key, "service", "начисление (семья, месяц, услуга)")
    reject_whole_groups(groups, "household", lambda reference: f"жилье и начисления семьи «{reference}»")
    loaded = [ref for ref, group in groups.items() if all(r.is_good for r in group)]
    housing_ids = dict(zip(loaded, new_ids(first_housing, len(loaded)), strict=True))
    kept = [dwellings[ref] for ref in loaded]
    housing = pd.DataFrame(
        {
            "id": np.array(list(housing_ids.values()), dtype=np.int64),
            "household_id": np.array([households[ref] for ref in loaded], dtype=np.int64),
            "valid_from": as_dates(d["valid_from"] for d in kept),
            "area": as_scaled((d["area"] for d in kept), 2),
            "ownership": pd.Series([d.get("ownership") for d in kept], dtype=object),
            "registered_residents": pd.Series([d.get("registered_residents") for d in kept], dtype="Int64"),
            "has_debts": pd.Series([d.get("has_debts") for d in kept], dtype="boolean"),
        }
    )
    charges = [r for ref in loaded for r in groups[ref]]
    utility_charges = pd.DataFrame(
        {
            "id": new_ids(first_charge, len(charges)),
            "housing_id": np.array([housing_ids[r.values["household"]] for r in charges], dtype=np.int64),
            "month": as_dates(r.values["month"] for r in charges),
            "code": pd.Series([r.values["service"] for r in charges], dtype=object),
            "unit": pd.Series([r.values["unit"] for r in charges], dtype=object),
            "tariff": as_scaled((r.values["tariff"] for r in charges), 4),
            "norm": as_scaled((r.values["norm"] for r in charges), 6),
            "volume": as_scaled((r.values["volume"] for r in charges), 4),
            "cost": as_scaled((r.values["cost"] for r in charges), 2),
        }
    )
    return [("housing", housing), ("utility_charges", utility_charges)]


__all__ = ["check_households", "check_housing", "check_incomes"]
