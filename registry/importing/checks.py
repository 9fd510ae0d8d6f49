"""Checks of parsed records against each other and the register, and the frames they load as.

One function per kind: it takes the records (already parsed row by row), rejects those that
clash with the register or with other rows of the file, and returns the frames of the good ones
in the stored representation (kopecks, scaled integers, datetime64) with ids reserved by
``registry.bulk.next_id``. Ids are reserved first: on PostgreSQL that locks the tables, so no one
adds a duplicate between these checks and the load.

This module holds the kinds whose rows stand alone (persons, documents, categories) and the
helpers; ``registry.importing.groups`` the kinds whose rows load in groups.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import ColumnElement, bindparam, select
from sqlalchemy.orm import Session

from registry import bulk, people
from registry.importing.records import Record
from registry.importing.values import fold
from registry.models import Document, Municipality, Person, PersonCategory
from registry.reference import DOCUMENT_KINDS, validate_document

Frames = list[tuple[str, pd.DataFrame]]
CHUNK = 1000  # values per IN (...) list


def chunks(items: Iterable[Any]) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) == CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


def among(column: Any, values: list[Any]) -> ColumnElement[bool]:
    """``column IN (values)`` with the values rendered into the statement by the dialect (they are
    parsed, validated values, never raw text). With bound parameters psycopg prepares the repeated
    statement and PostgreSQL switches to a generic plan that compares each row with each of the
    thousand parameters: measured, about a second per chunk against 50 000 persons. With
    constants every chunk gets its own plan, and PostgreSQL hashes the list."""
    return column.in_(bindparam(f"among_{column.key}", values, expanding=True, literal_execute=True))


def new_ids(first: int, count: int) -> np.ndarray:
    return np.arange(first, first + count, dtype=np.int64)


def as_dates(values: Iterable[date | None]) -> pd.Series:
    return pd.to_datetime(pd.Series(list(values), dtype=object))


def as_scaled(values: Iterable[Any], places: int) -> pd.Series:
    """Decimals as integers ×10^places (exact: the grammar allowed at most ``places``)."""
    return pd.Series([None if v is None else int(v.scaleb(places)) for v in values], dtype="Int64")


def good_records(records: list[Record]) -> list[Record]:
    return [r for r in records if r.is_good]


def rows_of(records: Iterable[Record]) -> str:
    return ", ".join(str(r.row) for r in records)


def reject_repeats(records: Iterable[Record], key: Callable[[Record], Hashable | None], code: str, what: str) -> None:
    """Every row of a repeated key is rejected: the file does not say which one is right."""
    groups: dict[Hashable, list[Record]] = defaultdict(list)
    for record in records:
        value = key(record)
        if value is not None:
            groups[value].append(record)
    for group in groups.values():
        if len(group) > 1:
            for record in group:
                record.reject(code, f"{what} повторяется в файле: строки {rows_of(group)}")


def reject_whole_groups(groups: dict[Any, list[Record]], code: str, what: Callable[[Any], str]) -> None:
    for key, group in groups.items():
        bad = [r for r in group if not r.is_good]
        if bad:
            for record in group:
                if record.is_good:
                    record.reject(code, f"{what(key)} не загружены: ошибки в строках {rows_of(bad)}")


def persons_by_snils(session: Session, records: list[Record]) -> dict[str, tuple[int, date]]:
    """Persons of the register by the SNILS the records name: id and birth date."""
    wanted = {r.values["snils"] for r in records if r.values["snils"]}
    found: dict[str, tuple[int, date]] = {}
    for batch in chunks(sorted(wanted)):
        query = select(Person.snils, Person.id, Person.birth_date).where(among(Person.snils, batch))
        found.update({snils: (pid, born) for snils, pid, born in session.execute(query)})
    for record in records:
        snils = record.values["snils"]
        if snils and snils not in found:
            record.reject("snils", "нет человека с таким СНИЛС в регистре")
    return found


def _name_key(values: dict[str, Any]) -> tuple[str, str, str, date] | None:
    if not (values["last_name"] and values["first_name"] and values["birth_date"]):
        return None
    return (
        fold(values["last_name"]),
        fold(values["first_name"]),
        fold(values["middle_name"] or ""),
        values["birth_date"],
    )


def check_persons(session: Session, records: list[Record], as_of: date) -> Frames:
    first = bulk.next_id(session, "persons")
    municipalities = set(session.scalars(select(Municipality.oktmo)))
    registered: dict[str, str] = {}
    for batch in chunks(sorted({r.values["snils"] for r in records if r.values["snils"]})):
        query = select(Person.snils, Person.case_number).where(among(Person.snils, batch))
        registered.update({key: value for key, value in session.execute(query)})
    same_name: dict[tuple[str, str, str, date], str] = {}
    for batch in chunks(sorted({r.values["birth_date"] for r in records if r.values["birth_date"]})):
        query = select(
            Person.last_name, Person.first_name, Person.middle_name, Person.birth_date, Person.case_number
        ).where(among(Person.birth_date, batch))
        for last, first_name, middle, born, case in session.execute(query):
            same_name[(fold(last), fold(first_name), fold(middle or ""), born)] = case
    for record in records:
        values = record.values
        if values["municipality"] and values["municipality"] not in municipalities:
            record.reject("municipality", f"нет муниципального образования с ОКТМО {values['municipality']}")
        if values["snils"] in registered:
            record.reject("snils", f"человек с таким СНИЛС уже есть в регистре (дело {registered[values['snils']]})")
        key = _name_key(values)
        if key in same_name:
            record.reject(
                "last_name", f"человек с теми же ФИО и датой рождения уже есть в регистре (дело {same_name[key]})"
            )
    reject_repeats(records, lambda r: r.values["snils"], "snils", "СНИЛС")
    reject_repeats(records, lambda r: _name_key(r.values), "last_name", "человек (ФИО и дата рождения)")
    good = good_records(records)
    by_place: dict[str, list[Record]] = defaultdict(list)
    for record in good:
        by_place[record.values["municipality"]].append(record)
    case_numbers: dict[int, str] = {}
    for oktmo, group in by_place.items():
        for record, number in zip(group, people.next_case_numbers(session, oktmo, len(group)), strict=True):
            case_numbers[record.row] = number
    columns = ("snils", "last_name", "first_name", "middle_name", "sex", "municipality")
    frame = pd.DataFrame({"id": new_ids(first, len(good)), "case_number": [case_numbers[r.row] for r in good]})
    for name in columns:
        frame[name] = pd.Series([r.values[name] for r in good], dtype=object)
    frame["birth_date"] = as_dates(r.values["birth_date"] for r in good)
    for name in ("registration_address", "residence_address"):
        frame[name] = pd.Series([r.values[name] for r in good], dtype=object)
    return [("persons", frame)]


def _clean(value: str | None) -> str | None:
    return "".join(value.split()) or None if value else None


def _subkind(kind: str, text: str | None) -> str | None:
    """A subkind by code or by title; an unknown one is passed on for validate_document to name."""
    if text is None:
        return None
    spec = DOCUMENT_KINDS[kind]
    return next((s.code for s in spec.subkinds if fold(text) in (fold(s.code), fold(s.title))), text)


def check_documents(session: Session, records: list[Record], as_of: date) -> Frames:
    first = bulk.next_id(session, "documents")
    persons = persons_by_snils(session, records)
    existing: set[tuple[int, str, str | None, str | None]] = set()
    for batch in chunks(sorted({pid for pid, _born in persons.values()})):
        query = select(Document.person_id, Document.kind, Document.series, Document.number)
        for pid, kind, series, number in session.execute(query.where(among(Document.person_id, batch))):
            existing.add((pid, kind, _clean(series), _clean(number)))
    for record in records:
        values = record.values
        person = persons.get(values["snils"])
        kind = values["kind"]
        if kind is None:
            continue
        values["subkind"] = _subkind(kind, values["subkind"])
        values["series"], values["number"] = _clean(values["series"]), _clean(values["number"])
        for code, reason in validate_document(
            kind,
            values["subkind"],
            values["series"],
            values["number"],
            values["issued_on"],
            values["valid_to"],
            birth_date=person[1] if person else None,
            on=as_of,
        ):
            record.reject(code, reason)
        spec = DOCUMENT_KINDS[kind]
        is_known_subkind = values["subkind"] is None or spec.subkind(values["subkind"]) is not None
        if is_known_subkind and spec.rules_for(values["subkind"]).is_authority_required and not values["issued_by"]:
            record.reject("issued_by", "не указано, кем выдан документ")
        if person and values["number"] and (person[0], kind, values["series"], values["number"]) in existing:
            record.reject("number", "такой документ уже есть в регистре")

    def key(r: Record) -> tuple[Any, ...] | None:
        v = r.values
        return (v["snils"], v["kind"], v["series"], v["number"]) if v["number"] and v["kind"] else None

    reject_repeats(records, key, "number", "документ")
    good = good_records(records)
    frame = pd.DataFrame(
        {
            "id": new_ids(first, len(good)),
            "person_id": np.array([persons[r.values["snils"]][0] for r in good], dtype=np.int64),
        }
    )
    for name in ("kind", "subkind", "series", "number"):
        frame[name] = pd.Series([r.values[name] for r in good], dtype=object)
    frame["issued_on"] = as_dates(r.values["issued_on"] for r in good)
    frame["issued_by"] = pd.Series([r.values["issued_by"] for r in good], dtype=object)
    frame["valid_to"] = as_dates(r.values["valid_to"] for r in good)
    return [("documents", frame)]


def _overlap(a: tuple[date | None, date | None], b: tuple[date | None, date | None]) -> bool:
    return (a[0] or date.min) <= (b[1] or date.max) and (b[0] or date.min) <= (a[1] or date.max)


def check_categories(session: Session, records: list[Record], as_of: date) -> Frames:
    first = bulk.next_id(session, "person_categories")
    persons = persons_by_snils(session, records)
    existing: dict[tuple[int, str], list[tuple[date | None, date | None]]] = defaultdict(list)
    for batch in chunks(sorted({pid for pid, _born in persons.values()})):
        query = select(
            PersonCategory.person_id, PersonCategory.code, PersonCategory.valid_from, PersonCategory.valid_to
        )
        for pid, code, valid_from, valid_to in session.execute(query.where(among(PersonCategory.person_id, batch))):
            existing[(pid, code)].append((valid_from, valid_to))
    in_file: dict[tuple[str, str], list[Record]] = defaultdict(list)
    for record in records:
        values = record.values
        period = (values["valid_from"], values["valid_to"])
        if period[0] and period[1] and period[1] < period[0]:
            record.reject("valid_to", "раньше даты начала")
        person = persons.get(values["snils"])
        if person and period[0] and period[0] < person[1]:
            record.reject("valid_from", f"раньше даты рождения {person[1]:%d.%m.%Y}")
        if person and values["code"]:
            if any(_overlap(period, known) for known in existing[(person[0], values["code"])]):
                record.reject("code", "у человека уже есть эта категория на пересекающийся срок")
            in_file[(values["snils"], values["code"])].append(record)
    for group in in_file.values():
        for index, record in enumerate(group):
            others = [o for o in group[:index] + group[index + 1 :] if _overlap(_period(record), _period(o))]
            if others:
                record.reject("code", f"категория на пересекающийся срок повторяется в строках {rows_of(others)}")
    good = good_records(records)
    frame = pd.DataFrame(
        {
            "id": new_ids(first, len(good)),
            "person_id": np.array([persons[r.values["snils"]][0] for r in good], dtype=np.int64),
            "code": pd.Series([r.values["code"] for r in good], dtype=object),
            "valid_from": as_dates(r.values["valid_from"] for r in good),
            "valid_to": as_dates(r.values["valid_to"] for r in good),
        }
    )
    return [("person_categories", frame)]


def _period(record: Record) -> tuple[date | None, date | None]:
    return record.values["valid_from"], record.values["valid_to"]


__all__ = [
    "Frames",
    "among",
    "as_dates",
    "as_scaled",
    "check_categories",
    "check_documents",
    "check_persons",
    "chunks",
    "good_records",
    "new_ids",
    "persons_by_snils",
    "reject_repeats",
    "reject_whole_groups",
    "rows_of",
]
